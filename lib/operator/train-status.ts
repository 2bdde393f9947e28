/**
 * Where a release train stands, from Git's pins and the live Rollouts: what `npm run rollout --
 * status` prints below its table and what the dashboard shows on each train cluster's row.
 */
import type { RolloutPhase } from './rollout-summary.js';

/** One cluster of the train as it is read now. */
export interface TrainStopState {
  readonly cluster: string;
  /** The release Git sets for the cluster: its overlay's, else the platform's. */
  readonly gitRelease?: string;
  /** The release the live Rollout's pod template names; `undefined` when unknown. */
  readonly liveRelease?: string;
  /** The live Rollout's phase; `undefined` when it cannot be read or does not exist. */
  readonly status?: RolloutPhase;
  /** The canary waits at a pause step for an operator. */
  readonly pausedAtPauseStep?: boolean;
  /** The cluster's API server does not answer. */
  readonly unreachable?: boolean;
}

export interface TrainView {
  /** The release the train moves: the one Git sets for its first cluster. */
  readonly release?: string;
  /** The first cluster that does not carry the release in Git; `undefined` when every one does. */
  readonly next?: string;
  /** What the next cluster waits for, or that the train is done, in one line. */
  readonly blocker: string;
}

/** Where the train of `stops` (in train order) stands. */
export function describeTrain(stops: readonly TrainStopState[]): TrainView {
  const [first] = stops;
  const release = first?.gitRelease;
  if (first === undefined || release === undefined) return { blocker: 'no release is set in Git for the first cluster' };
  const nextIndex = stops.findIndex((stop) => stop.gitRelease !== release);
  const next = nextIndex === -1 ? undefined : stops[nextIndex]!.cluster;
  const last = stops[(nextIndex === -1 ? stops.length : nextIndex) - 1]!;
  const resume = `npm run release -- ${release} --train --resume`;
  const waits = (why: string) => `${next === undefined ? 'the train waits for' : `${next} waits for`} ${last.cluster}: ${why}`;
  let blocker: string;
  if (last.unreachable || last.status === undefined) blocker = waits('its Rollout cannot be read');
  else if (last.liveRelease !== release) blocker = waits(`Argo CD has not brought "${release}" to its Rollout yet`);
  else if (last.status === 'Degraded')
    blocker = `the train stopped at ${last.cluster}: its canary of "${release}" was aborted or degraded; after a fix: ${resume}`;
  else if (last.pausedAtPauseStep)
    blocker = waits(`its canary waits for an operator (npm run rollout -- promote --cluster ${last.cluster})`);
  else if (last.status !== 'Healthy') blocker = waits(`its canary is ${last.status}`);
  else if (next !== undefined) blocker = `${last.cluster} is Healthy with "${release}"; ${next} is next: ${resume}`;
  else blocker = `done: every cluster runs "${release}" Healthy`;
  return { release, next, blocker };
}
