/**
 * What the dashboard shows, computed from the objects the API servers return. The Rollout's
 * status, step and weight come from lib/operator's rules, the very ones `npm run rollout -- status`
 * prints, so the page and the table cannot disagree.
 */
import { type AnalysisRunObject, latestAnalysisRun } from '../operator/analysis-run-summary.js';
import { type RolloutObject, type RolloutPhase, summarizeRollout } from '../operator/rollout-summary.js';
import { describeTrain } from '../operator/train-status.js';
import { compareStrings } from '../util/stable-order.js';

/** The label Argo Rollouts puts on a revision's ReplicaSet, pods and analysis runs. */
export const POD_TEMPLATE_HASH = 'rollouts-pod-template-hash';

interface ObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly deletionTimestamp?: string | Date;
  readonly ownerReferences?: readonly { readonly kind?: string; readonly name?: string }[];
}

/** A Rollout as the dashboard reads it: the operator's fields, and those only the page shows. */
export interface WatchedRollout extends RolloutObject {
  readonly metadata?: RolloutObject['metadata'] & ObjectMeta;
  readonly status?: Omit<NonNullable<RolloutObject['status']>, 'pauseConditions'> & {
    readonly pauseConditions?: readonly { readonly reason?: string; readonly startTime?: string | Date }[];
    /** What the traffic router applies, when the Rollout routes traffic (Argo Rollouts 1.5 and later). */
    readonly canary?: { readonly weights?: { readonly canary?: { readonly weight?: number } } };
  };
}

export interface ReplicaSetObject {
  readonly metadata?: ObjectMeta;
  readonly spec?: {
    readonly template?: {
      readonly spec?: {
        readonly containers?: readonly { readonly env?: readonly { readonly name?: string; readonly value?: string }[] }[];
      };
    };
  };
}

export interface PodObject {
  readonly metadata?: ObjectMeta;
  readonly status?: { readonly conditions?: readonly { readonly type?: string; readonly status?: string }[] };
}

/** An AnalysisRun with its metrics' success conditions: the thresholds the page shows beside each value. */
export interface WatchedAnalysisRun extends AnalysisRunObject {
  readonly metadata?: AnalysisRunObject['metadata'] & ObjectMeta;
  readonly spec?: { readonly metrics?: readonly { readonly name?: string; readonly successCondition?: string }[] };
}

export interface ApplicationObject {
  readonly metadata?: ObjectMeta;
  readonly status?: { readonly sync?: { readonly status?: string }; readonly health?: { readonly status?: string } };
}

/** Everything one cluster's API server returned, as the watches hold it now. */
export interface ClusterObjects {
  readonly rollouts: readonly WatchedRollout[];
  readonly replicaSets: readonly ReplicaSetObject[];
  readonly pods: readonly PodObject[];
  readonly analysisRuns: readonly WatchedAnalysisRun[];
  readonly applications: readonly ApplicationObject[];
}

export const NO_OBJECTS: ClusterObjects = { rollouts: [], replicaSets: [], pods: [], analysisRuns: [], applications: [] };

/** A workload's Rollout as the dashboard finds it on every cluster. */
export interface WatchedWorkload {
  readonly name: string;
  readonly rollout: { readonly name: string; readonly namespace: string };
  /** Its Argo CD Application on this cluster: `trinity-<workload>-<cluster>`. */
  readonly application: string;

  /**
   * The pod template's variable that names the release, read from each revision's ReplicaSet.
   *
   * @default - releases of the running revisions are not shown
   */
  readonly releaseVariable?: string;

  /**
   * The release Git sets for this cluster (its overlay's, else the platform's).
   *
   * @default - not shown
   */
  readonly gitRelease?: string;
}

/** One cluster as the dashboard shows it. */
export interface ClusterView {
  readonly name: string;
  readonly cloud: string;
  /** When its API server stopped answering; `undefined` while it answers. */
  readonly unreachableSince?: string;
  readonly workloads: readonly WatchedWorkload[];
  readonly objects: ClusterObjects;
}

/** The pods of one revision. */
export interface RevisionPods {
  readonly hash: string;
  /** `stable`, `canary`, or `old` for a revision being scaled down. */
  readonly role: 'stable' | 'canary' | 'old';
  readonly release?: string;
  readonly pods: number;
  readonly ready: number;
}

export interface MeasurementView {
  readonly metric: string;
  readonly phase: string;
  readonly value: string;
  /** The metric's success condition, such as `result[0] >= 0.99`. */
  readonly threshold?: string;
}

