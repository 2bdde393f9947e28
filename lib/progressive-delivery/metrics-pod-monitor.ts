import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IPodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { POD_TEMPLATE_HASH_LABEL } from './scrape-contract.js';

export interface MetricsPodMonitorProps {
  /** `metadata.name`. */
  readonly name: string;
  /** Labels of the pods to scrape. */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** The name of the container port that serves `/metrics`. */
  readonly port: string;

  /**
   * Labels on the PodMonitor itself: the Prometheus resource's `podMonitorSelector` must match them.
   *
   * @default - the selector labels
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A Prometheus Operator `PodMonitor` that follows the scrape contract: it scrapes the pods'
 * `/metrics` and copies their `rollouts-pod-template-hash` label to `rollouts_pod_template_hash`
 * (the operator adds `namespace` itself), so an analysis can select the canary's pods.
 */
export class MetricsPodMonitor extends Construct {
  constructor(scope: Construct, id: string, props: MetricsPodMonitorProps) {
    super(scope, id);
    const spec: IPodMonitor['spec'] = {
      selector: { matchLabels: { ...props.selectorLabels } },
      podMetricsEndpoints: [{ port: props.port, path: '/metrics' }],
      podTargetLabels: [POD_TEMPLATE_HASH_LABEL],
    };
    new ApiObject(this, 'Resource', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: props.name, labels: { ...(props.labels ?? props.selectorLabels) } },
      spec,
    });
  }
}
