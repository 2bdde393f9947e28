import { resolve, sep } from 'node:path';
import { EXIT_CODES } from '../core/errors.js';

/** Where a command writes. A process passes its own streams; a test passes buffers. */
export interface CommandOutput {
  write(text: string): unknown;
  /** Set for a terminal: output may be coloured. */
  readonly isTTY?: boolean;
}

/** What a command reads from its process and where it writes, so it can also run in process. */
export interface CommandIO {
  readonly stdout: CommandOutput;
  readonly stderr: CommandOutput;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The working folder: relative paths in arguments resolve against it. */
  readonly cwd: string;
}

/** A command: resolves to its exit code once it has written its output. */
export type Command = (argv: readonly string[], io: CommandIO) => Promise<number>;

/** What an entry point takes from the process it runs in: the entry point passes `process`. */
export interface EntryProcess {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: CommandOutput;
  readonly stderr: CommandOutput;
  cwd(): string;
  exitCode?: number | string | undefined;
}

/**
 * Runs `command` on the arguments, streams, environment and working folder of `running`, and sets
 * its exit code, when it was started with `entry` (`node scripts/run.cjs <entry>`); a test that
 * imports the module runs nothing. A bug (an error the command did not turn into its exit code)
 * prints its stack and exits 3, which no command uses for anything else.
 *
 * @param entry the module's path in the project, as its npm script names it, such as `bin/check.ts`
 */
export function runIfEntryPoint(entry: string, command: Command, running: EntryProcess): void {
  // By path in the project, not by import.meta.url: copies of the project share compiled entry points.
  const started = running.argv[1];
  if (started === undefined || !resolve(started).split(sep).join('/').endsWith(`/${entry}`)) return;
  const io: CommandIO = { stdout: running.stdout, stderr: running.stderr, env: running.env, cwd: running.cwd() };
  void command(running.argv.slice(2), io).then(
    (code) => (running.exitCode = code),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      io.stderr.write(`error: ${entry} failed unexpectedly (a bug; please report it with the trace below): ${message}\n`);
      io.stderr.write(`${error instanceof Error ? error.stack : ''}\n`);
      running.exitCode = EXIT_CODES.bug;
    },
  );
}

/** What a command run in process printed, and its exit code. */
export interface CapturedRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `command` in this process with `context` (its folder, variables and whatever else its IO
 * holds beyond the streams), capturing what it prints.
 */
export async function runCaptured<IO extends CommandIO>(
  command: (argv: readonly string[], io: IO) => Promise<number>,
  argv: readonly string[],
  context: Omit<IO, 'stdout' | 'stderr'>,
): Promise<CapturedRun> {
  let stdout = '';
  let stderr = '';
  // IO is CommandIO and its extras: `context` holds all but the streams.
  const io = {
    ...context,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  } as IO;
  const exitCode = await command(argv, io);
  return { exitCode, stdout, stderr };
}
