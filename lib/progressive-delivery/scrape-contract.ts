/**
 * The scrape contract between a canary's pods and the Prometheus that measures them: the pod
 * label the Rollouts controller puts on every pod of a revision, and the metric label Prometheus
 * must copy it to. `podTargetLabels` of a Prometheus Operator PodMonitor, and the usual `labelmap`
 * of `__meta_kubernetes_pod_label_(.+)`, both name it so.
 */
export const POD_TEMPLATE_HASH_LABEL = 'rollouts-pod-template-hash';
export const POD_TEMPLATE_HASH_METRIC_LABEL = 'rollouts_pod_template_hash';
/** The pod's namespace, as `kubernetes_sd` relabelling and a PodMonitor name it. */
export const NAMESPACE_METRIC_LABEL = 'namespace';
