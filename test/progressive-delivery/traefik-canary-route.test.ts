import { Testing } from 'cdk8s';
import {
  controllerOwnedFields,
  TraefikCanaryRoute,
  type TraefikCanaryRouteProps,
} from '../../lib/progressive-delivery/traefik-canary-route.js';

const labels = { 'app.kubernetes.io/name': 'demo' };

function synthRoute(props: Partial<TraefikCanaryRouteProps> = {}) {
  const chart = Testing.chart();
  const route = new TraefikCanaryRoute(chart, 'Route', { name: 'demo', selectorLabels: labels, port: 80, targetPort: 'http', ...props });
  const objects = Testing.synth(chart);
  const find = (kind: string, name: string) => objects.find((object) => object.kind === kind && object.metadata.name === name);
  return { chart, route, objects, find };
}

describe('TraefikCanaryRoute', () => {
  const { chart, route, objects, find } = synthRoute();

  test('a canary and a stable Service select every pod of the workload; the controller narrows them by ReplicaSet', () => {
    for (const name of ['demo-canary', 'demo-stable']) {
      expect(find('Service', name)?.spec).toEqual({
        type: 'ClusterIP',
        selector: labels,
        ports: [{ name: 'http', port: 80, targetPort: 'http' }],
      });
    }
  });

  test('the TraefikService is weighted over the two Services and carries no weight: the controller owns them', () => {
    const traefikService = find('TraefikService', 'demo');
    expect(traefikService?.apiVersion).toBe('traefik.io/v1alpha1');
    expect(traefikService?.spec).toEqual({
      weighted: {
        services: [
          { name: 'demo-stable', port: 80 },
          { name: 'demo-canary', port: 80 },
        ],
      },
    });
    expect(JSON.stringify(objects)).not.toContain('weight"');
  });

  test('the IngressRoute sends every request on the web entry point to the TraefikService', () => {
    expect(find('IngressRoute', 'demo')?.spec).toEqual({
      entryPoints: ['web'],
      routes: [{ kind: 'Rule', match: 'PathPrefix(`/`)', services: [{ kind: 'TraefikService', name: 'demo' }] }],
    });
  });

  test('names what the Rollout needs, and the weight fields Argo CD must leave to the controller', () => {
    expect(route.routing).toEqual({ canaryService: 'demo-canary', stableService: 'demo-stable', traefikServiceName: 'demo' });
    expect(controllerOwnedFields(chart)).toEqual([
      {
        group: 'traefik.io',
        kind: 'TraefikService',
        name: 'demo',
        jsonPointers: ['/spec/weighted/services/0/weight', '/spec/weighted/services/1/weight'],
      },
    ]);
  });

  test('takes its entry points and rule from the props', () => {
    const other = synthRoute({ entryPoints: ['websecure'], match: 'Host(`demo.example.com`)' });
    expect(other.find('IngressRoute', 'demo')?.spec.entryPoints).toEqual(['websecure']);
    expect(other.find('IngressRoute', 'demo')?.spec.routes[0].match).toBe('Host(`demo.example.com`)');
  });

  test('a scope without a route has no controller-owned fields', () => {
    expect(controllerOwnedFields(Testing.chart())).toEqual([]);
  });
});
