/**
 * The operator's tool: one Rollout operation on one cluster or on all of them. `bin/rollout.ts`
 * runs it in a process; tests run it in process with their own {@link OperatorIO}.
 */
import { resolve } from 'node:path';
import { Argument, Command } from 'commander';
import type { CommandIO } from '../cli/command-io.js';
import { exitCodeOf } from '../cli/command-line-errors.js';
import type { ClusterOverlay } from '../config/cluster-overlay.js';
import type { PlatformSettings } from '../config/platform-settings.js';
import { loadProjectConfig } from '../config/project-config.js';
import { compareStrings } from '../util/stable-order.js';
import { type OperatorIO, readsProject, runIn } from './operator-io.js';
import { durationOption, formatDuration } from './duration.js';
import { KubectlClient } from './kubectl-client.js';
import type { ClusterTarget } from './operation-plan.js';
import { type Operation, OPERATIONS } from './operations.js';
import { RolloutOperator } from './rollout-operator.js';
import { selectRolloutWorkload } from './rollout-workloads.js';
import { renderAnalysisLines, renderStatusTable, renderTrafficLines, renderTrainLines } from './status-table.js';
import { UsageError } from '../core/errors.js';

/** What the command line asks for, checked as far as it can be without reading the project. */
export interface RolloutRequest {
  readonly operation: Operation;
  /** A cluster's name, or `all`. */
  readonly cluster: string;
  readonly workload?: string;
  readonly toRevision?: number;
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
  readonly dryRun: boolean;
  readonly force: boolean;
  readonly kubectl: string;
  readonly overlays: string;
  readonly platform: string;
}

interface Options {
  readonly cluster: string;
  readonly workload?: string;
  readonly toRevision?: string;
  readonly timeout: string;
  readonly pollInterval: string;
  readonly dryRun?: boolean;
  readonly force?: boolean;
  readonly kubectl: string;
  readonly overlays: string;
  readonly platform: string;
}

/**
 * Reads the command line. commander prints its own errors (and `--help`) through `output`.
 *
 * @throws CommanderError for what commander refuses, UsageError for a bad value
 */
export function parseRolloutCommandLine(argv: readonly string[], output: Pick<CommandIO, 'stdout' | 'stderr'>): RolloutRequest {
  const program = readsProject(
    new Command('rollout')
      .description("Inspect, sync, promote, abort, undo or restart a workload's Rollout on one cluster or all of them.")
      .addArgument(new Argument('<operation>', 'what to do').choices(OPERATIONS))
      .requiredOption('--cluster <name>', 'a cluster named by a file in overlays/, or "all" for every cluster')
      .option('--workload <name>', 'the workload whose Rollout to operate on (default: the only workload that runs a Rollout)')
      .option('--to-revision <n>', 'undo only: the Rollout revision to go back to (default: the previous one)')
      .option('--timeout <duration>', 'deadline of each wait, such as 30s, 10m or 1h', '10m')
      .option('--poll-interval <duration>', 'time between two looks while waiting', '5s')
      .option('--dry-run', 'print the exact commands for every cluster, and run nothing')
      .option('--force', 'promote even when the Rollout is not Paused at a pause step')
      .option('--kubectl <path>', 'the kubectl executable', 'kubectl'),
    output,
  );
  program.parse(argv, { from: 'user' });
  const operation = program.processedArgs[0] as Operation;
  const options = program.opts<Options>();

  const timeoutMs = durationOption('--timeout', options.timeout);
  const pollIntervalMs = durationOption('--poll-interval', options.pollInterval);
  const toRevision = toRevisionOption(operation, options.toRevision);
  if (options.force && operation !== 'promote') throw new UsageError(`--force applies to promote only, not to ${operation}`);
  if (options.kubectl.trim() === '') throw new UsageError('--kubectl is empty; expected the kubectl executable');
  return {
    operation,
    cluster: options.cluster,
    workload: options.workload,
    toRevision,
    timeoutMs,
    pollIntervalMs,
    dryRun: options.dryRun ?? false,
    force: options.force ?? false,
    kubectl: options.kubectl,
    overlays: options.overlays,
    platform: options.platform,
  };
}

function toRevisionOption(operation: Operation, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (operation !== 'undo') throw new UsageError(`--to-revision applies to undo only, not to ${operation}`);
  if (!/^[1-9]\d{0,9}$/.test(text)) {
    throw new UsageError(
      `--to-revision "${text}" is not a Rollout revision; expected a whole number of at least 1 (leave it out to go back to the previous revision)`,
    );
  }
  return Number(text);
}

