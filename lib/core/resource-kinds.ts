import { compareStrings } from '../util/stable-order.js';

// No cdk8s and no schema code here: synth, the diff and the check read these without loading
// the construct library or the validators.

/** A Kubernetes kind as Argo CD's project whitelists name it: API group and kind. */
export interface ResourceKind {
  /** API group; `''` for the core group. */
  readonly group: string;
  readonly kind: string;
  /** Whether objects of this kind live in a namespace. */
  readonly namespaced: boolean;
}

/** The kubernetes-models packages that hold the schemas of the kinds this program emits. */
export type ModelsPackage =
  | 'kubernetes-models'
  | '@kubernetes-models/argo-cd'
  | '@kubernetes-models/argo-rollouts'
  | '@kubernetes-models/prometheus-operator'
  | '@kubernetes-models/traefik';

/** A kind this program emits: its scope, the API version it is emitted at, and where its schema is. */
export interface KnownKind extends ResourceKind {
  readonly apiVersion: string;
  /**
   * The package whose `<apiVersion>/<kind>` module holds the kind's schema: the model class
   * `<kind>` and the interface `I<kind>`. The check loads it; synth never does.
   */
  readonly models: ModelsPackage;
}

const known =
  (namespaced: boolean) =>
  (apiVersion: string, kind: string, models: ModelsPackage = 'kubernetes-models'): KnownKind => ({
    group: apiGroupOf(apiVersion),
    kind,
    namespaced,
    apiVersion,
    models,
  });
const cluster = known(false);
const namespaced = known(true);

/**
 * Every kind this program may emit into dist/ or ask Argo CD to deploy, declared once: its scope
 * decides which project whitelist it belongs in (Argo CD silently ignores a namespaced kind in
 * `clusterResourceWhitelist`), and the check validates its objects against its schema.
 * An object of a kind missing here fails synth.
 */
export const KNOWN_KINDS: readonly KnownKind[] = [
  cluster('v1', 'Namespace'),
  cluster('apiextensions.k8s.io/v1', 'CustomResourceDefinition'),
  cluster('rbac.authorization.k8s.io/v1', 'ClusterRole'),
  cluster('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'),
  cluster('argoproj.io/v1alpha1', 'ClusterAnalysisTemplate', '@kubernetes-models/argo-rollouts'),
  namespaced('v1', 'ConfigMap'),
  namespaced('v1', 'Secret'),
  namespaced('v1', 'Service'),
  namespaced('v1', 'ServiceAccount'),
  namespaced('apps/v1', 'Deployment'),
  namespaced('rbac.authorization.k8s.io/v1', 'Role'),
  namespaced('rbac.authorization.k8s.io/v1', 'RoleBinding'),
  namespaced('policy/v1', 'PodDisruptionBudget'),
  namespaced('argoproj.io/v1alpha1', 'Rollout', '@kubernetes-models/argo-rollouts'),
  namespaced('argoproj.io/v1alpha1', 'AnalysisTemplate', '@kubernetes-models/argo-rollouts'),
  namespaced('argoproj.io/v1alpha1', 'Application', '@kubernetes-models/argo-cd'),
  namespaced('argoproj.io/v1alpha1', 'AppProject', '@kubernetes-models/argo-cd'),
  namespaced('monitoring.coreos.com/v1', 'PodMonitor', '@kubernetes-models/prometheus-operator'),
  namespaced('traefik.io/v1alpha1', 'TraefikService', '@kubernetes-models/traefik'),
  namespaced('traefik.io/v1alpha1', 'IngressRoute', '@kubernetes-models/traefik'),
];

/** The module that holds a known kind's model class and interface, such as `kubernetes-models/apps/v1/Deployment`. */
export function schemaModuleOf(kind: KnownKind): string {
  return `${kind.models}/${kind.apiVersion}/${kind.kind}`;
}

/** The API group of an `apiVersion` such as `apps/v1` (`apps`) or `v1` (`''`). */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Looks a kind up in {@link KNOWN_KINDS}; `undefined` when this program does not know it. */
export function findKnownKind(group: string, kind: string): KnownKind | undefined {
  return KNOWN_KINDS.find((known) => known.group === group && known.kind === kind);
}

/** `group/Kind`, or `Kind` for the core group: how messages name a kind. */
export function formatKind(kind: { group: string; kind: string }): string {
  return kind.group === '' ? kind.kind : `${kind.group}/${kind.kind}`;
}

/** Removes duplicates and sorts by group, then kind, so derived lists are stable. */
export function uniqueKinds(kinds: Iterable<ResourceKind>): ResourceKind[] {
  const byKey = new Map<string, ResourceKind>();
  for (const kind of kinds) byKey.set(`${kind.group}\0${kind.kind}`, kind);
  return [...byKey.keys()].sort(compareStrings).map((key) => byKey.get(key)!);
}
