import type { DrillCluster } from './drill-cluster.js';

const ROLLOUTS_CRD = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/rollouts.argoproj.io';

/** A LoadBalancer Service and the host name it gets: a name under `.invalid`, so nothing ever connects to it. */
export interface LoadBalancer {
  readonly namespace: string;
  readonly service: string;
  readonly hostname: string;
}

export interface StandInsProps {
  /** The namespace and name of the workload's Service, which may be a LoadBalancer. */
  readonly namespace: string;
  readonly service: string;
  /** The load balancer's host name: a name under `.invalid`, so nothing ever connects to it. */
  readonly loadBalancerHostname: string;
  /**
   * More LoadBalancer Services to give an address, such as Traefik's.
   * @default none
   */
  readonly moreLoadBalancers?: readonly LoadBalancer[];
  /** Called once, when the Rollouts CRD is established and the controller is started. */
  readonly onRolloutsControllerStarted?: () => void;
}

/**
 * What the cluster's own machinery would do, done by the suite: give a LoadBalancer Service an
 * address, as a cloud's load-balancer controller does (Argo CD reports such a Service Progressing
 * until it has one); and, on KWOK only, whose pods never run, start the real Rollouts controller
 * once Argo CD has installed the CRDs.
 */
export class StandIns {
  private rolloutsControllerStarted = false;

  constructor(
    private readonly cluster: DrillCluster,
    private readonly props: StandInsProps,
  ) {}

  /** Does what is due now; call it on every look while waiting for Argo CD. */
  public async run(): Promise<void> {
    const { cluster, props } = this;
    // On the real node the chart's own Deployment is the controller.
    if (!this.rolloutsControllerStarted && !cluster.realNode) {
      const crd = await cluster.api.get<{ status?: { conditions?: { type: string; status: string }[] } }>(ROLLOUTS_CRD);
      if (crd?.status?.conditions?.some((condition) => condition.type === 'Established' && condition.status === 'True')) {
        this.rolloutsControllerStarted = true;
        props.onRolloutsControllerStarted?.();
        await cluster.startRolloutsController();
      }
    }
    const loadBalancers = [
      { namespace: props.namespace, service: props.service, hostname: props.loadBalancerHostname },
      ...(props.moreLoadBalancers ?? []),
    ];
    for (const balancer of loadBalancers) await this.giveAddress(balancer);
  }

  private async giveAddress({ namespace, service: name, hostname }: LoadBalancer): Promise<void> {
    const { cluster } = this;
    const service = await cluster.api.get<{ spec: { type?: string }; status?: { loadBalancer?: { ingress?: unknown[] } } }>(
      `/api/v1/namespaces/${namespace}/services/${name}`,
    );
    if (service?.spec.type === 'LoadBalancer' && !service.status?.loadBalancer?.ingress?.length) {
      const status = { status: { loadBalancer: { ingress: [{ hostname }] } } };
      await cluster.kubectl([
        'patch',
        'service',
        name,
        '--namespace',
        namespace,
        '--subresource=status',
        '--type=merge',
        '--patch',
        JSON.stringify(status),
      ]);
    }
  }
}
