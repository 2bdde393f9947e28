import { compareStrings } from '../stable-order.js';

// No cdk8s here: the diff and the check read these without loading the construct library.

/** A Kubernetes kind as Argo CD's project whitelists name it: API group and kind. */
export interface ResourceKind {
  /** API group; `''` for the core group. */
  readonly group: string;
  readonly kind: string;
  /** Whether objects of this kind live in a namespace. */
  readonly namespaced: boolean;
}

const cluster = (group: string, kind: string): ResourceKind => ({ group, kind, namespaced: false });
const namespaced = (group: string, kind: string): ResourceKind => ({ group, kind, namespaced: true });

/**
 * Every kind this program may emit into dist/ or ask Argo CD to deploy, with its scope.
 *
 * An object of a kind missing here fails synth: its scope decides which project whitelist it
 * belongs in, and Argo CD silently ignores a namespaced kind in `clusterResourceWhitelist`.
 */
export const KNOWN_KINDS: readonly ResourceKind[] = [
  cluster('', 'Namespace'),
  cluster('apiextensions.k8s.io', 'CustomResourceDefinition'),
  cluster('rbac.authorization.k8s.io', 'ClusterRole'),
  cluster('rbac.authorization.k8s.io', 'ClusterRoleBinding'),
  cluster('argoproj.io', 'ClusterAnalysisTemplate'),
  namespaced('', 'ConfigMap'),
  namespaced('', 'Secret'),
  namespaced('', 'Service'),
  namespaced('', 'ServiceAccount'),
  namespaced('apps', 'Deployment'),
  namespaced('rbac.authorization.k8s.io', 'Role'),
  namespaced('rbac.authorization.k8s.io', 'RoleBinding'),
  namespaced('policy', 'PodDisruptionBudget'),
  namespaced('argoproj.io', 'Rollout'),
  namespaced('argoproj.io', 'AnalysisTemplate'),
  namespaced('argoproj.io', 'Application'),
  namespaced('argoproj.io', 'AppProject'),
  namespaced('monitoring.coreos.com', 'PodMonitor'),
];

/** The API group of an `apiVersion` such as `apps/v1` (`apps`) or `v1` (`''`). */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Looks a kind up in {@link KNOWN_KINDS}; `undefined` when this program does not know it. */
export function findKnownKind(group: string, kind: string): ResourceKind | undefined {
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
