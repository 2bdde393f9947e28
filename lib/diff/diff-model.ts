import type { FieldChange } from './field-changes.js';
import type { ManifestData } from './manifest-tree.js';

/** How much a reviewer should care: `danger` is flagged prominently, `warning` asks for a look. */
export type Severity = 'danger' | 'warning' | 'notice' | 'info';

/** What a change means once Argo CD syncs it. */
export type MeaningCode =
  /** A Rollout's pod template changed: a new ReplicaSet and a canary. */
  | 'canary-started'
  /** A new Rollout: no stable ReplicaSet yet, so no canary. */
  | 'rollout-created'
  | 'canary-steps-changed'
  | 'replicas-changed'
  /** An analysis template that judges canaries added, removed or changed. */
  | 'analysis-added'
  | 'analysis-removed'
  | 'analysis-changed'
  /** A lower success-rate threshold or a higher failure limit: a worse canary passes. */
  | 'analysis-loosened'
  /** A TraefikService a Rollout routes through carries weights in Git, which the Rollouts controller owns. */
  | 'controller-weights-in-git'
  /** A Deployment's pod template changed: a rolling update, no canary. */
  | 'rolling-update'
  /** A ConfigMap or Secret that running pods use changed while their pod template did not. */
  | 'config-without-canary'
  /** A ConfigMap or Secret changed together with the pod template that uses it. */
  | 'config-with-canary'
  /** Data of an immutable ConfigMap or Secret changed in place: the API server rejects it. */
  | 'immutable-changed'
  /** A workload's `spec.selector`, which cannot change after creation, changed: the apply is rejected. */
  | 'selector-changed'
  /** A removed source ConfigMap version that pods mounted at one of the base's last commits. */
  | 'mounted-version-removed'
  /** Every earlier source ConfigMap version of a workload removed at once: its history was lost. */
  | 'source-history-lost'
  | 'controller-chart-changed'
  | 'controller-settings-changed'
  /** A Helm value of the Rollouts controller that sets its image, registry or RBAC changed. */
  | 'controller-values-changed'
  /** An Application deploys what the diff of dist/ cannot show: another repository, branch or folder, a rendering tool, ignored fields. */
  | 'unreviewed-source'
  | 'permissions-widened'
  | 'permissions-narrowed'
  | 'sync-settings-changed'
  | 'application-source-changed'
  /** An object no Application syncs (bootstrap): someone applies it by hand. */
  | 'applied-by-hand'
  /** An object moves from one Application to another. */
  | 'owner-changed'
  | 'secret-changed'
  /** A removed object, and who deletes it from the cluster. */
  | 'prune'
  /** The governing AppProject does not permit the object's kind or destination: the sync fails. */
  | 'sync-refused'
  /** A binding to cluster-admin, admin, edit or system:*, to a ClusterRole outside the tree, to broad rules or to cluster-wide read of Secrets. */
  | 'broad-binding'
  /** A pod spec that gains a privileged container, a hostPath volume, hostNetwork or hostPID. */
  | 'host-access'
  /** A Role or ClusterRole whose rules grant every verb, impersonate, escalate or bind. */
  | 'broad-rules'
  /** Over what the API server accepts (a ConfigMap or Secret over 1 MiB): the sync fails. */
  | 'too-large'
  /** The same object defined more than once: Argo CD reports a conflict and applies the last copy it reads. */
  | 'duplicate'
  | 'created'
  | 'updated';

export interface Meaning {
  readonly code: MeaningCode;
  readonly severity: Severity;
  readonly message: string;
}

/** One object that differs between the two trees. */
export interface ObjectDiff {
  readonly change: 'added' | 'removed' | 'changed';
  readonly cluster: string;
  /** The Applications that sync it (after the change; before it for a removed object); empty when none does. */
  readonly applications: readonly string[];
  readonly apiVersion: string;
  readonly kind: string;
  /** `''` when the object names no namespace. */
  readonly namespace: string;
  readonly name: string;
  /** The file inside dist/ that holds it: after the change, or before it for a removed object. */
  readonly file: string;
  /** The file before the change, when the object moved. */
  readonly previousFile?: string;
  /** Leaf fields that changed; empty for added and removed objects. */
  readonly fields: readonly FieldChange[];
  /** The whole object: the new one when added, the old one when removed. Secrets are masked. */
  readonly object?: ManifestData;
  readonly meanings: readonly Meaning[];
}

/** Objects of one cluster synced by the same Application(s). */
export interface ApplicationGroup {
  /** The Applications' names; empty for objects applied by hand. */
  readonly applications: readonly string[];
  readonly objects: readonly ObjectDiff[];
}

export interface ChangeCounts {
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
  /** Rollouts whose pod template changed: each starts a canary. */
  readonly canaries: number;
  /** AppProjects that gained permissions. */
  readonly permissionsWidened: number;
  /** AppProjects that lost permissions. */
  readonly permissionsNarrowed: number;
  /** Meanings of severity `warning`. */
  readonly warnings: number;
  /** Meanings of severity `danger`, file findings included. */
  readonly dangers: number;
}

/**
 * A file of the tree that Argo CD reads differently from plain YAML: jsonnet it renders, a file
 * it skips, a symlink it refuses.
 */
export interface FileFinding {
  readonly code:
    | 'jsonnet'
    | 'skip-file-rendering'
    | 'out-of-bounds-symlink'
    /** A submodule in the tree: Argo CD reads its files. */
    | 'submodule'
    /** A symlink or submodule on an Application's source path: Argo CD reads files elsewhere. */
    | 'linked-source-path'
    /** A change to the code of the review itself (the diff, the check, the workflows). */
    | 'review-code';
  readonly severity: Severity;
  /** The cluster folder the file is in (the first folder of its path); `''` for a file outside dist/. */
  readonly cluster: string;
  /** Its path inside dist/; for a `review-code` finding, its path in the repository. */
  readonly file: string;
  readonly message: string;
}

export interface ClusterDiff {
  readonly cluster: string;
  readonly counts: ChangeCounts;
  readonly groups: readonly ApplicationGroup[];
}

/** Everything that differs between two dist/ trees, by cluster, then by Application. */
export interface ManifestDiff {
  /** Names of the two sides, such as `origin/main (1a2b3c4)` and `working tree`. */
  readonly base: string;
  readonly head: string;
  readonly totals: ChangeCounts;
  /** Files whose change the objects alone do not show, most severe first. */
  readonly files: readonly FileFinding[];
  readonly clusters: readonly ClusterDiff[];
}

/** Every object of the diff, cluster by cluster, then Application by Application. */
export function objectsOf(diff: ManifestDiff): ObjectDiff[] {
  return diff.clusters.flatMap((cluster) => cluster.groups.flatMap((group) => group.objects));
}

/** True when the diff holds any change. */
export const hasChanges = (diff: ManifestDiff): boolean => diff.clusters.length > 0 || diff.files.length > 0;

/** `Rollout mandelbrot/mandelbrot` or `AppProject trinity`: kind, then namespace/name. */
export function describeObject(object: { kind: string; namespace: string; name: string }): string {
  return `${object.kind} ${object.namespace === '' ? object.name : `${object.namespace}/${object.name}`}`;
}
