import { Testing } from 'cdk8s';
import { TraefikApplication } from '../../lib/argocd/traefik-application.js';
import { TRAEFIK_CHART_KINDS } from '../../lib/argocd/traefik-chart-kinds.js';

function synthTraefik(props: Partial<ConstructorParameters<typeof TraefikApplication>[2]> = {}) {
  const chart = Testing.chart();
  const traefik = new TraefikApplication(chart, 'Traefik', {
    name: 'trinity-traefik-aws',
    project: 'trinity',
    chartRepoURL: 'https://traefik.github.io/charts',
    chartVersion: '39.0.7',
    ...props,
  });
  return { chart, traefik };
}

describe('TraefikApplication', () => {
  test('installs chart traefik 39.0.7 into traefik before the workloads, with its API on and no IngressClass', () => {
    const [application] = Testing.synth(synthTraefik().chart);

    expect(application.metadata).toEqual({
      name: 'trinity-traefik-aws',
      namespace: 'argocd',
      annotations: { 'argocd.argoproj.io/sync-wave': '-1' },
    });
    expect(application.spec.source).toMatchObject({
      repoURL: 'https://traefik.github.io/charts',
      chart: 'traefik',
      targetRevision: '39.0.7',
    });
    expect(application.spec.source.helm.valuesObject).toMatchObject({
      api: { insecure: true },
      global: { checkNewVersion: false, sendAnonymousUsage: false },
      ingressClass: { enabled: false },
      providers: { kubernetesIngress: { enabled: false } },
    });
    expect(application.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'traefik' });
    expect(application.spec.syncPolicy.syncOptions).toEqual(['CreateNamespace=true', 'ApplyOutOfSyncOnly=true', 'ServerSideApply=true']);
  });

  test("deploys exactly the chart's kinds and its namespace", () => {
    const { traefik } = synthTraefik();
    expect(traefik.application.deployedKinds).toEqual([
      ...TRAEFIK_CHART_KINDS['39.0.7']!,
      { group: '', kind: 'Namespace', namespaced: false },
    ]);
  });

  test('fails if the chart version has no kind list', () => {
    const { chart } = synthTraefik({ chartVersion: '40.0.0' });
    expect(() => Testing.synth(chart)).toThrow(/traefik chart 40\.0\.0 has no kind list in TRAEFIK_CHART_KINDS .*known: 39\.0\.7/);
  });
});
