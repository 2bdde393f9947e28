import { type Command, runCaptured } from '../../lib/cli/command-io.js';

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

/** Runs an entry point's command in this process, as its npm script would, capturing its output. */
export async function runCommand(command: Command, argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const { exitCode, stdout, stderr } = await runCaptured(command, argv, { cwd: options.cwd ?? process.cwd(), env: options.env ?? {} });
  return { status: exitCode, stdout, stderr };
}

/** This process's environment for a child process of a test: no colour settings, and no CDK8S_OUTDIR to redirect synth. */
export function plainEnv(): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _force, NO_COLOR: _none, CDK8S_OUTDIR: _outdir, ...env } = process.env;
  return env;
}
