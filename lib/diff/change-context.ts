import { isKind, type ManifestObject } from './manifest-tree.js';
import type { ApplicationIndex, ApplicationInfo } from './application-index.js';
import type { FieldChange } from './field-changes.js';
import type { ProjectPolicy } from './project-policy.js';

/** An object on one side of the diff, with where it belongs. */
export interface PlacedObject {
  readonly object: ManifestObject;
  readonly cluster: string;
  /** The namespace Argo CD puts it in (see {@link ApplicationIndex.namespaceOf}); `''` for a cluster-scoped object. */
  readonly namespace: string;
  readonly owners: readonly ApplicationInfo[];
}

/** One object that differs, before classification. */
export interface ObjectChange {
  readonly base?: PlacedObject;
  readonly head?: PlacedObject;
  /** Leaf changes; empty unless the object exists on both sides. */
  readonly fields: readonly FieldChange[];
}

/** The repositories, revisions and charts the Applications of the tree pull from before the change. */
export interface ReviewedSources {
  /** `repoURL` of every path source. */
  readonly repositories: ReadonlySet<string>;
  /** `targetRevision` of every path source (`HEAD` for none). */
  readonly revisions: ReadonlySet<string>;
  /** `repoURL` and chart of every chart source. */
  readonly charts: ReadonlySet<string>;
}

/** What the rules may look up besides the change itself. */
export interface ChangeContext {
  /** The tree's folder in the repository, for messages. */
  readonly distPath: string;
  readonly baseApplications: ApplicationIndex;
  readonly headApplications: ApplicationIndex;
  /** Workloads with a pod template ({@link POD_TEMPLATE_KINDS}) after the change, in one cluster and namespace. */
  workloadsIn(cluster: string, namespace: string): readonly PlacedObject[];
  /** Whether the pod template of this workload (after the change) changed. */
  podTemplateChanged(workload: PlacedObject): boolean;
  /** The objects an Application syncs from the tree, on one side. */
  ownedBy(side: 'base' | 'head', cluster: string, application: string): readonly PlacedObject[];
  /** The AppProject `name` of a cluster on one side; Argo CD's built-in one for an undefined `default`. */
  project(side: 'base' | 'head', cluster: string, name: string): ProjectPolicy | undefined;
  /** An object of the tree after the change, by API group, kind, namespace and name. */
  headObject(cluster: string, apiGroup: string, kind: string, namespace: string, name: string): PlacedObject | undefined;
  /** Every copy of an object defined more than once after the change; empty when it is defined once. */
  duplicatesOf(placed: PlacedObject): readonly PlacedObject[];
  /** Where the Applications pulled from before the change: leaving it leaves the review. */
  readonly reviewedSources: ReviewedSources;
  /** Whether the tree after the change has any file under `folder` (a path inside dist/). */
  headHasFolder(folder: string): boolean;
}

/** The chart of the Argo Rollouts controller, as its Application names it. */
export const ARGO_ROLLOUTS_CHART = 'argo-rollouts';
/** The chart of Traefik, the traffic router, as its Application names it. */
export const TRAEFIK_CHART = 'traefik';
/** Where a workload's pod template is, for every kind but CronJob. */
export const POD_TEMPLATE = ['spec', 'template'];

/** The kinds that run pods from a template, and where the template is: a change to it replaces the pods. */
export const POD_TEMPLATE_KINDS: readonly { readonly group: string; readonly kind: string; readonly path: readonly string[] }[] = [
  { group: 'argoproj.io', kind: 'Rollout', path: POD_TEMPLATE },
  { group: 'apps', kind: 'Deployment', path: POD_TEMPLATE },
  { group: 'apps', kind: 'StatefulSet', path: POD_TEMPLATE },
  { group: 'apps', kind: 'DaemonSet', path: POD_TEMPLATE },
  { group: 'apps', kind: 'ReplicaSet', path: POD_TEMPLATE },
  { group: '', kind: 'ReplicationController', path: POD_TEMPLATE },
  { group: 'batch', kind: 'Job', path: POD_TEMPLATE },
  { group: 'batch', kind: 'CronJob', path: ['spec', 'jobTemplate', 'spec', 'template'] },
];

/** Where `object`'s pod template is, or `undefined` for a kind that runs no pods from one. */
export function podTemplatePath(object: ManifestObject): readonly string[] | undefined {
  return POD_TEMPLATE_KINDS.find(({ group, kind }) => isKind(object, group, kind))?.path;
}

export const isRollout = (object: ManifestObject) => isKind(object, 'argoproj.io', 'Rollout');
export const isWorkload = (object: ManifestObject) => podTemplatePath(object) !== undefined;
export const isConfigMap = (object: ManifestObject) => isKind(object, '', 'ConfigMap');
export const isAppProject = (object: ManifestObject) => isKind(object, 'argoproj.io', 'AppProject');

/** A field's value in a message: strings as they are, anything else as JSON, a missing one as `(none)`. */
export const show = (value: unknown): string =>
  value === undefined ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value);
