import { findKnownKind, formatKind } from '../core/resource-kinds.js';
import { isMapping } from '../util/parsed-data.js';
import type { ManifestData } from './manifest-tree.js';

/** An AppProject as far as its permission checks go. */
export interface ProjectPolicy {
  readonly name: string;
  readonly spec: Readonly<Record<string, unknown>>;
  /** True for Argo CD's built-in `default` project when the tree does not define it. */
  readonly builtIn: boolean;
}

/** The spec Argo CD gives its built-in `default` project: every repository, destination and kind. */
export const DEFAULT_PROJECT_SPEC: Readonly<Record<string, unknown>> = {
  sourceRepos: ['*'],
  destinations: [{ server: '*', namespace: '*' }],
  clusterResourceWhitelist: [{ group: '*', kind: '*' }],
};

/** The project `name` as the tree defines it, or Argo CD's built-in `default`; `undefined` for an unknown name. */
export function resolveProject(name: string, defined: ManifestData | undefined): ProjectPolicy | undefined {
  if (defined) return { name, spec: (defined.spec ?? {}) as Record<string, unknown>, builtIn: false };
  return name === 'default' ? { name, spec: DEFAULT_PROJECT_SPEC, builtIn: true } : undefined;
}

/**
 * Cluster-scoped kinds beyond the program's own catalogue, so a kind nobody listed is still
 * checked against the right whitelist. Everything else counts as namespaced.
 */
const CLUSTER_SCOPED = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'apiregistration.k8s.io/APIService',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'scheduling.k8s.io/PriorityClass',
  'node.k8s.io/RuntimeClass',
  'networking.k8s.io/IngressClass',
  'policy/PodSecurityPolicy',
  'certificates.k8s.io/CertificateSigningRequest',
  'argoproj.io/ClusterAnalysisTemplate',
]);

/** Whether objects of a kind live in a namespace. */
export function isNamespacedKind(group: string, kind: string): boolean {
  return findKnownKind(group, kind)?.namespaced ?? !CLUSTER_SCOPED.has(`${group}/${kind}`);
}

/** Argo CD's glob match (`*` any run, `?` one character) for project list entries. */
function globMatches(pattern: unknown, value: string): boolean {
  if (typeof pattern !== 'string') return false;
  if (pattern === '*' || pattern === value) return true;
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}

const entries = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? (value as unknown[]).filter(isMapping) : []);

function inList(list: unknown, group: string, kind: string, name: string): boolean {
  return entries(list).some(
    (entry) =>
      globMatches(entry.group ?? '', group) &&
      globMatches(entry.kind, kind) &&
      (entry.name === undefined || entry.name === '' || globMatches(entry.name, name)),
  );
}

/** A kind and its name, as a project checks it. */
export interface ResourceRef {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
}

/**
 * Argo CD v3.3.7's `IsGroupKindNamePermitted`: a namespaced kind needs the namespace whitelist to
 * be absent or to list it; a cluster-scoped kind needs the cluster whitelist to list it; a
 * blacklist entry refuses either.
 */
export function isPermitted(project: ProjectPolicy, resource: ResourceRef): boolean {
  const { group, kind, name } = resource;
  const spec = project.spec;
  if (isNamespacedKind(group, kind)) {
    const whitelisted =
      spec.namespaceResourceWhitelist === undefined ||
      spec.namespaceResourceWhitelist === null ||
      inList(spec.namespaceResourceWhitelist, group, kind, name);
    return whitelisted && !inList(spec.namespaceResourceBlacklist, group, kind, name);
  }
  return inList(spec.clusterResourceWhitelist, group, kind, name) && !inList(spec.clusterResourceBlacklist, group, kind, name);
}

/** Argo CD's `globMatch` with negation: a `!pattern` matches whatever `pattern` does not. */
function matchesOrDenies(pattern: unknown, value: string): boolean {
  if (typeof pattern === 'string' && pattern.startsWith('!')) return !globMatches(pattern.slice(1), value);
  return globMatches(pattern, value);
}

const isDenial = (pattern: unknown): boolean => typeof pattern === 'string' && pattern.startsWith('!');

/**
 * Whether the project lets an Application deploy into `namespace` on `server` (a server URL or a
 * cluster name): Argo CD v3.3.7's `isDestinationMatched`. Some entry must match, and no `!` entry
 * may refuse it: `{server: '*', namespace: '!kube-system'}` refuses kube-system everywhere.
 */
export function isDestinationPermitted(project: ProjectPolicy, server: string, namespace: string): boolean {
  let matched = false;
  for (const destination of entries(project.spec.destinations)) {
    const serverMatched = server !== '' && matchesOrDenies(destination.server, server);
    const nameMatched = server !== '' && matchesOrDenies(destination.name, server);
    const namespaceMatched = namespace === '' || matchesOrDenies(destination.namespace ?? '', namespace);
    if ((serverMatched || nameMatched) && namespaceMatched) matched = true;
    else if (
      (!nameMatched && isDenial(destination.name)) ||
      (!serverMatched && isDenial(destination.server)) ||
      (!namespaceMatched && isDenial(destination.namespace))
    )
      return false;
  }
  return matched;
}

/** The line every refusal reads as: `the sync of X fails: kind K is not permitted in project P`. */
export function refusalMessage(
  application: string,
  project: string,
  kinds: readonly { group: string; kind: string }[],
  tense: 'fails' | 'will fail',
): string {
  const names = [...new Set(kinds.map(formatKind))];
  return `the sync of ${application} ${tense}: kind${names.length === 1 ? '' : 's'} ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} not permitted in project ${project}`;
}
