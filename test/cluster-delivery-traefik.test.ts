import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { walkFiles } from '../lib/util/walk-files.js';
import { synthCluster } from './support/cluster.js';
import { FIXTURE_PLATFORM_YAML, FixtureProject, synthFixture } from './support/fixture-project.js';

const TRAEFIK = { provider: 'traefik', chart: { repoURL: 'https://traefik.github.io/charts', version: '39.0.7' } } as const;

describe('ClusterDelivery with Traefik routing the canary', () => {
  const files = synthCluster({ trafficRouting: TRAEFIK });
  const get = (path: string) => {
    const object = files.get(path);
    if (!object) throw new Error(`${path} was not synthesized; got ${[...files.keys()].join(', ')}`);
    return object;
  };
  const wave = (path: string) => Number(get(path).metadata.annotations['argocd.argoproj.io/sync-wave']);

  test('the root syncs trinity-traefik-<cluster>, which installs the chart before the workloads', () => {
    const traefik = get('aws/argocd/application-trinity-traefik-aws.yaml');
    expect(traefik.spec.source).toMatchObject({ repoURL: 'https://traefik.github.io/charts', chart: 'traefik', targetRevision: '39.0.7' });
    expect(traefik.spec.destination.namespace).toBe('traefik');
    expect(wave('aws/argocd/application-trinity-traefik-aws.yaml')).toBeLessThan(
      wave('aws/argocd/application-trinity-mandelbrot-aws.yaml'),
    );
  });

  test('the workload folder holds the two Services, the weighted TraefikService and the IngressRoute', () => {
    expect([...files.keys()].filter((path) => path.startsWith('aws/mandelbrot/') && !path.includes('configmap'))).toEqual([
      'aws/mandelbrot/ingressroute-mandelbrot.yaml',
      'aws/mandelbrot/rollout-mandelbrot.yaml',
      'aws/mandelbrot/service-mandelbrot-canary.yaml',
      'aws/mandelbrot/service-mandelbrot-stable.yaml',
      'aws/mandelbrot/service-mandelbrot.yaml',
      'aws/mandelbrot/traefikservice-mandelbrot.yaml',
    ]);
  });

  test('Argo CD ignores exactly the weights the controller writes, and its syncs respect that', () => {
    const application = get('aws/argocd/application-trinity-mandelbrot-aws.yaml');
    expect(application.spec.ignoreDifferences).toEqual([
      {
        group: 'traefik.io',
        kind: 'TraefikService',
        name: 'mandelbrot',
        jsonPointers: ['/spec/weighted/services/0/weight', '/spec/weighted/services/1/weight'],
      },
    ]);
    expect(application.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
  });

  test("the Rollouts controller gets Traefik v3's API group and Traefik's RBAC", () => {
    const values = get('aws/argocd/application-trinity-rollouts-aws.yaml').spec.source.helm.valuesObject;
    expect(values.controller.extraArgs).toEqual(['--traefik-api-group=traefik.io', '--traefik-api-version=traefik.io/v1alpha1']);
    expect(values.providerRBAC.providers.traefik).toBe(true);
  });

  test("the AppProject allows the chart's kinds, the routing kinds and Traefik's namespace, and nothing more", () => {
    const project = get('aws/argocd/appproject-trinity.yaml');
    const without = synthCluster().get('aws/argocd/appproject-trinity.yaml');
    const added = (list: string) =>
      project.spec[list].filter((entry: unknown) => !JSON.stringify(without.spec[list]).includes(JSON.stringify(entry)));
    expect(added('namespaceResourceWhitelist')).toEqual([
      { group: 'traefik.io', kind: 'IngressRoute' },
      { group: 'traefik.io', kind: 'TraefikService' },
    ]);
    expect(added('clusterResourceWhitelist')).toEqual([]);
    expect(added('destinations')).toEqual([{ server: 'https://kubernetes.default.svc', namespace: 'traefik' }]);
    expect(added('sourceRepos')).toEqual(['https://traefik.github.io/charts']);
  });
});

describe('trafficRouting: none', () => {
  let project: FixtureProject;
  beforeAll(async () => {
    project = await FixtureProject.create();
  });
  afterAll(() => project.cleanup());

  const tree = (dist: string) => new Map(walkFiles(dist).map(({ path }) => [path, readFileSync(join(dist, path), 'utf8')]));

  test('leaves dist/ byte for byte as it is without the setting', async () => {
    const before = tree(project.dist);
    const explicit = FIXTURE_PLATFORM_YAML.replace(
      'workloads:\n  mandelbrot:\n',
      'trafficRouting:\n  provider: none\ntraefikChart:\n  version: 39.0.7\nworkloads:\n  mandelbrot:\n    canaryWeights: [50]\n',
    );
    expect(explicit).not.toBe(FIXTURE_PLATFORM_YAML);
    writeFileSync(join(project.root, 'platform.yaml'), explicit);
    const result = await synthFixture([], project.root);
    expect(result.stderr).toBe('');
    expect(tree(project.dist)).toEqual(before);
    expect([...before.keys()].some((path) => /traefik/i.test(path) || /traefik/i.test(before.get(path)!))).toBe(false);
  });
});
