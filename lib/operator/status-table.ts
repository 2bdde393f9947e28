import { analysisStoppedRollout, describeAnalysisRun } from './analysis-run-summary.js';
import { formatTable } from '../util/text-table.js';
import type { ClusterOutcome } from './rollout-operator.js';
import { describeTrain } from './train-status.js';
import { describeTrafficWeights } from './traffic-weights.js';

/** The columns of the table, as the platform write-up prints it after a drill, with the cluster first. */
const STATUS_COLUMNS = ['cluster', 'cloud', 'status', 'step', 'weight', 'desired', 'ready', 'stable replica set'] as const;

/** One row per cluster; a cluster whose Rollout could not be read shows `unknown`. */
function statusRows(outcomes: readonly ClusterOutcome[]): string[][] {
  return outcomes.map(({ cluster, state }) =>
    state === undefined
      ? [cluster.name, cluster.cloud, 'unknown', '-', '-', '-', '-', '-']
      : [
          cluster.name,
          cluster.cloud,
          state.status,
          state.step,
          state.weight,
          String(state.desired),
          String(state.ready),
          state.stableReplicaSet,
        ],
  );
}

/** The status table of `outcomes`. */
export function renderStatusTable(outcomes: readonly ClusterOutcome[]): string {
  return formatTable(STATUS_COLUMNS, statusRows(outcomes)).join('\n');
}

/**
 * One line per cluster whose canary has an analysis run, for below the table. A Degraded Rollout
 * whose run failed was aborted by the analysis, with no operator action: said so first.
 */
export function renderAnalysisLines(outcomes: readonly ClusterOutcome[]): string[] {
  return outcomes.flatMap(({ cluster, state }) => {
    if (state?.analysis === undefined) return [];
    const aborted = state.status === 'Degraded' && analysisStoppedRollout(state.analysis);
    return [`${cluster.name}: ${aborted ? 'aborted by analysis' : 'analysis'}: ${describeAnalysisRun(state.analysis)}`];
  });
}

/**
 * The release train below the table: each train cluster's release in Git and live, which cluster is
 * next, and what it waits for.
 */
export function renderTrainLines(
  train: readonly string[],
  outcomes: readonly ClusterOutcome[],
  gitRelease: (cluster: string) => string | undefined,
): string[] {
  const stops = train.map((cluster) => {
    const outcome = outcomes.find((candidate) => candidate.cluster.name === cluster);
    const state = outcome?.state;
    return {
      cluster,
      gitRelease: gitRelease(cluster),
      liveRelease: state?.release,
      status: state?.status,
      pausedAtPauseStep: state?.pausedAtPauseStep,
      unreachable: outcome?.error !== undefined && state === undefined,
    };
  });
  const view = describeTrain(stops);
  const rows = stops.map((stop, index) => [
    `${index + 1}/${stops.length}`,
    stop.cluster,
    stop.gitRelease ?? '-',
    stop.liveRelease ?? '-',
    stop.status ?? 'unknown',
    stop.cluster === view.next ? 'next' : '',
  ]);
  return [
    `release train ${train.join(' → ')}${view.release === undefined ? '' : `: "${view.release}"`}`,
    ...formatTable(['stop', 'cluster', 'in Git', 'live', 'status', ''], rows).map((line) => line.trimEnd()),
    view.blocker,
  ];
}

/** One line per cluster whose Rollout routes through Traefik: the canary weight desired and applied, or a warning. */
export function renderTrafficLines(outcomes: readonly ClusterOutcome[]): string[] {
  return outcomes.flatMap(({ cluster, state }) =>
    state?.traffic === undefined ? [] : [describeTrafficWeights(cluster.name, state.traffic)],
  );
}
