import type { ResourceKind } from '../core/resource-kinds.js';

// No cdk8s here: the diff reads this to know what the controller's Application deploys.

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
