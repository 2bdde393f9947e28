import { Construct } from 'constructs';
import type { ArgoApplication } from './argo-application.js';
import { type ChartApplicationProps, chartApplication } from './chart-application.js';
import type { ContainerResources } from './rollouts-controller-application.js';
import { TRAEFIK_CHART_KINDS } from './traefik-chart-kinds.js';

/** The entry point Traefik serves its API on: the pod's `traefik` port, which its Service does not expose. */
export const TRAEFIK_API_PORT = 8080;
/** The namespace Traefik runs in unless `namespace` says otherwise. */
export const TRAEFIK_NAMESPACE = 'traefik';

/** `chartVersion` is the `traefik` chart's; its kinds must be listed in {@link TRAEFIK_CHART_KINDS}. */
export interface TraefikApplicationProps extends ChartApplicationProps {
  /**
   * Helm release name. The chart names its cluster-scoped objects after it and the namespace.
   *
   * @default 'traefik'
   */
  readonly releaseName?: string;

  /**
   * Namespace Traefik runs in.
   *
   * @default 'traefik'
   */
  readonly namespace?: string;

  /**
   * Traefik's container resources.
   *
   * @default - requests 50m CPU / 64Mi, limits 500m CPU / 256Mi
   */
  readonly resources?: ContainerResources;

  /**
   * `argocd.argoproj.io/sync-wave`: before the workloads that need its CRDs.
   *
   * @default -1
   */
  readonly syncWave?: number;
}

/**
 * The Argo CD Application that installs Traefik from its Helm chart: the router that applies the
 * canary weights the Rollouts controller writes into each workload's TraefikService.
 */
export class TraefikApplication extends Construct {
  public readonly application: ArgoApplication;
  /** The namespace Traefik runs in. */
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: TraefikApplicationProps) {
    super(scope, id);
    const resources = props.resources ?? {
      requests: { cpu: '50m', memory: '64Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    };
    this.namespace = props.namespace ?? TRAEFIK_NAMESPACE;

    this.application = chartApplication(
      this,
      props,
      { name: 'traefik', kinds: TRAEFIK_CHART_KINDS, list: 'TRAEFIK_CHART_KINDS', file: 'lib/argocd/traefik-chart-kinds.ts' },
      {
        syncWave: props.syncWave,
        releaseName: props.releaseName ?? 'traefik',
        namespace: this.namespace,
        values: {
          // No calls home from the clusters.
          global: { checkNewVersion: false, sendAnonymousUsage: false },
          // The read-only API on the pod's `traefik` port, which the Service does not expose:
          // `npm run rollout -- status` reads the weights Traefik applies from it.
          api: { insecure: true },
          // Workloads route through IngressRoutes only: no default IngressClass taken over.
          ingressClass: { enabled: false },
          providers: { kubernetesIngress: { enabled: false } },
          resources: { requests: { ...resources.requests }, limits: { ...resources.limits } },
        },
      },
    );
  }
}
