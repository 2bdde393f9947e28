import { CommanderError } from 'commander';
import { ConfigError } from '../core/config-error.js';
import { CommandFailedError, EXIT_CODES, GitInputError, ManifestParseError, SynthValidationError, UsageError } from '../core/errors.js';

/** Input the command could not use: a bad argument, a ref git does not know, a tree that does not parse. Exit code 2. */
export function isInputError(error: unknown): error is Error {
  return error instanceof UsageError || error instanceof GitInputError || error instanceof ManifestParseError;
}

/** An error of a system call, such as ENOENT from reading a file. */
function isSystemError(error: unknown): error is NodeJS.ErrnoException & { syscall: string } {
  return typeof error === 'object' && error !== null && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

/**
 * How an entry point ends on `error`: its exit code and the line to print, or `undefined` for an
 * error that is a bug and should surface with its stack. Every user error prints without one.
 */
function exitForError(error: unknown): { exitCode: number; message?: string } | undefined {
  // commander has printed its own message; help is not an error.
  if (error instanceof CommanderError) return { exitCode: error.exitCode === 0 ? 0 : EXIT_CODES.usage };
  if (isInputError(error)) return { exitCode: EXIT_CODES.usage, message: `error: ${error.message}` };
  // A configuration error has one line per problem: each gets its own prefix.
  if (error instanceof ConfigError)
    return { exitCode: EXIT_CODES.failed, message: error.problems.map((problem) => `error: ${problem}`).join('\n') };
  if (error instanceof CommandFailedError || error instanceof SynthValidationError)
    return { exitCode: EXIT_CODES.failed, message: `error: ${error.message}` };
  // A file or folder that cannot be read or written: its one line, no stack trace. Node's own
  // errors may come from another realm (a vm context, such as a test runner's), so not by instanceof.
  if (isSystemError(error)) return { exitCode: EXIT_CODES.failed, message: `error: ${error.message}` };
  return undefined;
}

/**
 * The exit code of a command: the one `run` resolves to (0 when none), or the one for its error,
 * after printing the error's line. A bug (an error of no known kind) rejects, so it surfaces with
 * its stack. In-process callers get here what the process would have printed and exited with.
 */
export async function exitCodeOf(run: Promise<number | void>, printError: (line: string) => void): Promise<number> {
  try {
    return (await run) ?? 0;
  } catch (error) {
    const ending = exitForError(error);
    if (ending === undefined) throw error;
    if (ending.message) printError(ending.message);
    return ending.exitCode;
  }
}
