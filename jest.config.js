/**
 * Jest runs the TypeScript sources as native ES modules, transformed by esbuild without a type
 * check: `npm test` runs `tsc -p .` for that.
 */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // test/e2e/ holds the end-to-end suite, which needs a cluster: `npm run e2e` runs it on its own.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': '<rootDir>/scripts/jest-transform.cjs' },
  // One worker per core, not one fewer: many suites wait on processes, git and sockets.
  maxWorkers: '100%',
  testTimeout: 60000,
  // Not the temporary folder, which `npm test` gives each run anew: the transforms stay cached.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
};
