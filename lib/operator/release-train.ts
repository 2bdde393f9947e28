/**
 * The release train: moves a release's pin in Git one cluster at a time, in `releaseTrain`'s
 * order, and lets a cluster start only once the one before runs the release Healthy. Git and the
 * clusters are reached through {@link TrainRepository} and {@link TrainClusterClient}, so the
 * train's rules are tested without either.
 */
import { CommandFailedError, UsageError } from '../core/errors.js';
import { formatDuration } from './duration.js';
import type { ClusterTarget } from './operation-plan.js';
import { type Clock, pollUntil, type Probe, SYSTEM_CLOCK, WaitTimeoutError } from './poll-until.js';
import { describeRolloutSummary, type RolloutSummary } from './rollout-summary.js';

/** What the train reads of one cluster. */
export interface TrainClusterState {
  /** The commit Argo CD last compared the workload's Application with (`status.sync.revision`). */
  readonly syncRevision?: string;
  /** `Synced` or `OutOfSync` (`status.sync.status`). */
  readonly syncStatus?: string;
  /** The release the live Rollout's pod template names; `undefined` without a Rollout. */
  readonly liveRelease?: string;
  /** The live Rollout; `undefined` when there is none yet. */
  readonly rollout?: RolloutSummary;
}

/** How the train reaches a cluster: its Argo CD Application and its Rollout. */
export interface TrainClusterClient {
  read(cluster: ClusterTarget): Promise<TrainClusterState>;
  /** Asks Argo CD to compare with Git now rather than at its next poll. */
  refresh(cluster: ClusterTarget): Promise<void>;
  /** Starts an aborted canary again (`kubectl argo rollouts retry rollout`). */
  retry(cluster: ClusterTarget): Promise<void>;
}

/** How the train reaches Git. */
export interface TrainRepository {
  /** Pins the release on `cluster`, synthesizes, commits and pushes; resolves with the commit. */
  pin(cluster: ClusterTarget, position: string): Promise<string>;
  /** The commit the branch Argo CD follows is at, as pushed. */
  head(): Promise<string>;
  /** Whether `revision` is `commit` or comes after it: Argo CD may already be at a later push. */
  includes(revision: string, commit: string): Promise<boolean>;
}

export interface ReleaseTrainProps {
  readonly release: string;
  /** The clusters in train order. */
  readonly stops: readonly ClusterTarget[];
  /** The clusters whose pin in Git already names the release: Git's state, the only state the train keeps. */
  readonly pinned: ReadonlySet<string>;
  readonly repository: TrainRepository;
  readonly clusters: TrainClusterClient;
  /** The deadline of each wait: for the sync, for the canary to start, for it to become Healthy. */
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
  /** Receives every progress line. */
  readonly log: (line: string) => void;

  /**
   * The clock waits and timings use.
   *
   * @default SYSTEM_CLOCK
   */
  readonly clock?: Clock;
}

/** What to run of the train. */
export interface TrainRun {
  /** Continue a train some clusters already carry, from Git's state. */
  readonly resume: boolean;

  /**
   * Run this cluster's stop only: the earlier ones must carry the release already (the workflow's form, one job per cluster).
   *
   * @default - every stop, in order
   */
  readonly only?: string;
}

/** How long one cluster took, from its pin (or its resumed wait) to Healthy. */
export interface StopTiming {
  readonly cluster: string;
  readonly ms: number;
}

/** The train stopped at a cluster: it aborted, degraded, or a wait ran out. Exit code 1. */
export class TrainStoppedError extends CommandFailedError {
  constructor(
    public readonly cluster: string,
    reason: string,
    later: readonly string[],
    resume: string,
  ) {
    super(
      `release train stopped at ${cluster}: ${reason}; ${later.length === 0 ? 'no cluster after it' : `${later.join(', ')} keep${later.length === 1 ? 's' : ''} its release`}. After a fix: ${resume}`,
    );
    this.name = 'TrainStoppedError';
  }
}

/** Moves one release through the stops, one cluster at a time. */
export class ReleaseTrain {
  private readonly props: ReleaseTrainProps;
  private readonly clock: Clock;

  constructor(props: ReleaseTrainProps) {
    this.props = props;
    this.clock = props.clock ?? SYSTEM_CLOCK;
  }

  /**
   * Runs the stops `run` asks for; resolves with each one's time once all are Healthy.
   *
   * @throws UsageError when Git's state does not allow the run (nothing is changed), TrainStoppedError where the train stopped
   */
  public async run(run: TrainRun): Promise<StopTiming[]> {
    const stops = this.stopsOf(run);
    const timings: StopTiming[] = [];
    for (const stop of stops) {
      const started = this.clock.now();
      await this.advance(stop, run);
      const ms = this.clock.now() - started;
      timings.push({ cluster: stop.name, ms });
      this.props.log(`${stop.name}: Healthy with "${this.props.release}" after ${formatSeconds(ms)}`);
    }
    return timings;
  }

