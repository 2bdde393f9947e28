import { type CommandIO, runCaptured } from '../../lib/cli/command-io.js';

/** What a command run in process wrote, and its exit code. */
export interface CommandResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** @default the project folder, where the tests run */
  readonly cwd?: string;
  /** @default {} - no colour, no CDK8S_OUTDIR */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Runs an entry point's command in this process, as its npm script would, capturing its output.
 * A command whose IO holds more than {@link CommandIO} (an operator command's process runner) takes that in `options`.
 */
export async function runCommand<IO extends CommandIO>(
  command: (argv: readonly string[], io: IO) => Promise<number>,
  argv: readonly string[],
  ...[options]: Exclude<keyof IO, keyof CommandIO> extends never ? [RunOptions?] : [RunOptions & Omit<IO, keyof CommandIO>]
): Promise<CommandResult> {
  const context = { ...options, cwd: options?.cwd ?? process.cwd(), env: options?.env ?? {} } as Omit<IO, 'stdout' | 'stderr'>;
  const { exitCode, stdout, stderr } = await runCaptured(command, argv, context);
  return { status: exitCode, stdout, stderr };
}

/** This process's environment for a child process of a test: no colour settings, and no CDK8S_OUTDIR to redirect synth. */
export function plainEnv(): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _force, NO_COLOR: _none, CDK8S_OUTDIR: _outdir, ...env } = process.env;
  return env;
}
