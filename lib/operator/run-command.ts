import { x } from 'tinyexec';

/** What a finished process left behind. */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  /** The exit code; -1 when the process was killed. */
  readonly exitCode: number;
}

export interface RunOptions {
  /**
   * Kill the process after this many milliseconds.
   *
   * @default - no limit
   */
  readonly timeoutMs?: number;

  /**
   * The working folder of the process.
   *
   * @default - the caller's
   */
  readonly cwd?: string;

  /**
   * The environment of the process; PATH here is where `file` is looked up.
   *
   * @default - the caller's
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Runs `file` with `args` and resolves with its output whatever its exit code. Rejects with an
 * error whose `code` is `ENOENT` when `file` cannot be found.
 */
export type RunCommand = (file: string, args: readonly string[], options: RunOptions) => Promise<CommandResult>;

/**
 * {@link RunCommand} with tinyexec. `file` is looked up on PATH as a shell would: tinyexec would
 * otherwise put node's own folder first, and a kubectl beside node would win over the user's.
 * The timeout kills the process here: tinyexec's own leaves an unhandled error behind.
 */
export const runWithTinyexec: RunCommand = async (file, args, options) => {
  const child = x(file, [...args], {
    throwOnError: false,
    nodePath: false,
    // Given whole: an env passed to tinyexec is merged into the caller's, not used instead of it.
    ...(options.env === undefined ? {} : { inheritEnv: false }),
    nodeOptions: { stdio: ['ignore', 'pipe', 'pipe'], cwd: options.cwd, env: options.env },
  });
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGTERM'), options.timeoutMs);
  try {
    const output = await child;
    return { stdout: output.stdout, stderr: output.stderr, exitCode: child.killed ? -1 : (output.exitCode ?? -1) };
  } finally {
    if (timer) clearTimeout(timer);
  }
};
