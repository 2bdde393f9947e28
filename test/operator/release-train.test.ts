import { CommandFailedError, UsageError } from '../../lib/core/errors.js';
import type { ClusterTarget } from '../../lib/operator/operation-plan.js';
import type { Clock } from '../../lib/operator/poll-until.js';
import {
  ReleaseTrain,
  type TrainClusterClient,
  type TrainClusterState,
  type TrainRepository,
  TrainStoppedError,
  type TrainRun,
} from '../../lib/operator/release-train.js';
import type { RolloutSummary } from '../../lib/operator/rollout-summary.js';

// The train's rules against a simulated Git and three simulated clusters: each read of a cluster
// moves it one step, as its Argo CD and Rollouts controller would between two polls.

const STOPS: ClusterTarget[] = ['aws', 'gcp', 'azure'].map((name) => ({ name, cloud: name, context: name }));

/** What a cluster's canary does once it runs the new release. */
type Canary = 'passes' | 'aborts' | 'unreachable' | 'waits-for-promote';

function summary(status: RolloutSummary['status'], pausedAtPauseStep = false, message = ''): RolloutSummary {
  return { status, message, step: '-', weight: '-', desired: 1, ready: 1, stableReplicaSet: 'mandelbrot-a', pausedAtPauseStep };
}

class SimulatedFleet implements TrainRepository, TrainClusterClient {
  /** Everything that happened, in order: `pin aws`, `aws Healthy`, `retry aws`. */
  public readonly events: string[] = [];
  private readonly commits: string[] = ['c0'];
  private readonly state = new Map<string, { pinned: string; synced: string; live: string; status: RolloutSummary['status'] }>();
  /** Clusters whose pod template a commit after their pin changed: their next sync starts a new canary. */
  private readonly fixed = new Set<string>();
  public time = 0;
  public readonly clock: Clock = {
    now: () => this.time,
    sleep: (ms) => {
      this.time += ms;
      return Promise.resolve();
    },
  };

  constructor(
    private readonly canary: Record<string, Canary>,
    live = 'old',
  ) {
    for (const stop of STOPS) this.state.set(stop.name, { pinned: live, synced: 'c0', live, status: 'Healthy' });
  }

  /** Git and the live cluster already carry `release` on `cluster`, in `status`. */
  public carries(cluster: string, release: string, status: RolloutSummary['status']): void {
    this.state.set(cluster, { pinned: release, synced: 'c0', live: release, status });
  }

  /** A commit after the pins that changes `cluster`'s pod template, such as a fix, without moving any pin. */
  public fix(cluster: string): void {
    this.commits.push(`c${this.commits.length}`);
    this.fixed.add(cluster);
  }

  public pin(cluster: ClusterTarget): Promise<string> {
    const commit = `c${this.commits.length}`;
    this.commits.push(commit);
    this.state.get(cluster.name)!.pinned = 'new';
    this.events.push(`pin ${cluster.name}`);
    return Promise.resolve(commit);
  }

  public head(): Promise<string> {
    return Promise.resolve(this.commits.at(-1)!);
  }

  public includes(revision: string, commit: string): Promise<boolean> {
    return Promise.resolve(this.commits.indexOf(revision) >= this.commits.indexOf(commit));
  }

  public refresh(): Promise<void> {
    return Promise.resolve();
  }

  public retry(cluster: ClusterTarget): Promise<void> {
    this.events.push(`retry ${cluster.name}`);
    this.state.get(cluster.name)!.status = 'Paused';
    this.canary[cluster.name] = 'passes';
    return Promise.resolve();
  }

  public read(cluster: ClusterTarget): Promise<TrainClusterState> {
    const behaviour = this.canary[cluster.name] ?? 'passes';
    if (behaviour === 'unreachable') return Promise.reject(new Error('dial tcp 127.0.0.1:6443: connect: connection refused'));
    const state = this.state.get(cluster.name)!;
    const seen: TrainClusterState = {
      syncRevision: state.synced,
      syncStatus: 'Synced',
      liveRelease: state.live,
      rollout: summary(
        state.status,
        state.status === 'Paused',
        state.status === 'Degraded' ? 'RolloutAborted: metric "error-rate" assessed Failed' : '',
      ),
    };
    // The next read sees one step further: Argo CD syncs the head, then the canary pauses, then it ends.
    if (state.synced !== this.commits.at(-1)) {
      state.synced = this.commits.at(-1)!;
      if (state.live !== state.pinned || this.fixed.delete(cluster.name)) {
        state.live = state.pinned;
        state.status = 'Paused';
      }
    } else if (state.status === 'Paused' && behaviour !== 'waits-for-promote') {
      state.status = behaviour === 'aborts' ? 'Degraded' : 'Healthy';
    }
    const healthy = `${cluster.name} Healthy`;
    if (seen.rollout?.status === 'Healthy' && seen.liveRelease === 'new' && !this.events.includes(healthy)) this.events.push(healthy);
    return Promise.resolve(seen);
  }

  /** The clusters whose pin names the new release. */
  public pinnedClusters(): string[] {
    return STOPS.filter((stop) => this.state.get(stop.name)!.pinned === 'new').map((stop) => stop.name);
  }

  /** The clusters whose live Rollout runs the new release. */
  public liveClusters(): string[] {
    return STOPS.filter((stop) => this.state.get(stop.name)!.live === 'new').map((stop) => stop.name);
  }
}

function train(fleet: SimulatedFleet, pinned: string[] = [], log: string[] = []): ReleaseTrain {
  return new ReleaseTrain({
    release: 'new',
    stops: STOPS,
    pinned: new Set(pinned),
    repository: fleet,
    clusters: fleet,
    timeoutMs: 60_000,
    pollIntervalMs: 1_000,
    clock: fleet.clock,
    log: (line) => log.push(line),
  });
}