  /** The stops to run, after checking that Git's pins fit a train: every pinned cluster before every other. */
  private stopsOf(run: TrainRun): readonly ClusterTarget[] {
    const { stops, pinned, release } = this.props;
    const names = stops.map((stop) => stop.name);
    const firstUnpinned = names.findIndex((name) => !pinned.has(name));
    const outOfOrder = firstUnpinned === -1 ? undefined : names.slice(firstUnpinned).find((name) => pinned.has(name));
    if (outOfOrder !== undefined)
      throw new UsageError(
        `${outOfOrder} carries release "${release}" in Git but ${names[firstUnpinned]}, before it in the train (${names.join(' → ')}), does not; a train moves clusters in order`,
      );
    if (run.only !== undefined) {
      const index = names.indexOf(run.only);
      if (index === -1) throw new UsageError(`--cluster "${run.only}" is not in the release train; expected one of ${names.join(', ')}`);
      const waiting = names.slice(0, index).filter((name) => !pinned.has(name));
      if (waiting.length > 0)
        throw new UsageError(
          `--cluster ${run.only}: ${waiting.join(', ')} before it in the train do not carry release "${release}" yet; their stops run first`,
        );
      return [stops[index]!];
    }
    if (!run.resume && pinned.size > 0)
      throw new UsageError(
        `release "${release}" is already in Git for ${names.filter((name) => pinned.has(name)).join(', ')}; pass --resume to continue the train from there`,
      );
    return stops;
  }

  /** One stop: the pin (unless Git has it), then the sync, the canary, and Healthy. */
  private async advance(stop: ClusterTarget, run: TrainRun): Promise<void> {
    const { release, stops, pinned, repository, clusters, log } = this.props;
    const index = stops.indexOf(stop);
    const later = stops.slice(index + 1).map((next) => next.name);
    const resumeHint = `npm run release -- ${release} --train ${run.only === undefined ? '--resume' : `--cluster ${stop.name}`}`;
    const stopped = (reason: string) => new TrainStoppedError(stop.name, reason, later, resumeHint);
    const position = `${index + 1}/${stops.length}`;

    let commit: string;
    if (pinned.has(stop.name)) {
      commit = await repository.head();
      log(`${stop.name} (${position}): carries "${release}" in Git; waiting for it at ${commit.slice(0, 12)}`);
    } else {
      commit = await repository.pin(stop, position);
      log(`${stop.name} (${position}): release "${release}" committed as ${commit.slice(0, 12)}`);
    }
    await clusters.refresh(stop);

    try {
      await this.waitFor(stop, `Argo CD on ${stop.name} to sync ${commit.slice(0, 12)}`, async (state) =>
        state.syncRevision !== undefined && state.syncStatus === 'Synced' && (await repository.includes(state.syncRevision, commit))
          ? { done: true, value: true }
          : { done: false, seen: `sync ${state.syncStatus ?? 'unknown'} at ${state.syncRevision?.slice(0, 12) ?? 'no revision'}` },
      );
      // Retried only once Argo CD has synced Git: what starts again is the fix, not the aborted
      // canary, which would otherwise serve its failures until the sync replaced it.
      if (pinned.has(stop.name)) {
        const state = await this.readOrUndefined(stop);
        if (state?.rollout?.status === 'Degraded' && state.liveRelease === release) {
          log(`${stop.name}: the canary of "${release}" was aborted; retrying it`);
          await clusters.retry(stop);
        }
      }
      // The canary has started (Paused or analysing), or the release changed nothing the Rollout runs (Healthy).
      await this.waitFor(stop, `the Rollout on ${stop.name} to start the canary of "${release}"`, (state) =>
        Promise.resolve(this.probeRollout(state, stop, ['Paused', 'Progressing', 'Healthy'], stopped)),
      );
      await this.waitFor(
        stop,
        `the Rollout on ${stop.name} to be Healthy with "${release}" (its analysis, or an operator's promote)`,
        (state) => Promise.resolve(this.probeRollout(state, stop, ['Healthy'], stopped)),
      );
    } catch (error) {
      if (error instanceof WaitTimeoutError) throw stopped(error.message);
      throw error;
    }
  }

  /** Done when the live Rollout runs the release in one of `accepted`; a Degraded one with it stops the train. */
  private probeRollout(
    state: TrainClusterState,
    stop: ClusterTarget,
    accepted: readonly RolloutSummary['status'][],
    stopped: (reason: string) => Error,
  ): Probe<true> {
    const { rollout, liveRelease } = state;
    if (rollout === undefined) return { done: false, seen: 'no Rollout yet' };
    if (liveRelease !== this.props.release) return { done: false, seen: `the Rollout still runs "${liveRelease ?? 'no release'}"` };
    if (rollout.status === 'Degraded') throw stopped(`the Rollout is ${describeRolloutSummary(rollout)}`);
    if (accepted.includes(rollout.status)) return { done: true, value: true };
    const promote = rollout.pausedAtPauseStep ? ` (to promote: npm run rollout -- promote --cluster ${stop.name})` : '';
    return { done: false, seen: `${describeRolloutSummary(rollout)}${promote}` };
  }

  /** Polls the cluster until `probe` is done; a cluster that cannot be read is seen as such until the deadline. */
  private waitFor(stop: ClusterTarget, what: string, probe: (state: TrainClusterState) => Promise<Probe<true>>): Promise<true> {
    const { timeoutMs, pollIntervalMs, log, clusters } = this.props;
    log(`${stop.name}: waiting up to ${formatDuration(timeoutMs)} for ${what}`);
    return pollUntil({
      what,
      timeoutMs,
      intervalMs: pollIntervalMs,
      clock: this.clock,
      onChange: (seen) => log(`${stop.name}:   seen: ${seen}`),
      probe: async () => {
        let state: TrainClusterState;
        try {
          state = await clusters.read(stop);
        } catch (error) {
          return { done: false, seen: `cannot read the cluster: ${error instanceof Error ? error.message : String(error)}` };
        }
        return probe(state);
      },
    });
  }

  private async readOrUndefined(stop: ClusterTarget): Promise<TrainClusterState | undefined> {
    try {
      return await this.props.clusters.read(stop);
    } catch {
      return undefined;
    }
  }
}

/** `12.3s`: timings are reported to a tenth of a second. */
function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