function selectClusters(name: string, overlays: readonly ClusterOverlay[], overlaysDir: string): ClusterTarget[] {
  const targets = [...overlays].sort((a, b) => compareStrings(a.name, b.name));
  if (name === 'all') return targets;
  const target = targets.find((cluster) => cluster.name === name);
  if (!target) {
    throw new UsageError(
      `--cluster "${name}" is not a cluster; expected "all" or one of ${targets.map((cluster) => cluster.name).join(', ')} (from ${overlaysDir}/)`,
    );
  }
  return [target];
}

/**
 * Runs `npm run rollout -- <argv>` with `io`. Resolves with the exit code: 0 every cluster
 * succeeded; 1 a cluster failed, or the project's configuration is invalid; 2 bad input, or kubectl
 * or its plugin cannot run (nothing was attempted). A user error prints one line, without a stack.
 */
export function rolloutCommand(argv: readonly string[], io: OperatorIO): Promise<number> {
  return exitCodeOf(rollout(argv, io), (line) => io.stderr.write(`${line}\n`));
}

async function rollout(argv: readonly string[], io: OperatorIO): Promise<number> {
  const print = (line: string) => io.stdout.write(`${line}\n`);
  const printError = (line: string) => io.stderr.write(`${line}\n`);
  const request = parseRolloutCommandLine(argv, io);
  const { operation, timeoutMs } = request;

  const {
    platform,
    clusters: overlays,
    workloads,
  } = loadProjectConfig({
    platformFile: resolve(io.cwd, request.platform),
    overlaysDirectory: resolve(io.cwd, request.overlays),
    display: { platformFile: request.platform, overlaysDirectory: request.overlays },
    workloads: io.workloads,
  });
  const clusters = selectClusters(request.cluster, overlays, request.overlays);
  const workload = selectRolloutWorkload(workloads, request.workload);

  const operator = new RolloutOperator({
    kubectl: new KubectlClient({ executable: request.kubectl, commandTimeoutMs: timeoutMs, run: runIn(io) }),
    settings: {
      environment: platform.environment,
      workload,
      timeoutMs,
      pollIntervalMs: request.pollIntervalMs,
      force: request.force,
      toRevision: request.toRevision,
    },
    log: print,
  });
  const names = clusters.map((cluster) => cluster.name).join(', ');

  if (request.dryRun) {
    print(`dry run: ${operation} on ${names} (environment ${platform.environment}); nothing is run`);
    for (const line of operator.describe(operation, clusters)) print(line);
    return 0;
  }

  const version = await operator.checkTools(operation);
  if (operation !== 'status') {
    print(`${operation} on ${names} (environment ${platform.environment}, each wait up to ${formatDuration(timeoutMs)}; ${version})`);
  }
  const outcomes = await operator.run(operation, clusters);
  if (operation !== 'status') print('');
  print(renderStatusTable(outcomes));
  const analysis = renderAnalysisLines(outcomes);
  if (analysis.length > 0) print(`\n${analysis.join('\n')}`);
  const traffic = renderTrafficLines(outcomes);
  if (traffic.length > 0) print(`\n${traffic.join('\n')}`);

  if (operation === 'status' && request.cluster === 'all' && platform.releaseTrain !== undefined) {
    const gitRelease = releaseSetting(platform, overlays, workload.name);
    print(`\n${renderTrainLines(platform.releaseTrain, outcomes, gitRelease).join('\n')}`);
  }

  const notes = outcomes.flatMap((outcome) => outcome.notes.map((note) => `note for ${outcome.cluster.name}: ${note}`));
  const failures = outcomes.filter((outcome) => outcome.error !== undefined);
  if (notes.length > 0) print(`\n${notes.join('\n')}`);
  if (failures.length > 0) {
    printError('');
    for (const { cluster, error } of failures) printError(`${cluster.name} failed: ${error}`);
    printError(`${operation} failed on ${failures.length} of ${outcomes.length} cluster${outcomes.length === 1 ? '' : 's'}`);
    return 1;
  }
  return 0;
}

/** The release Git sets for each cluster: its overlay's `release` for the workload, else the platform's. */
function releaseSetting(
  platform: PlatformSettings,
  clusters: readonly ClusterOverlay[],
  workload: string,
): (cluster: string) => string | undefined {
  const releaseIn = (settings: unknown) => {
    const release = (settings as { release?: unknown } | undefined)?.release;
    return typeof release === 'string' ? release : undefined;
  };
  return (name) => {
    const cluster = clusters.find((candidate) => candidate.name === name);
    return releaseIn(cluster?.workloads[workload]) ?? releaseIn(platform.workloads[workload]);
  };
}
