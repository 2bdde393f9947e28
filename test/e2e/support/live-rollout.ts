import type { AnalysisRunObject } from '../../../lib/operator/analysis-run-summary.js';
import type { RolloutObject } from '../../../lib/operator/rollout-summary.js';
import type { PodTemplate } from '../../service/service-process.js';
import type { KubeApi } from './kube-api.js';

/** The label the Rollouts controller puts on each ReplicaSet and its pods. */
export const POD_TEMPLATE_HASH = 'rollouts-pod-template-hash';

export interface LiveReplicaSet {
  readonly metadata: {
    readonly name: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec: { readonly replicas?: number; readonly template: PodTemplate };
  readonly status?: { readonly replicas?: number; readonly readyReplicas?: number; readonly availableReplicas?: number };
}

interface LivePod {
  readonly metadata: { readonly name: string; readonly deletionTimestamp?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly status?: { readonly phase?: string; readonly conditions?: readonly { readonly type: string; readonly status: string }[] };
}

/** What the drill reads of one Rollout and what it owns, at one moment. */
export interface RolloutSnapshot {
  readonly rollout: RolloutObject & { status?: { currentStepIndex?: number } };
  /** Pods that are not being deleted, by their pod-template hash. */
  readonly pods: ReadonlyMap<string, { readonly total: number; readonly ready: number }>;
  readonly replicaSets: readonly LiveReplicaSet[];
}

/** A Rollout in one namespace of the live cluster, read through the API server. */
export class LiveRollout {
  constructor(
    private readonly api: KubeApi,
    public readonly namespace: string,
    public readonly name: string,
  ) {}

  public async snapshot(): Promise<RolloutSnapshot> {
    const [rollout, pods, replicaSets] = await Promise.all([
      this.api.get<RolloutObject>(`/apis/argoproj.io/v1alpha1/namespaces/${this.namespace}/rollouts/${this.name}`),
      this.api.list<LivePod>(`/api/v1/namespaces/${this.namespace}/pods`),
      this.api.list<LiveReplicaSet>(`/apis/apps/v1/namespaces/${this.namespace}/replicasets`),
    ]);
    if (rollout === undefined) throw new Error(`rollout ${this.namespace}/${this.name} not found`);
    return { rollout, pods: podsByHash(pods), replicaSets };
  }

  /** The AnalysisRuns of one revision (its pod-template hash), as the API server lists them. */
  public analysisRuns(hash: string): Promise<AnalysisRunObject[]> {
    return this.api.list<AnalysisRunObject>(
      `/apis/argoproj.io/v1alpha1/namespaces/${this.namespace}/analysisruns`,
      `${POD_TEMPLATE_HASH}=${hash}`,
    );
  }

  public async configMap(name: string): Promise<{ data?: Record<string, string> } | undefined> {
    return this.api.get(`/api/v1/namespaces/${this.namespace}/configmaps/${name}`);
  }
}

/** Counts the pods that are not being deleted, by pod-template hash, and how many of them are Ready. */
export function podsByHash(pods: readonly LivePod[]): Map<string, { total: number; ready: number }> {
  const counts = new Map<string, { total: number; ready: number }>();
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const hash = pod.metadata.labels?.[POD_TEMPLATE_HASH];
    if (hash === undefined) continue;
    const count = counts.get(hash) ?? { total: 0, ready: 0 };
    count.total++;
    if (pod.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True')) count.ready++;
    counts.set(hash, count);
  }
  return counts;
}

/** The ReplicaSet of a pod-template hash. */
export function replicaSetOf(snapshot: RolloutSnapshot, hash: string | undefined): LiveReplicaSet | undefined {
  return snapshot.replicaSets.find((replicaSet) => replicaSet.metadata.labels?.[POD_TEMPLATE_HASH] === hash);
}

/** The value of an env variable of the first container of a pod template. */
export function envOf(template: PodTemplate, name: string): string | undefined {
  return template.spec.containers[0]?.env?.find((variable) => variable.name === name)?.value;
}

/** The ConfigMaps a pod template mounts. */
export function configMapsOf(template: PodTemplate): string[] {
  return (template.spec.volumes ?? []).flatMap((volume) => (volume.configMap ? [volume.configMap.name] : []));
}

/** One line for a failure message: phase, step, hashes and pods. */
export function describeSnapshot(snapshot: RolloutSnapshot): string {
  const status = snapshot.rollout.status ?? {};
  const pods = [...snapshot.pods].map(([hash, count]) => `${hash}: ${count.ready}/${count.total} ready`).join(', ');
  return `phase ${status.phase ?? '-'} (${status.message ?? ''}), step ${status.currentStepIndex ?? '-'}, stable ${status.stableRS ?? '-'}, current ${status.currentPodHash ?? '-'}, pods {${pods}}`;
}
