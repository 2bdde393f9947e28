import { Construct } from 'constructs';
import type { ArgoApplication } from './argo-application.js';
import { type ChartApplicationProps, chartApplication } from './chart-application.js';
import { ROLLOUTS_CHART_KINDS } from './rollouts-chart-kinds.js';

export { ROLLOUTS_CHART_KINDS };

/** CPU and memory for one container. */
export interface ContainerResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** `chartVersion` is the `argo-rollouts` chart's; its kinds must be listed in {@link ROLLOUTS_CHART_KINDS}. */
export interface RolloutsControllerApplicationProps extends ChartApplicationProps {
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

  /**
   * The traffic router the controller sets canary weights on: it gets that router's flags and
   * RBAC, and no other router's.
   *
   * @default - none: the chart's defaults
   */
  readonly trafficRouter?: 'traefik';
}

/** What the chart needs to drive Traefik v3: its API group (the controller defaults to v2's, which v3 removed) and RBAC. */
const TRAEFIK_ROUTER_VALUES = {
  extraArgs: ['--traefik-api-group=traefik.io', '--traefik-api-version=traefik.io/v1alpha1'],
  providerRBAC: {
    enabled: true,
    providers: {
      istio: false,
      smi: false,
      ambassador: false,
      awsLoadBalancerController: false,
      awsAppMesh: false,
      traefik: true,
      apisix: false,
      contour: false,
      glooPlatform: false,
      gatewayAPI: false,
    },
  },
};

/** The Argo CD Application that installs the Argo Rollouts controller from its Helm chart. */
export class RolloutsControllerApplication extends Construct {
  public readonly application: ArgoApplication;

  constructor(scope: Construct, id: string, props: RolloutsControllerApplicationProps) {
    super(scope, id);
    const resources = props.controllerResources ?? {
      requests: { cpu: '50m', memory: '96Mi' },
      limits: { cpu: '300m', memory: '256Mi' },
    };

    this.application = chartApplication(
      this,
      props,
      {
        name: 'argo-rollouts',
        kinds: ROLLOUTS_CHART_KINDS,
        list: 'ROLLOUTS_CHART_KINDS',
        file: 'lib/argocd/rollouts-controller-application.ts',
      },
      {
        syncWave: props.syncWave,
        releaseName: props.releaseName ?? 'argo-rollouts',
        namespace: props.namespace ?? 'argo-rollouts',
        values: {
          controller: {
            replicas: props.controllerReplicas ?? 1,
            resources: {
              requests: { ...resources.requests },
              limits: { ...resources.limits },
            },
            ...(props.trafficRouter === 'traefik' ? { extraArgs: [...TRAEFIK_ROUTER_VALUES.extraArgs] } : {}),
          },
          dashboard: { enabled: false },
          ...(props.trafficRouter === 'traefik' ? { providerRBAC: TRAEFIK_ROUTER_VALUES.providerRBAC } : {}),
        },
      },
    );
  }
}
