import {
  DEFAULT_PROJECT_SPEC,
  isDestinationPermitted,
  isNamespacedKind,
  isPermitted,
  type ProjectPolicy,
  resolveProject,
} from '../../lib/diff/project-policy.js';
import { appProjectPermissionChanges } from '../../lib/diff/app-project-permissions.js';

const project = (spec: Record<string, unknown>): ProjectPolicy => ({ name: 'p', spec, builtIn: false });
const kind = (group: string, name: string) => ({ group, kind: name, name: 'x' });

describe('isPermitted, as Argo CD v3.3.7 checks a kind', () => {
  test('an absent namespace whitelist allows every namespaced kind; an empty one allows none', () => {
    expect(isPermitted(project({}), kind('', 'Secret'))).toBe(true);
    expect(isPermitted(project({ namespaceResourceWhitelist: [] }), kind('', 'Secret'))).toBe(false);
    expect(isPermitted(project({ namespaceResourceWhitelist: [{ group: '', kind: 'ConfigMap' }] }), kind('', 'Secret'))).toBe(false);
  });

  test('fails if a cluster-scoped kind is not on the cluster whitelist, which allows none when absent', () => {
    expect(isPermitted(project({}), kind('rbac.authorization.k8s.io', 'ClusterRoleBinding'))).toBe(false);
    expect(
      isPermitted(
        project({ clusterResourceWhitelist: [{ group: 'rbac.authorization.k8s.io', kind: '*' }] }),
        kind('rbac.authorization.k8s.io', 'ClusterRoleBinding'),
      ),
    ).toBe(true);
    // A namespaced kind on the cluster whitelist is ignored, as Argo CD ignores it.
    expect(
      isPermitted(
        project({ clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }], namespaceResourceWhitelist: [] }),
        kind('', 'ConfigMap'),
      ),
    ).toBe(false);
  });

  test('a blacklist entry refuses what a whitelist allows, with globs', () => {
    const spec = {
      clusterResourceWhitelist: [{ group: '*', kind: '*' }],
      clusterResourceBlacklist: [{ group: 'admissionregistration.k8s.io', kind: '*Webhook*' }],
    };
    expect(isPermitted(project(spec), kind('admissionregistration.k8s.io', 'MutatingWebhookConfiguration'))).toBe(false);
    expect(isPermitted(project(spec), kind('', 'Namespace'))).toBe(true);
  });

  test('knows the scope of kinds beyond the catalogue', () => {
    expect(isNamespacedKind('admissionregistration.k8s.io', 'MutatingWebhookConfiguration')).toBe(false);
    expect(isNamespacedKind('networking.k8s.io', 'Ingress')).toBe(true);
  });

  test('the built-in default project allows every kind and destination; an unknown project is unknown', () => {
    const defaults = resolveProject('default', undefined)!;
    expect(defaults.spec).toBe(DEFAULT_PROJECT_SPEC);
    expect(isPermitted(defaults, kind('rbac.authorization.k8s.io', 'ClusterRoleBinding'))).toBe(true);
    expect(isDestinationPermitted(defaults, 'https://elsewhere', 'kube-system')).toBe(true);
    expect(resolveProject('other', undefined)).toBeUndefined();
  });

  test('fails if the destination namespace is not listed', () => {
    const spec = { destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'mandelbrot' }] };
    expect(isDestinationPermitted(project(spec), 'https://kubernetes.default.svc', 'mandelbrot')).toBe(true);
    expect(isDestinationPermitted(project(spec), 'https://kubernetes.default.svc', 'kube-system')).toBe(false);
  });

  test('fails if a ! entry refuses the destination, even where another entry allows it', () => {
    const spec = {
      destinations: [
        { server: '*', namespace: '*' },
        { server: '*', namespace: '!kube-*' },
        { server: '!https://prod.example.com', namespace: '*' },
      ],
    };
    expect(isDestinationPermitted(project(spec), 'https://kubernetes.default.svc', 'mandelbrot')).toBe(true);
    expect(isDestinationPermitted(project(spec), 'https://kubernetes.default.svc', 'kube-system')).toBe(false);
    expect(isDestinationPermitted(project(spec), 'https://prod.example.com', 'mandelbrot')).toBe(false);
  });
});

describe('appProjectPermissionChanges', () => {
  const spec = (sourceRepos: string[], destinations: Record<string, string>[]) => ({ spec: { sourceRepos, destinations } });
  test('reads ! entries of sourceRepos and destinations as denials: removing one widens, adding one narrows', () => {
    const denyKubeSystem = { server: '*', namespace: '!kube-system' };
    const before = spec(['*', '!https://evil.example/*'], [{ server: '*', namespace: '*' }, denyKubeSystem]);
    const after = spec(['*'], [{ server: '*', namespace: '*' }]);
    expect(appProjectPermissionChanges(before, after)).toEqual({
      widened: ['sourceRepos - !https://evil.example/* (a denial)', 'destinations - namespace !kube-system on * (a denial)'],
      narrowed: [],
    });
    expect(appProjectPermissionChanges(after, before)).toEqual({
      widened: [],
      narrowed: ['sourceRepos + !https://evil.example/* (a denial)', 'destinations + namespace !kube-system on * (a denial)'],
    });
  });
});
