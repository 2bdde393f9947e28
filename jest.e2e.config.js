/** `npm run e2e`: the release drill on a throwaway cluster. One file, in band: its steps share the cluster. */
import base from './jest.config.js';

export default {
  ...base,
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.e2e.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 1,
  // Each step sets its own deadline; the setup's includes a cold build of the toolchain.
  testTimeout: 5 * 60_000,
};
