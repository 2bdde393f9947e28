import { stringify } from 'yaml';
import { diffTrees, objectsOf, synthesizedTree } from './trees.js';

const base = synthesizedTree();
const RBAC = 'rbac.authorization.k8s.io/v1';

/** The messages of `code` on each added object, by name, after adding `objects` to aws/mandelbrot. */
function messagesAfterAdding(code: string, ...objects: Record<string, unknown>[]): Record<string, string[]> {
  const head = new Map(base);
  for (const [index, object] of objects.entries()) head.set(`aws/mandelbrot/rbac-${index}.yaml`, stringify(object));
  const result: Record<string, string[]> = {};
  for (const object of objectsOf(diffTrees(base, head)))
    result[object.name] = object.meanings.filter((meaning) => meaning.code === code).map((meaning) => meaning.message);
  return result;
}

const binding = (kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, roleKind: 'Role' | 'ClusterRole', role: string) => ({
  apiVersion: RBAC,
  kind,
  metadata: { name, ...(kind === 'RoleBinding' ? { namespace: 'mandelbrot' } : {}) },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role },
  subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'mandelbrot' }],
});
const role = (kind: 'Role' | 'ClusterRole', name: string, rules: Record<string, string[]>[]) => ({
  apiVersion: RBAC,
  kind,
  metadata: { name, ...(kind === 'Role' ? { namespace: 'mandelbrot' } : {}) },
  rules,
});

describe('RBAC meanings', () => {
  test('fails if a binding names a built-in broad role: admin, edit, system:*', () => {
    expect(
      messagesAfterAdding(
        'broad-binding',
        binding('RoleBinding', 'to-admin', 'ClusterRole', 'admin'),
        binding('ClusterRoleBinding', 'to-edit', 'ClusterRole', 'edit'),
        binding('RoleBinding', 'to-system', 'ClusterRole', 'system:controller:namespace-controller'),
      ),
    ).toEqual({
      'to-admin': [
        'RoleBinding to-admin binds the built-in ClusterRole admin: its subjects get what Kubernetes grants it, in namespace mandelbrot',
      ],
      'to-edit': [
        'ClusterRoleBinding to-edit binds the built-in ClusterRole edit: its subjects get what Kubernetes grants it, in every namespace',
      ],
      'to-system': [
        'RoleBinding to-system binds the built-in ClusterRole system:controller:namespace-controller: its subjects get what Kubernetes grants it, in namespace mandelbrot',
      ],
    });
  });

  test('fails if a binding names a ClusterRole the tree does not define', () => {
    expect(messagesAfterAdding('broad-binding', binding('RoleBinding', 'elsewhere', 'ClusterRole', 'defined-elsewhere'))).toEqual({
      elsewhere: [
        'RoleBinding elsewhere binds ClusterRole defined-elsewhere, which this tree does not define: what it grants is decided outside this review',
      ],
    });
  });

  test('fails if rules grant every verb, listed one by one or as *, or impersonate, escalate or bind; the binding to them too', () => {
    const everyVerb = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
    const messages = messagesAfterAdding(
      'broad-rules',
      role('Role', 'all-verbs', [{ apiGroups: [''], resources: ['configmaps'], verbs: everyVerb }]),
      role('ClusterRole', 'star', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'] }]),
      role('Role', 'escalating', [
        { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate', 'get'] },
        { apiGroups: [RBAC], resources: ['roles'], verbs: ['escalate', 'bind'] },
      ]),
      role('Role', 'narrow', [
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
      ]),
      binding('RoleBinding', 'to-all-verbs', 'Role', 'all-verbs'),
    );
    expect(messages).toMatchObject({
      'all-verbs': ['Role all-verbs grants every verb on configmaps'],
      star: ['ClusterRole star grants every verb on deployments'],
      escalating: ['Role escalating grants impersonate on serviceaccounts; escalate, bind on roles'],
      narrow: [],
    });
    expect(
      messagesAfterAdding(
        'broad-binding',
        role('Role', 'all-verbs', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['*'] }]),
        binding('RoleBinding', 'to-all-verbs', 'Role', 'all-verbs'),
      ),
    ).toMatchObject({
      'to-all-verbs': [
        'RoleBinding to-all-verbs binds Role all-verbs, whose rules grant every verb on configmaps, in namespace mandelbrot',
      ],
    });
  });

  test('fails if a ClusterRoleBinding grants read of Secrets in every namespace; a RoleBinding to the same role does not', () => {
    const reader = role('ClusterRole', 'secret-reader', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }]);
    expect(
      messagesAfterAdding(
        'broad-binding',
        reader,
        binding('ClusterRoleBinding', 'everywhere', 'ClusterRole', 'secret-reader'),
        binding('RoleBinding', 'here', 'ClusterRole', 'secret-reader'),
      ),
    ).toMatchObject({
      everywhere: ['ClusterRoleBinding everywhere binds ClusterRole secret-reader, whose rules grant read of Secrets, in every namespace'],
      here: [],
    });
  });
});
