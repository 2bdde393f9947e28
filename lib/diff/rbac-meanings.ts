import { listAt, type Mapping, mappingAt, stringAt } from '../util/parsed-data.js';
import type { ChangeContext, PlacedObject } from './change-context.js';
import type { Meaning } from './diff-model.js';
import { isKind, type ManifestObject } from './manifest-tree.js';

const RBAC = 'rbac.authorization.k8s.io';
/** Every verb the API server knows for a resource: a rule listing them all grants as much as `*`. */
const EVERY_VERB = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
/** Verbs that reach beyond the rule itself: acting as another user, granting more than one holds. */
const ESCALATING_VERBS = ['impersonate', 'escalate', 'bind'];
const READ_VERBS = ['get', 'list', 'watch', '*'];
/** ClusterRoles Kubernetes ships that grant broad access: `system:*` ones serve its own components. */
const BUILT_IN_BROAD = new Set(['admin', 'edit']);

const isBinding = (object: ManifestObject) => isKind(object, RBAC, 'RoleBinding') || isKind(object, RBAC, 'ClusterRoleBinding');
const isRole = (object: ManifestObject) => isKind(object, RBAC, 'Role') || isKind(object, RBAC, 'ClusterRole');
const strings = (rule: Mapping, field: string) => listAt(rule, field).filter((value): value is string => typeof value === 'string');

/** What a role's rules grant that no workload of this platform needs: every verb, escalating verbs. */
function broadRules(role: ManifestObject): string[] {
  const reasons: string[] = [];
  for (const rule of listAt(role.data, 'rules').map((entry) => mappingAt(entry))) {
    const verbs = strings(rule, 'verbs');
    const on = strings(rule, 'resources').join(', ') || strings(rule, 'nonResourceURLs').join(', ') || '(nothing)';
    if (verbs.includes('*') || EVERY_VERB.every((verb) => verbs.includes(verb))) reasons.push(`every verb on ${on}`);
    const escalating = ESCALATING_VERBS.filter((verb) => verbs.includes(verb));
    if (escalating.length > 0) reasons.push(`${escalating.join(', ')} on ${on}`);
  }
  return reasons;
}

/** Whether the role's rules read Secrets (get, list or watch on secrets in the core group). */
function readsSecrets(role: ManifestObject): boolean {
  return listAt(role.data, 'rules')
    .map((entry) => mappingAt(entry))
    .some(
      (rule) =>
        strings(rule, 'apiGroups').some((group) => group === '' || group === '*') &&
        strings(rule, 'resources').some((resource) => resource === 'secrets' || resource === '*') &&
        strings(rule, 'verbs').some((verb) => READ_VERBS.includes(verb)),
    );
}

/**
 * What an added or changed RBAC object grants when it is more than a workload needs: a binding
 * to a built-in broad role, to a ClusterRole the tree does not define (what it grants is decided
 * outside this review), to a role with broad rules, or to cluster-wide read of Secrets; and a
 * role whose rules grant every verb or escalating verbs.
 */
export function rbacMeanings(head: PlacedObject, context: ChangeContext): Meaning[] {
  const { object, cluster } = head;
  if (isRole(object)) {
    const reasons = broadRules(object);
    return reasons.length === 0
      ? []
      : [{ code: 'broad-rules', severity: 'danger', message: `${object.kind} ${object.name} grants ${reasons.join('; ')}` }];
  }
  if (!isBinding(object)) return [];
  const [kind, name] = [stringAt(object.data, 'roleRef', 'kind') ?? '', stringAt(object.data, 'roleRef', 'name') ?? ''];
  const broad = (text: string): Meaning[] => [
    { code: 'broad-binding', severity: 'danger', message: `${object.kind} ${object.name} ${text}` },
  ];
  const scope = object.kind === 'ClusterRoleBinding' ? 'in every namespace' : `in namespace ${head.namespace}`;
  if (kind === 'ClusterRole' && name === 'cluster-admin')
    return broad('binds ClusterRole cluster-admin: its subjects get full control of the cluster');
  if (kind === 'ClusterRole' && (BUILT_IN_BROAD.has(name) || name.startsWith('system:')))
    return broad(`binds the built-in ClusterRole ${name}: its subjects get what Kubernetes grants it, ${scope}`);
  const role = context.headObject(cluster, RBAC, kind, kind === 'Role' ? head.namespace : '', name)?.object;
  if (!role) {
    return kind === 'ClusterRole'
      ? broad(`binds ClusterRole ${name}, which this tree does not define: what it grants is decided outside this review`)
      : [];
  }
  const reasons = broadRules(role);
  if (object.kind === 'ClusterRoleBinding' && readsSecrets(role)) reasons.push('read of Secrets');
  return reasons.length === 0 ? [] : broad(`binds ${kind} ${name}, whose rules grant ${reasons.join('; ')}, ${scope}`);
}
