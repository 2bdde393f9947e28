import type { ResourceKind } from '../core/resource-kinds.js';

// No cdk8s here: the diff reads this to know what the Traefik Application deploys.

/**
 * What each reviewed version of the `traefik` chart installs, by kind, with the values
 * `TraefikApplication` sets (no IngressClass, no Ingress provider). The project's whitelists
 * follow from this, so a chart upgrade starts here: render the new chart and list its kinds.
 */
export const TRAEFIK_CHART_KINDS: Readonly<Record<string, readonly ResourceKind[]>> = {
  '39.0.7': [
    // 29 CRDs: traefik.io's, hub.traefik.io's and the Gateway API's standard channel.
    { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', namespaced: false },
    { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', namespaced: false },
    { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', namespaced: false },
    { group: '', kind: 'ServiceAccount', namespaced: true },
    { group: 'apps', kind: 'Deployment', namespaced: true },
    // The LoadBalancer in front of the entry points.
    { group: '', kind: 'Service', namespaced: true },
  ],
};
