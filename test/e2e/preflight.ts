/**
 * Runs before the end-to-end suite: what it needs from outside the repository is checked here, so
 * a missing input is one line instead of a failed test with a stack trace.
 */
import { missingSystemCommands, SYSTEM_COMMANDS } from './support/argocd.js';
import { MissingSharedInputError, readCrds } from './support/shared-inputs.js';

try {
  readCrds();
} catch (error) {
  if (!(error instanceof MissingSharedInputError)) throw error;
  console.error(`error: ${error.message}`);
  process.exit(2);
}

const missing = missingSystemCommands();
if (missing.length > 0) {
  const packages = missing.map((command) => SYSTEM_COMMANDS[command as keyof typeof SYSTEM_COMMANDS]).join(' ');
  console.error(`error: e2e: ${missing.join(', ')} not found on PATH: the GitOps drill needs them (Debian: apt-get install ${packages})`);
  process.exit(2);
}
