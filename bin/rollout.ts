/**
 * The operator's tool: one Rollout operation on one cluster or on all of them.
 *
 *   npm run rollout -- <operation> --cluster <name|all> [--workload <name>] [--to-revision N] [--timeout 10m] [--dry-run] [--force]
 *
 * Exit codes: 0 every cluster succeeded; 1 a cluster failed, or the project's configuration is
 * invalid; 2 bad input, or kubectl or its plugin cannot run (nothing was attempted).
 */
import { resolve } from 'node:path';
import { Argument, Command } from 'commander';
import type { ClusterOverlay } from '../lib/config/cluster-overlay.js';
import { loadProjectConfig } from '../lib/config/project-config.js';
import { endCommand, UsageError } from '../lib/cli/command-line-errors.js';
import { formatDuration, parseDuration } from '../lib/operator/duration.js';
import { KubectlClient } from '../lib/operator/kubectl-client.js';
import type { ClusterTarget } from '../lib/operator/operation-plan.js';
import { type Operation, OPERATIONS } from '../lib/operator/operations.js';
import { RolloutOperator } from '../lib/operator/rollout-operator.js';
import { selectRolloutWorkload } from '../lib/operator/rollout-workloads.js';
import { renderAnalysisLines, renderStatusTable } from '../lib/operator/status-table.js';
import { compareStrings } from '../lib/util/stable-order.js';

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

function parseCommandLine(argv: readonly string[]): { operation: Operation; options: Options } {
  const program = new Command('rollout')
    .description("Inspect, sync, promote, abort, undo or restart a workload's Rollout on one cluster or all of them.")
    .addArgument(new Argument('<operation>', 'what to do').choices(OPERATIONS))
    .requiredOption('--cluster <name>', 'a cluster named by a file in overlays/, or "all" for every cluster')
    .option('--workload <name>', 'the workload whose Rollout to operate on (default: the only workload that runs a Rollout)')
    .option('--to-revision <n>', 'undo only: the Rollout revision to go back to (default: the previous one)')
    .option('--timeout <duration>', 'deadline of each wait, such as 30s, 10m or 1h', '10m')
    .option('--poll-interval <duration>', 'time between two looks while waiting', '5s')
    .option('--dry-run', 'print the exact commands for every cluster, and run nothing')
    .option('--force', 'promote even when the Rollout is not Paused at a pause step')
    .option('--kubectl <path>', 'the kubectl executable', 'kubectl')
    .option('--overlays <dir>', 'the cluster overlays', 'overlays')
    .option('--platform <file>', 'the platform settings', 'platform.yaml')
    .exitOverride();
  program.parse(argv, { from: 'user' });
  return { operation: program.processedArgs[0] as Operation, options: program.opts<Options>() };
}

function durationOption(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    throw new UsageError(
      `${flag} "${text}" is not a duration; expected a positive whole number with a unit: ms, s, m or h (30s, 10m, 1m30s)`,
    );
  }
  return ms;
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

async function main(): Promise<number> {
  const { operation, options } = parseCommandLine(process.argv.slice(2));
  const timeoutMs = durationOption('--timeout', options.timeout);
  const pollIntervalMs = durationOption('--poll-interval', options.pollInterval);
  const toRevision = toRevisionOption(operation, options.toRevision);
  if (options.force && operation !== 'promote') throw new UsageError(`--force applies to promote only, not to ${operation}`);
  if (options.kubectl.trim() === '') throw new UsageError('--kubectl is empty; expected the kubectl executable');

  const {
    platform,
    clusters: overlays,
    workloads,
  } = loadProjectConfig({
    platformFile: resolve(options.platform),
    overlaysDirectory: resolve(options.overlays),
    display: { platformFile: options.platform, overlaysDirectory: options.overlays },
  });
  const clusters = selectClusters(options.cluster, overlays, options.overlays);
  const workload = selectRolloutWorkload(workloads, options.workload);

  const operator = new RolloutOperator({
    kubectl: new KubectlClient({ executable: options.kubectl, commandTimeoutMs: timeoutMs }),
    settings: { environment: platform.environment, workload, timeoutMs, pollIntervalMs, force: options.force, toRevision },
    log: (line) => console.log(line),
  });
  const names = clusters.map((cluster) => cluster.name).join(', ');

  if (options.dryRun) {
    console.log(`dry run: ${operation} on ${names} (environment ${platform.environment}); nothing is run`);
    for (const line of operator.describe(operation, clusters)) console.log(line);
    return 0;
  }

  const version = await operator.checkTools();
  if (operation !== 'status') {
    console.log(`${operation} on ${names} (environment ${platform.environment}, each wait up to ${formatDuration(timeoutMs)}; ${version})`);
  }
  const outcomes = await operator.run(operation, clusters);
  if (operation !== 'status') console.log('');
  console.log(renderStatusTable(outcomes));
  const analysis = renderAnalysisLines(outcomes);
  if (analysis.length > 0) console.log(`\n${analysis.join('\n')}`);

  const notes = outcomes.flatMap((outcome) => outcome.notes.map((note) => `note for ${outcome.cluster.name}: ${note}`));
  const failures = outcomes.filter((outcome) => outcome.error !== undefined);
  if (notes.length > 0) console.log(`\n${notes.join('\n')}`);
  if (failures.length > 0) {
    console.error('');
    for (const { cluster, error } of failures) console.error(`${cluster.name} failed: ${error}`);
    console.error(`${operation} failed on ${failures.length} of ${outcomes.length} cluster${outcomes.length === 1 ? '' : 's'}`);
    return 1;
  }
  return 0;
}

endCommand(main(), (code) => (process.exitCode = code), console.error);
