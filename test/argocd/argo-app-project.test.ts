import { Testing } from 'cdk8s';
import { ArgoAppProject } from '../../lib/argocd/argo-app-project.js';
import { ArgoApplication, CREATE_NAMESPACE } from '../../lib/argocd/argo-application.js';
import type { ResourceKind } from '../../lib/core/resource-kinds.js';

const REPO = 'https://example.com/repo.git';
const cluster = (group: string, kind: string): ResourceKind => ({ group, kind, namespaced: false });
const namespaced = (group: string, kind: string): ResourceKind => ({ group, kind, namespaced: true });

function application(scope: any, name: string, props: Partial<ConstructorParameters<typeof ArgoApplication>[2]> = {}) {
  return new ArgoApplication(scope, name, {
    name,
    project: 'trinity',
    source: { repoUrl: REPO, path: name, targetRevision: 'main' },
    destinationNamespace: name,
    deployedKinds: [],
    ...props,
  });
}

const projectSpec = (chart: any) => Testing.synth(chart).find((object: any) => object.kind === 'AppProject').spec;

describe('ArgoAppProject', () => {
  test('permits exactly the repositories, destinations and kinds its Applications use', () => {
    const chart = Testing.chart();
    const workload = application(chart, 'workload', { deployedKinds: [namespaced('argoproj.io', 'Rollout'), namespaced('', 'Service')] });
    const helm = application(chart, 'controller', {
      source: { repoUrl: 'https://charts.example.com', chart: 'controller', targetRevision: '1.0.0' },
      deployedKinds: [cluster('rbac.authorization.k8s.io', 'ClusterRole'), namespaced('apps', 'Deployment')],
    });
    new ArgoAppProject(chart, 'Project', { applications: [workload, helm] });

    expect(projectSpec(chart)).toEqual({
      sourceRepos: ['https://charts.example.com', REPO],
      destinations: [
        { server: 'https://kubernetes.default.svc', namespace: 'controller' },
        { server: 'https://kubernetes.default.svc', namespace: 'workload' },
      ],
      clusterResourceWhitelist: [{ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' }],
      namespaceResourceWhitelist: [
        { group: '', kind: 'Service' },
        { group: 'apps', kind: 'Deployment' },
        { group: 'argoproj.io', kind: 'Rollout' },
      ],
    });
  });

  test('never puts a namespaced kind in clusterResourceWhitelist, where Argo CD ignores it', () => {
    const chart = Testing.chart();
    const app = application(chart, 'analysis', {
      deployedKinds: [namespaced('argoproj.io', 'AnalysisTemplate'), cluster('argoproj.io', 'ClusterAnalysisTemplate')],
    });
    new ArgoAppProject(chart, 'Project', { applications: [app] });

    const spec = projectSpec(chart);
    expect(spec.clusterResourceWhitelist).toEqual([{ group: 'argoproj.io', kind: 'ClusterAnalysisTemplate' }]);
    expect(spec.namespaceResourceWhitelist).toEqual([{ group: 'argoproj.io', kind: 'AnalysisTemplate' }]);
  });

  test('leaves out a whitelist with nothing in it, because an explicit empty list denies every kind', () => {
    const chart = Testing.chart();
    const app = application(chart, 'crds', { deployedKinds: [cluster('apiextensions.k8s.io', 'CustomResourceDefinition')] });
    new ArgoAppProject(chart, 'Project', { applications: [app] });

    const spec = projectSpec(chart);
    expect(spec).not.toHaveProperty('namespaceResourceWhitelist');
    expect(spec.clusterResourceWhitelist).toEqual([{ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' }]);
  });

  test('allows Namespace only when an Application creates its namespace, since CreateNamespace=true passes the project check', () => {
    const specWith = (syncOptions: string[]) => {
      const chart = Testing.chart();
      const app = application(chart, 'workload', { syncOptions, deployedKinds: [namespaced('', 'ConfigMap')] });
      new ArgoAppProject(chart, 'Project', { applications: [app] });
      return projectSpec(chart);
    };
    expect(specWith([CREATE_NAMESPACE]).clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
    expect(specWith([])).not.toHaveProperty('clusterResourceWhitelist');
  });

  test('reports why it would refuse an Application of another project', () => {
    const chart = Testing.chart();
    const member = application(chart, 'member');
    const stranger = application(chart, 'stranger', {
      project: 'default',
      source: { repoUrl: 'https://elsewhere.example.com/repo.git', path: '.', targetRevision: 'main' },
      deployedKinds: [cluster('rbac.authorization.k8s.io', 'ClusterRoleBinding')],
    });
    const project = new ArgoAppProject(chart, 'Project', { applications: [member] });

    expect(project.refusals(member)).toEqual([]);
    expect(project.refusals(stranger)).toEqual([
      'names project "default", expected "trinity"',
      'its repository https://elsewhere.example.com/repo.git is not in sourceRepos',
      'its destination https://kubernetes.default.svc namespace stranger is not in destinations',
      'it deploys rbac.authorization.k8s.io/ClusterRoleBinding, which is not in clusterResourceWhitelist',
    ]);
  });

  test('fails if an Application listed in the project names another project', () => {
    const chart = Testing.chart();
    const app = application(chart, 'workload', { project: 'default' });
    new ArgoAppProject(chart, 'Project', { applications: [app] });

    expect(() => Testing.synth(chart)).toThrow(
      'AppProject trinity would refuse Application workload: names project "default", expected "trinity"',
    );
  });

  test('fails if it has no Applications', () => {
    const chart = Testing.chart();
    new ArgoAppProject(chart, 'Project', { applications: [] });

    expect(() => Testing.synth(chart)).toThrow('AppProject trinity has no Applications');
  });

  test('fails if it lists an Application twice', () => {
    const chart = Testing.chart();
    const app = application(chart, 'workload');
    new ArgoAppProject(chart, 'Project', { applications: [app, app] });

    expect(() => Testing.synth(chart)).toThrow('AppProject trinity lists Application workload twice');
  });
});
