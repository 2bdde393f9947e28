import { Testing } from 'cdk8s';
import { RolloutsControllerApplication } from '../../lib/argocd/rollouts-controller-application.js';

function synthController(props: Partial<ConstructorParameters<typeof RolloutsControllerApplication>[2]> = {}) {
  const chart = Testing.chart();
  const controller = new RolloutsControllerApplication(chart, 'Controller', {
    name: 'trinity-rollouts-aws',
    project: 'trinity',
    chartRepoURL: 'https://argoproj.github.io/argo-helm',
    chartVersion: '2.40.9',
    ...props,
  });
  return { chart, controller };
}

describe('RolloutsControllerApplication', () => {
  test('installs chart argo-rollouts 2.40.9 into argo-rollouts before the workloads', () => {
    const [application] = Testing.synth(synthController().chart);

    expect(application.metadata).toEqual({
      name: 'trinity-rollouts-aws',
      namespace: 'argocd',
      annotations: { 'argocd.argoproj.io/sync-wave': '-1' },
    });
    expect(application.spec.project).toBe('trinity');
    expect(application.spec.source).toEqual({
      repoURL: 'https://argoproj.github.io/argo-helm',
      chart: 'argo-rollouts',
      targetRevision: '2.40.9',
      helm: {
        releaseName: 'argo-rollouts',
        valuesObject: {
          controller: { replicas: 1, resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '300m', memory: '256Mi' } } },
          dashboard: { enabled: false },
        },
      },
    });
    expect(application.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'argo-rollouts' });
    expect(application.spec.syncPolicy).toEqual({
      automated: { prune: true, selfHeal: true },
      syncOptions: ['CreateNamespace=true', 'ApplyOutOfSyncOnly=true', 'ServerSideApply=true'],
    });
  });

  test('keeps the release name pinned: the chart names its ClusterRoles and bindings after it', () => {
    const [application] = Testing.synth(synthController().chart);
    expect(application.spec.source.helm.releaseName).toBe('argo-rollouts');
  });

  test("declares the chart's cluster-scoped objects: CRDs, ClusterRoles (with the aggregate roles) and the ClusterRoleBinding", () => {
    const { controller } = synthController();
    const clusterScoped = controller.application.deployedKinds
      .filter((kind) => !kind.namespaced)
      .map((kind) => `${kind.group}/${kind.kind}`);
    expect(clusterScoped.sort()).toEqual([
      '/Namespace',
      'apiextensions.k8s.io/CustomResourceDefinition',
      'rbac.authorization.k8s.io/ClusterRole',
      'rbac.authorization.k8s.io/ClusterRoleBinding',
    ]);
  });

  test('declares the namespaced objects the chart installs by default', () => {
    const { controller } = synthController();
    const namespaced = controller.application.deployedKinds.filter((kind) => kind.namespaced).map((kind) => `${kind.group}/${kind.kind}`);
    expect(namespaced.sort()).toEqual(['/ConfigMap', '/ServiceAccount', 'apps/Deployment']);
  });

  test('fails if the chart version has no reviewed kind list', () => {
    const { chart } = synthController({ chartVersion: '2.41.0' });
    expect(() => Testing.synth(chart)).toThrow(/argo-rollouts chart 2\.41\.0 has no kind list in ROLLOUTS_CHART_KINDS .*known: 2\.40\.9/);
  });
});

describe('RolloutsControllerApplication with Traefik as the traffic router', () => {
  const [application] = Testing.synth(synthController({ trafficRouter: 'traefik' }).chart);
  const values = application.spec.source.helm.valuesObject;

  test("passes the controller Traefik v3's API group and version, which its defaults miss", () => {
    expect(values.controller.extraArgs).toEqual(['--traefik-api-group=traefik.io', '--traefik-api-version=traefik.io/v1alpha1']);
  });

  test("grants the controller Traefik's RBAC and no other router's", () => {
    const providers = values.providerRBAC.providers as Record<string, boolean>;
    expect(values.providerRBAC.enabled).toBe(true);
    expect(Object.entries(providers).filter(([, on]) => on)).toEqual([['traefik', true]]);
    expect(Object.keys(providers)).toHaveLength(10);
  });
});
