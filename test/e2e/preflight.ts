/**
 * Runs before the end-to-end suite: what it needs from outside the repository is checked here, so
 * a missing input is one line instead of a failed test with a stack trace.
 */
import { MissingSharedInputError, readCrds } from './support/shared-inputs.js';

try {
  readCrds();
} catch (error) {
  if (!(error instanceof MissingSharedInputError)) throw error;
  console.error(`error: ${error.message}`);
  process.exit(2);
}
