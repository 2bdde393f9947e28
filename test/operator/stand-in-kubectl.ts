import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { rolloutCommand } from '../../lib/operator/rollout-command.js';
import { mandelbrot } from '../../lib/workloads/mandelbrot/mandelbrot.js';
import type { CommandResult, RunCommand } from '../../lib/operator/run-command.js';
import { entryPointCommand } from '../../lib/util/entry-point.js';
import { type CommandResult as CapturedResult, runCommand } from '../support/run-command.js';
import { sharedFixtureProject } from '../support/fixture-project.js';
import { PROJECT_ROOT } from '../support/synth-process.js';
import { runStandInKubectl } from './fake-kubectl/stand-in.js';

/** The fixture project the operator commands run in: its platform.yaml, overlays and dist/. */
export const FIXTURE = await sharedFixtureProject();

/** The folder holding the stand-in `kubectl`, which tests put first on PATH. */
export const STAND_IN_FOLDER = join(PROJECT_ROOT, 'test', 'operator', 'fake-kubectl');

/** Knobs of the stand-in (see the top of `fake-kubectl/kubectl`), without the FAKE_KUBECTL_ prefix. */
export interface StandInKnobs {
  readonly DIST?: string;
  readonly LIVE_RELEASE?: string;
  readonly CONTEXTS?: string;
  readonly ENVIRONMENT?: string;
  readonly UNREACHABLE?: string;
  readonly SYNC_FAILS?: string;
  readonly STUCK?: string;
  readonly CRD?: string;
  readonly NO_PLUGIN?: string;
}

/** The fixture's clusters, by name. */
export const CLUSTERS = ['aws', 'azure', 'gcp'];

/** Waits look often, so tests do not wait for the default interval. */
export const FAST = ['--poll-interval', '50ms'];

/**
 * One simulated set of clusters: its own state folder and call log. Calls reach it in process
 * ({@link StandInKubectl.run}) or through the `kubectl` program on PATH ({@link StandInKubectl.env}).
 */
export class StandInKubectl {
  public readonly stateDir: string;
  public readonly env: NodeJS.ProcessEnv;

  constructor(knobs: StandInKnobs = {}) {
    this.stateDir = mkdtempSync(join(tmpdir(), 'trinity-kubectl-'));
    this.env = {
      PATH: `${STAND_IN_FOLDER}${delimiter}${process.env.PATH ?? ''}`,
      FAKE_KUBECTL_STATE_DIR: this.stateDir,
      ...Object.fromEntries(Object.entries(knobs).map(([knob, value]) => [`FAKE_KUBECTL_${knob}`, value])),
    };
  }

  /**
   * Answers `kubectl` in process, as the program on PATH would: any other executable is not
   * found, and a call that outlives its time limit is cut off with exit code -1.
   */
  public readonly run: RunCommand = async (file, args, options) => {
    if (file !== 'kubectl') throw Object.assign(new Error(`spawn ${file} ENOENT`), { code: 'ENOENT' });
    const output = { stdout: '', stderr: '' };
    const call = runStandInKubectl(args, options.env ?? this.env, {
      stdout: (text) => (output.stdout += text),
      stderr: (text) => (output.stderr += text),
    });
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<number>((resolve) => {
      if (options.timeoutMs !== undefined) timer = setTimeout(() => resolve(-1), options.timeoutMs);
    });
    try {
      const exitCode = await Promise.race([call, killed]);
      return { ...output, exitCode };
    } finally {
      clearTimeout(timer);
    }
  };

  /** One kubectl call in process: what kubectl printed and its exit code. */
  public call(args: readonly string[]): Promise<CommandResult> {
    return this.run('kubectl', args, {});
  }

  /** `npm run rollout -- <args>` in process, in the fixture project, with kubectl answered by this stand-in. */
  public rollout(args: readonly string[], options: { cwd?: string } = {}): Promise<CapturedResult> {
    return runCommand(rolloutCommand, args, { cwd: options.cwd ?? FIXTURE.root, env: this.env, run: this.run, workloads: [mandelbrot] });
  }

  /** Every call so far, as argument lists. */
  public calls(): string[][] {
    const log = join(this.stateDir, 'calls.jsonl');
    if (!existsSync(log)) return [];
    return readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => (JSON.parse(line) as { argv: string[] }).argv);
  }

  /** The calls that name `context`, joined into command lines. */
  public commandsFor(context: string): string[] {
    return this.calls()
      .filter((argv) => argv.includes(context) && argv[argv.indexOf(context) - 1] === '--context')
      .map((argv) => argv.join(' '));
  }

  /**
   * Calls that break the rule the real kubectl enforces for plugins: a plugin call must start
   * `argo rollouts --context`, any other call must name `--context`, and no call starts with a flag.
   */
  public misplacedContexts(): string[] {
    return this.calls()
      .map((argv) => argv.join(' '))
      .filter((command) => command !== 'argo rollouts version' && command !== 'version --client')
      .filter(
        (command) =>
          command.startsWith('-') ||
          (command.startsWith('argo ') ? !command.startsWith('argo rollouts --context ') : !command.includes(' --context ')),
      );
  }

  /** The simulated state of one context, as the stand-in keeps it. */
  public state(context: string): {
    podHash: string;
    stableHash: string;
    skippedSteps: number[];
    restartAt: string | null;
    revisions: { revision: number; hash: string }[];
  } {
    return JSON.parse(readFileSync(join(this.stateDir, `${context}.json`), 'utf8'));
  }

  public cleanup(): void {
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/** Clusters one release behind Git (the fixture's dist/), as right after a release is merged. */
export function clustersBehindGit(knobs: StandInKnobs = {}): StandInKubectl {
  return new StandInKubectl({ DIST: FIXTURE.dist, LIVE_RELEASE: 'stable', ...knobs });
}

/** What an entry point started as a process printed, and its exit code (`null` when a signal ended it). */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs an entry point exactly as its npm script does, as a real process, in the fixture project unless `cwd` is given. */
export function runEntry(
  entry: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const { command, args: argv } = entryPointCommand(PROJECT_ROOT, entry, args);
    const child = spawn(command, argv, {
      cwd: options.cwd ?? FIXTURE.root,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `npm run rollout -- <args>`. */
export function runRollout(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runEntry('bin/rollout.ts', args, { env });
}

/** The rows of the status table in `stdout`, by cluster, as lists of cells. */
export function tableRows(stdout: string): Map<string, string[]> {
  const lines = stdout.split('\n');
  const header = lines.findIndex((line) => /^cluster\s+cloud\s+status\s+step\s+weight\s+desired\s+ready\s+stable replica set$/.test(line));
  if (header < 0) throw new Error(`no status table in:\n${stdout}`);
  const rows = new Map<string, string[]>();
  for (const line of lines.slice(header + 1)) {
    if (line.trim() === '') break;
    const cells = line.split(/\s{2,}/);
    rows.set(cells[0] ?? '', cells);
  }
  return rows;
}