/** One row of the page: one workload on one cluster. */
export interface WorkloadRow {
  /** `<cluster>/<workload>`: unique on the page. */
  readonly id: string;
  readonly cluster: string;
  readonly cloud: string;
  readonly workload: string;
  readonly unreachableSince?: string;
  /** Undefined when the Rollout does not exist (or has not been read yet). */
  readonly rollout?: {
    readonly status: RolloutPhase;
    readonly message: string;
    readonly step: string;
    /** The weight the canary step asks for. */
    readonly desiredWeight: string;
    /** The weight the traffic router applies; `undefined` when the Rollout routes no traffic. */
    readonly appliedWeight?: string;
    readonly desired: number;
    readonly ready: number;
    readonly stableReplicaSet: string;
    readonly canaryReplicaSet?: string;
    readonly revision?: string;
  };
  /** Paused at a canary pause step: a person must promote or abort. */
  readonly waitingForPerson: boolean;
  /** When that pause began. */
  readonly pausedSince?: string;
  readonly revisions: readonly RevisionPods[];
  readonly releases: { readonly stable?: string; readonly canary?: string; readonly git?: string };
  readonly analysis?: {
    readonly name: string;
    readonly phase: string;
    readonly message: string;
    readonly measurements: readonly MeasurementView[];
  };
  readonly application?: { readonly name: string; readonly sync: string; readonly health: string };
  /** The release train's stop on this cluster, for the workload the train moves. */
  readonly train?: {
    /** `2/3`: the cluster's place in the train. */
    readonly position: string;
    /** The first cluster that does not carry the train's release in Git. */
    readonly next: boolean;
    /** What the train waits for, on the next cluster's row (or the last one's when none is next). */
    readonly blocker?: string;
  };
}

/** platform.yaml's release train, for the dashboard. */
export interface FleetTrain {
  /** The clusters, in train order. */
  readonly clusters: readonly string[];
  /** The workload whose release the train moves. */
  readonly workload: string;
}

/** Every row of the fleet: those waiting for a person first, then by cluster and workload; with `train`, its stops marked. */
export function buildFleetView(clusters: readonly ClusterView[], train?: FleetTrain): WorkloadRow[] {
  const built = clusters.flatMap((cluster) => cluster.workloads.map((workload) => buildRow(cluster, workload)));
  const rows = train === undefined ? built : withTrain(built, train);
  return rows.sort(
    (a, b) =>
      Number(b.waitingForPerson) - Number(a.waitingForPerson) ||
      compareStrings(a.cluster, b.cluster) ||
      compareStrings(a.workload, b.workload),
  );
}

/** `rows` with the train's stops marked: where each stands, which is next, and what it waits for. */
function withTrain(rows: readonly WorkloadRow[], train: FleetTrain): WorkloadRow[] {
  const rowOf = (cluster: string) => rows.find((row) => row.cluster === cluster && row.workload === train.workload);
  const view = describeTrain(
    train.clusters.map((cluster) => {
      const row = rowOf(cluster);
      return {
        cluster,
        gitRelease: row?.releases.git,
        liveRelease: row?.releases.canary ?? row?.releases.stable,
        status: row?.unreachableSince === undefined ? row?.rollout?.status : undefined,
        pausedAtPauseStep: row?.waitingForPerson,
        unreachable: row?.unreachableSince !== undefined,
      };
    }),
  );
  const blockedRow = view.next ?? train.clusters.at(-1);
  return rows.map((row) => {
    const index = train.clusters.indexOf(row.cluster);
    if (index === -1 || row.workload !== train.workload) return row;
    return {
      ...row,
      train: {
        position: `${index + 1}/${train.clusters.length}`,
        next: row.cluster === view.next,
        blocker: row.cluster === blockedRow ? view.blocker : undefined,
      },
    };
  });
}

function inNamespace<T extends { readonly metadata?: ObjectMeta }>(objects: readonly T[], namespace: string): T[] {
  return objects.filter((object) => object.metadata?.namespace === namespace);
}

function ownedBy(object: { readonly metadata?: ObjectMeta }, kind: string, name: string): boolean {
  return (object.metadata?.ownerReferences ?? []).some((owner) => owner.kind === kind && owner.name === name);
}

function timestamp(value: string | Date | undefined): string | undefined {
  return value instanceof Date ? value.toISOString() : value;
}

