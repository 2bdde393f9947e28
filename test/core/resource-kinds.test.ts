import { ApiObject, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { kindsDeployedBy } from '../../lib/argocd/deployed-kinds.js';
import { apiGroupOf, formatKind, KNOWN_KINDS } from '../../lib/core/resource-kinds.js';

const { KubeConfigMap } = k8s;

describe('resource kinds', () => {
  test('reads the API group of an apiVersion', () => {
    expect(apiGroupOf('v1')).toBe('');
    expect(apiGroupOf('apps/v1')).toBe('apps');
    expect(apiGroupOf('argoproj.io/v1alpha1')).toBe('argoproj.io');
  });

  test('names kinds the way messages show them', () => {
    expect(formatKind({ group: '', kind: 'ConfigMap' })).toBe('ConfigMap');
    expect(formatKind({ group: 'argoproj.io', kind: 'Rollout' })).toBe('argoproj.io/Rollout');
  });

  test('knows the Rollouts kinds the allow-list needs, each with its scope', () => {
    const scopeOf = (kind: string) => KNOWN_KINDS.find((known) => known.group === 'argoproj.io' && known.kind === kind)?.namespaced;
    expect(scopeOf('Rollout')).toBe(true);
    expect(scopeOf('AnalysisTemplate')).toBe(true);
    expect(scopeOf('ClusterAnalysisTemplate')).toBe(false);
  });

  test('collects the kinds of the objects under a construct, once each, in a stable order', () => {
    const chart = Testing.chart();
    new KubeConfigMap(chart, 'One', {});
    new KubeConfigMap(chart, 'Two', {});
    new ApiObject(chart, 'Role', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' });
    expect(kindsDeployedBy(chart)).toEqual([
      { group: '', kind: 'ConfigMap', namespaced: true },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', namespaced: false },
    ]);
  });

  test('fails if an object has a kind with no known scope', () => {
    const chart = Testing.chart();
    new ApiObject(chart, 'Gateway', { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'edge' } });
    expect(() => kindsDeployedBy(chart)).toThrow(
      'Gateway edge (test/Gateway) has kind gateway.networking.k8s.io/Gateway, which is not in KNOWN_KINDS (lib/core/resource-kinds.ts); add it with its scope',
    );
  });
});