const FROM_THE_START: TrainRun = { resume: false };

describe('the release train', () => {
  test('moves the release aws → gcp → azure, each cluster pinned only once the one before is Healthy with it', async () => {
    const fleet = new SimulatedFleet({});
    const timings = await train(fleet).run(FROM_THE_START);
    expect(fleet.events).toEqual(['pin aws', 'aws Healthy', 'pin gcp', 'gcp Healthy', 'pin azure', 'azure Healthy']);
    expect(timings.map((timing) => timing.cluster)).toEqual(['aws', 'gcp', 'azure']);
    for (const timing of timings) expect(timing.ms).toBeGreaterThan(0);
  });

  test('waits at a canary paused for an operator, and names the promote that moves it', async () => {
    const fleet = new SimulatedFleet({ aws: 'waits-for-promote' });
    const log: string[] = [];
    const run = train(fleet, [], log).run(FROM_THE_START);
    await expect(run).rejects.toThrow(TrainStoppedError);
    expect(log.join('\n')).toContain('(to promote: npm run rollout -- promote --cluster aws)');
    expect(fleet.pinnedClusters()).toEqual(['aws']);
  });

  test('fails if the canary aborts on aws: one line naming aws and why, gcp and azure never pinned nor running it', async () => {
    const fleet = new SimulatedFleet({ aws: 'aborts' });
    const error = await train(fleet)
      .run(FROM_THE_START)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CommandFailedError);
    expect((error as TrainStoppedError).cluster).toBe('aws');
    expect((error as Error).message).toMatch(
      /^release train stopped at aws: the Rollout is Degraded \(RolloutAborted: metric "error-rate" assessed Failed\).*; gcp, azure keep its release\. After a fix: npm run release -- new --train --resume$/,
    );
    expect((error as Error).message).not.toContain('\n');
    expect(fleet.pinnedClusters()).toEqual(['aws']);
    expect(fleet.liveClusters()).toEqual(['aws']);
  });

  test('--resume after a fix retries the aborted canary on aws, then finishes gcp and azure', async () => {
    const fleet = new SimulatedFleet({});
    fleet.carries('aws', 'new', 'Degraded');
    await train(fleet, ['aws']).run({ resume: true });
    expect(fleet.events).toEqual(['retry aws', 'aws Healthy', 'pin gcp', 'gcp Healthy', 'pin azure', 'azure Healthy']);
  });

  test("--resume lets Argo CD sync the fix before anything is retried: the fix's canary starts, the aborted one is not retried", async () => {
    const fleet = new SimulatedFleet({});
    fleet.carries('aws', 'new', 'Degraded');
    fleet.fix('aws');
    const log: string[] = [];
    await train(fleet, ['aws'], log).run({ resume: true });
    expect(fleet.events).toEqual(['aws Healthy', 'pin gcp', 'gcp Healthy', 'pin azure', 'azure Healthy']);
    expect(log.join('\n')).not.toContain('retrying');
  });

  test('--resume passes a cluster already Healthy with the release without a new commit', async () => {
    const fleet = new SimulatedFleet({});
    fleet.carries('aws', 'new', 'Healthy');
    await train(fleet, ['aws']).run({ resume: true });
    expect(fleet.events.filter((event) => event.startsWith('pin') || event.startsWith('retry'))).toEqual(['pin gcp', 'pin azure']);
  });

  test('fails if the release is already in Git for a cluster and --resume is not given', async () => {
    const fleet = new SimulatedFleet({});
    await expect(train(fleet, ['aws']).run(FROM_THE_START)).rejects.toThrow(
      new UsageError('release "new" is already in Git for aws; pass --resume to continue the train from there'),
    );
    expect(fleet.events).toEqual([]);
  });

  test("fails if Git's pins skip a cluster of the train", async () => {
    const fleet = new SimulatedFleet({});
    await expect(train(fleet, ['gcp']).run({ resume: true })).rejects.toThrow(
      new UsageError(
        'gcp carries release "new" in Git but aws, before it in the train (aws → gcp → azure), does not; a train moves clusters in order',
      ),
    );
    expect(fleet.events).toEqual([]);
  });

  test("--cluster runs that cluster's stop only, once the ones before it carry the release", async () => {
    const fleet = new SimulatedFleet({});
    fleet.carries('aws', 'new', 'Healthy');
    await train(fleet, ['aws']).run({ resume: false, only: 'gcp' });
    expect(fleet.events).toEqual(['pin gcp', 'gcp Healthy']);
  });

  test('fails if --cluster names a cluster whose predecessors do not carry the release yet', async () => {
    const fleet = new SimulatedFleet({});
    await expect(train(fleet).run({ resume: false, only: 'azure' })).rejects.toThrow(
      new UsageError('--cluster azure: aws, gcp before it in the train do not carry release "new" yet; their stops run first'),
    );
    expect(fleet.events).toEqual([]);
  });

  test('fails if a cluster cannot be read until the deadline, naming it and what was seen', async () => {
    const fleet = new SimulatedFleet({ aws: 'unreachable' });
    await expect(train(fleet).run(FROM_THE_START)).rejects.toThrow(
      /^release train stopped at aws: timed out after 1m waiting for Argo CD on aws to sync c1; last seen: cannot read the cluster: dial tcp 127\.0\.0\.1:6443: connect: connection refused; gcp, azure keep its release/,
    );
    expect(fleet.pinnedClusters()).toEqual(['aws']);
  });
});
