import { type CommandResult, type RunCommand, type RunOptions, runWithTinyexec } from './run-command.js';

/** The executable could not be started at all. */
export class KubectlMissingError extends Error {
  constructor(public readonly executable: string) {
    super(`${executable} was not found; install kubectl (and the kubectl-argo-rollouts plugin) or pass --kubectl <path>`);
    this.name = 'KubectlMissingError';
  }
}

/** A kubectl command that exited non-zero; the message ends with what kubectl said. */
export class KubectlCommandError extends Error {
  constructor(
    public readonly command: string,
    public readonly result: CommandResult,
  ) {
    const outcome = result.exitCode === -1 ? 'was killed after its time limit' : `exited ${result.exitCode}`;
    const said = lastLine(result.stderr) || lastLine(result.stdout);
    super(`${command} ${outcome}${said ? `: ${said}` : ''}`);
    this.name = 'KubectlCommandError';
  }
}

/** The last non-empty line: kubectl prints client-side log noise first and the error last. */
export function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines.at(-1) ?? '';
}

export interface KubectlClientProps {
  /**
   * The kubectl executable: a name looked up on PATH, or a path.
   *
   * @default 'kubectl'
   */
  readonly executable?: string;

  /**
   * How processes are run.
   *
   * @default runWithTinyexec
   */
  readonly run?: RunCommand;

  /**
   * The time limit of a command that names none, so no single call outlives the operation's deadlines.
   *
   * @default - none
   */
  readonly commandTimeoutMs?: number;
}

/** Runs kubectl. Knows nothing about Rollouts: the commands come from `kubectl-commands.ts`. */
export class KubectlClient {
  public readonly executable: string;
  private readonly runCommand: RunCommand;
  private readonly commandTimeoutMs?: number;

  constructor(props: KubectlClientProps = {}) {
    this.executable = props.executable ?? 'kubectl';
    this.runCommand = props.run ?? runWithTinyexec;
    this.commandTimeoutMs = props.commandTimeoutMs;
  }

  /** The command line as a shell would need it, for logs and `--dry-run`. */
  public display(args: readonly string[]): string {
    return [this.executable, ...args].map(shellQuote).join(' ');
  }

  /** Runs kubectl and returns what it printed, whatever the exit code. */
  public async run(args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    try {
      return await this.runCommand(this.executable, args, { timeoutMs: options.timeoutMs ?? this.commandTimeoutMs });
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') throw new KubectlMissingError(this.executable);
      throw error;
    }
  }

  /** Runs kubectl and returns its standard output; a non-zero exit becomes a {@link KubectlCommandError}. */
  public async check(args: readonly string[], options: RunOptions = {}): Promise<string> {
    const result = await this.run(args, options);
    if (result.exitCode !== 0) throw new KubectlCommandError(this.display(args), result);
    return result.stdout;
  }
}

const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes `word` for a POSIX shell only when it needs it. */
export function shellQuote(word: string): string {
  return SHELL_SAFE.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
