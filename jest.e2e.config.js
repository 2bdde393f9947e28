/** `npm run e2e`: the release drill on a throwaway cluster. One file, in band: its steps share the cluster. */
import base from './jest.config.js';

export default {
  ...base,
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.e2e.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 1,
  // Jest's own runner, not the light one: each drill in a module registry of its own, with the
  // TypeScript stripped by esbuild (scripts/jest-transform.cjs).
  runner: 'jest-runner',
  setupFilesAfterEnv: [],
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': '<rootDir>/scripts/jest-transform.cjs' },
  // Each step sets its own deadline; the setup's includes a cold build of the toolchain.
  testTimeout: 5 * 60_000,
};