function buildRow(cluster: ClusterView, workload: WatchedWorkload): WorkloadRow {
  const { namespace, name } = workload.rollout;
  const objects = cluster.objects;
  const rollout = inNamespace(objects.rollouts, namespace).find((object) => object.metadata?.name === name);
  const application = objects.applications.find((object) => object.metadata?.name === workload.application);
  const base = {
    id: `${cluster.name}/${workload.name}`,
    cluster: cluster.name,
    cloud: cluster.cloud,
    workload: workload.name,
    unreachableSince: cluster.unreachableSince,
    application: application && {
      name: workload.application,
      sync: application.status?.sync?.status ?? 'Unknown',
      health: application.status?.health?.status ?? 'Unknown',
    },
  };
  if (rollout === undefined) return { ...base, waitingForPerson: false, revisions: [], releases: { git: workload.gitRelease } };

  const summary = summarizeRollout(rollout);
  const status = rollout.status ?? {};
  const stable = status.stableRS ?? '';
  const canary = status.currentPodHash ?? '';
  const replicaSets = inNamespace(objects.replicaSets, namespace).filter((set) => ownedBy(set, 'Rollout', name));
  const revisions = replicaSets
    .map((set) => revisionPods(set, objects.pods, namespace, workload.releaseVariable, stable, canary))
    .filter((revision) => revision.pods > 0 || revision.role !== 'old')
    .sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || compareStrings(a.hash, b.hash));
  const releaseOf = (hash: string) => revisions.find((revision) => revision.hash === hash)?.release;
  const pause = (status.pauseConditions ?? []).find((condition) => condition.reason === 'CanaryPauseStep');
  const trafficRouting = rollout.spec?.strategy?.canary?.trafficRouting !== undefined;
  const applied = status.canary?.weights?.canary?.weight;
  return {
    ...base,
    rollout: {
      status: summary.status,
      message: summary.message,
      step: summary.step,
      desiredWeight: summary.weight,
      appliedWeight: trafficRouting ? (applied === undefined ? '-' : String(applied)) : undefined,
      desired: summary.desired,
      ready: summary.ready,
      stableReplicaSet: summary.stableReplicaSet,
      canaryReplicaSet: summary.canaryReplicaSet,
      revision: summary.revision,
    },
    waitingForPerson: summary.pausedAtPauseStep,
    pausedSince: summary.pausedAtPauseStep ? timestamp(pause?.startTime) : undefined,
    revisions,
    releases: {
      stable: stable === '' ? undefined : releaseOf(stable),
      canary: canary !== '' && canary !== stable ? releaseOf(canary) : undefined,
      git: workload.gitRelease,
    },
    analysis: canaryAnalysis(rollout, inNamespace(objects.analysisRuns, namespace)),
  };
}

const ROLE_ORDER: Record<RevisionPods['role'], number> = { stable: 0, canary: 1, old: 2 };

function revisionPods(
  set: ReplicaSetObject,
  pods: readonly PodObject[],
  namespace: string,
  releaseVariable: string | undefined,
  stable: string,
  canary: string,
): RevisionPods {
  const hash = set.metadata?.labels?.[POD_TEMPLATE_HASH] ?? '';
  const own = inNamespace(pods, namespace).filter(
    (pod) => pod.metadata?.labels?.[POD_TEMPLATE_HASH] === hash && pod.metadata.deletionTimestamp === undefined,
  );
  const ready = own.filter((pod) =>
    (pod.status?.conditions ?? []).some((condition) => condition.type === 'Ready' && condition.status === 'True'),
  );
  const env = (set.spec?.template?.spec?.containers ?? []).flatMap((container) => container.env ?? []);
  return {
    hash,
    role: hash === stable ? 'stable' : hash === canary ? 'canary' : 'old',
    release: releaseVariable === undefined ? undefined : env.find((variable) => variable.name === releaseVariable)?.value,
    pods: own.length,
    ready: ready.length,
  };
}

/** The canary's newest analysis run, as `status` reads it, with each metric's threshold. */
function canaryAnalysis(rollout: WatchedRollout, runs: readonly WatchedAnalysisRun[]): WorkloadRow['analysis'] {
  const canary = rollout.status?.currentPodHash;
  if (rollout.spec?.strategy?.canary?.analysis === undefined || !canary || canary === rollout.status?.stableRS) return undefined;
  // By the canary's hash alone, as `status` selects them.
  const own = runs.filter((run) => run.metadata?.labels?.[POD_TEMPLATE_HASH] === canary);
  const summary = latestAnalysisRun(own);
  if (summary === undefined) return undefined;
  const run = own.find((candidate) => candidate.metadata?.name === summary.name);
  const thresholds = new Map((run?.spec?.metrics ?? []).map((metric) => [metric.name, metric.successCondition]));
  return {
    ...summary,
    measurements: summary.measurements.map((measurement) => ({ ...measurement, threshold: thresholds.get(measurement.metric) })),
  };
}
