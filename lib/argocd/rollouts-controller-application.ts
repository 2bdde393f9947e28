import { Construct } from 'constructs';
import { ArgoApplication, CREATE_NAMESPACE } from './argo-application.js';
import { ResourceKind } from './resource-kinds.js';

/**
 * What each reviewed version of the `argo-rollouts` chart installs, by kind, with
 * `controller.replicas: 1` and `dashboard.enabled: false`. The project's whitelists follow from
 * this, so a chart upgrade starts here: render the new chart and list its kinds.
 */
export const ROLLOUTS_CHART_KINDS: Readonly<Record<string, readonly ResourceKind[]>> = {
  '2.40.9': [
    // Five CRDs: rollouts, analysisruns, analysistemplates, clusteranalysistemplates, experiments.
    { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', namespaced: false },
    // argo-rollouts, plus the aggregate roles argo-rollouts-aggregate-to-{admin,edit,view}.
    { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', namespaced: false },
    { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', namespaced: false },
    { group: '', kind: 'ServiceAccount', namespaced: true },
    // argo-rollouts-config and argo-rollouts-notification-configmap.
    { group: '', kind: 'ConfigMap', namespaced: true },
    { group: 'apps', kind: 'Deployment', namespaced: true },
    // Off by default, so not listed: the metrics Service, the notification Secret, Role and
    // RoleBinding (namespaced installs only), PodDisruptionBudgets and the dashboard.
  ],
};

/** CPU and memory for one container. */
export interface ContainerResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

export interface RolloutsControllerApplicationProps {
  /** `metadata.name` of the Application. */
  readonly name: string;
  /** The AppProject the Application belongs to. */
  readonly project: string;
  /** Version of the `argo-rollouts` chart; its kinds must be listed in {@link ROLLOUTS_CHART_KINDS}. */
  readonly chartVersion: string;
  /** The Helm repository that serves the chart. */
  readonly chartRepoURL: string;

  /**
   * Helm release name. The chart names its cluster-scoped objects after it, so changing it
   * orphans the installed ClusterRoles and bindings.
   *
   * @default 'argo-rollouts'
   */
  readonly releaseName?: string;

  /**
   * Namespace the controller runs in.
   *
   * @default 'argo-rollouts'
   */
  readonly namespace?: string;

  /**
   * Controller replicas.
   *
   * @default 1
   */
  readonly controllerReplicas?: number;

  /**
   * Controller container resources.
   *
   * @default - requests 50m CPU / 96Mi, limits 300m CPU / 256Mi
   */
  readonly controllerResources?: ContainerResources;

  /**
   * `argocd.argoproj.io/sync-wave`: before the workloads that need the Rollout CRD.
   *
   * @default -1
   */
  readonly syncWave?: number;
}

/** The Argo CD Application that installs the Argo Rollouts controller from its Helm chart. */
export class RolloutsControllerApplication extends Construct {
  public readonly application: ArgoApplication;

  constructor(scope: Construct, id: string, props: RolloutsControllerApplicationProps) {
    super(scope, id);
    const chartKinds = ROLLOUTS_CHART_KINDS[props.chartVersion];
    const resources = props.controllerResources ?? {
      requests: { cpu: '50m', memory: '96Mi' },
      limits: { cpu: '300m', memory: '256Mi' },
    };

    this.application = new ArgoApplication(this, 'Application', {
      name: props.name,
      project: props.project,
      syncWave: props.syncWave ?? -1,
      source: {
        repoUrl: props.chartRepoURL,
        chart: 'argo-rollouts',
        targetRevision: props.chartVersion,
        helm: {
          releaseName: props.releaseName ?? 'argo-rollouts',
          valuesObject: {
            controller: {
              replicas: props.controllerReplicas ?? 1,
              resources: {
                requests: { ...resources.requests },
                limits: { ...resources.limits },
              },
            },
            dashboard: { enabled: false },
          },
        },
      },
      destinationNamespace: props.namespace ?? 'argo-rollouts',
      syncOptions: [CREATE_NAMESPACE, 'ApplyOutOfSyncOnly=true', 'ServerSideApply=true'],
      deployedKinds: chartKinds ?? [],
    });

    this.node.addValidation({
      validate: () =>
        chartKinds
          ? []
          : [
              `argo-rollouts chart ${props.chartVersion} has no kind list in ROLLOUTS_CHART_KINDS ` +
                `(lib/argocd/rollouts-controller-application.ts); render the chart and list the kinds it installs ` +
                `(known: ${Object.keys(ROLLOUTS_CHART_KINDS).join(', ')})`,
            ],
    });
  }
}
