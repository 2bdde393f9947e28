import { resolve, sep } from 'node:path';

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

/** The running process's streams, environment and working folder. */
export function processIO(): CommandIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** A command: resolves to its exit code once it has written its output. */
export type Command = (argv: readonly string[], io: CommandIO) => Promise<number>;

/**
 * Runs `command` on the process's arguments and streams, and sets its exit code, when the process
 * was started with `entry` (`node scripts/run.cjs <entry>`); a test that imports the module runs
 * nothing. A bug is left unhandled, so it surfaces with its stack.
 *
 * @param entry the module's path in the project, as its npm script names it, such as `bin/check.ts`
 */
export function runIfEntryPoint(entry: string, command: Command): void {
  // By path in the project, not by import.meta.url: copies of the project share compiled entry points.
  const started = process.argv[1];
  if (started === undefined || !resolve(started).split(sep).join('/').endsWith(`/${entry}`)) return;
  void command(process.argv.slice(2), processIO()).then((code) => (process.exitCode = code));
}

/** What a command run in process printed, and its exit code. */
export interface CapturedRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command` in this process with `env` in `cwd`, capturing what it prints. */
export async function runCaptured(
  command: Command,
  argv: readonly string[],
  context: Pick<CommandIO, 'cwd' | 'env'>,
): Promise<CapturedRun> {
  let stdout = '';
  let stderr = '';
  const exitCode = await command(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    ...context,
  });
  return { exitCode, stdout, stderr };
}
