/**
 * The errors a user's mistake ends a command with, and their exit codes. lib/cli maps each to its
 * exit and one line; any other error is a bug and surfaces with its stack.
 */

/** Exit codes every entry point shares. */
export const EXIT_CODES = {
  /** The command ran and failed, or a settings file is wrong. */
  failed: 1,
  /** Bad input, or a tool that cannot run: nothing was attempted. */
  usage: 2,
  /** An unexpected failure: a bug, printed with its stack to report. */
  bug: 3,
} as const;

/** Bad input, or a tool that cannot run: nothing was attempted. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The command ran and failed; what it changed was put back. Exit code 1. */
export class CommandFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailedError';
  }
}

/** Bad input from the user: not a repository, an unknown ref. The message says which and why. Exit code 2. */
export class GitInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitInputError';
  }
}

/** A file of a tree that is not a list of Kubernetes objects. Exit code 2. */
export class ManifestParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestParseError';
  }
}

/** An error from a construct validation, with every failing construct's message. Exit code 1. */
export class SynthValidationError extends Error {
  constructor(public readonly errors: readonly string[]) {
    super(`synth stopped: ${errors.length} problem${errors.length === 1 ? '' : 's'} in the constructs:\n  ${errors.join('\n  ')}`);
    this.name = 'SynthValidationError';
  }
}
