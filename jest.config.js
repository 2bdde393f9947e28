/**
 * The unit tests. Each worker is one Node process that runs its test files one after another
 * (jest-light-runner's worker, started by scripts/jest-runner.mjs): the project's modules and its
 * dependencies load once per worker, not once per file. scripts/jest-worker-setup.mjs gives the
 * workers a TypeScript loader and jest's deadlines. Nothing here type-checks: `npm run lint` runs `tsc -p .`.
 */
import { availableParallelism } from 'node:os';

export default {
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // test/e2e/ holds the end-to-end suite, which needs a cluster: `npm run e2e` runs it on its own.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
  runner: '<rootDir>/scripts/jest-runner.mjs',
  setupFilesAfterEnv: ['<rootDir>/scripts/jest-worker-setup.mjs'],
  // Half again as many workers as cores: a test file spends about half its time waiting on the
  // processes, git and sockets it starts, and a light worker loads the modules only once.
  maxWorkers: Math.ceil(availableParallelism() * 1.5),
  testTimeout: 60000,
  // Not the temporary folder, which `npm test` gives each run anew: the durations by which jest
  // starts the slowest files first stay.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
};
