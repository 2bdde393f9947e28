/**
 * The names of one cluster's Argo CD Applications. ClusterDelivery creates them under these
 * names, and the operator tool syncs them by the same names.
 */

/** The AppProject whose permissions are derived from what the cluster's Applications deploy. */
export const DERIVED_PROJECT_NAME = 'trinity';

/**
 * The output folder of every cluster's root Application, beside one folder per cluster: no
 * cluster may take its name, or its manifests would mix with the roots applied by hand.
 */
export const BOOTSTRAP_FOLDER = 'bootstrap';

/** Top-level names synth writes under its output folder other than the clusters' own. */
export const RESERVED_OUTPUT_FOLDERS: readonly string[] = [BOOTSTRAP_FOLDER];

/** `trinity-<environment>-<cluster>-root`: applied once by hand, syncs the cluster's Applications. */
export function rootApplicationName(environment: string, cluster: string): string {
  return `trinity-${environment}-${cluster}-root`;
}

/** `trinity-rollouts-<cluster>`: installs the Argo Rollouts controller. */
export function rolloutsApplicationName(cluster: string): string {
  return `trinity-rollouts-${cluster}`;
}

/** `trinity-traefik-<cluster>`: installs Traefik, the router that applies canary weights, where a cluster runs it. */
export function traefikApplicationName(cluster: string): string {
  return `trinity-traefik-${cluster}`;
}

/** `trinity-<workload>-<cluster>`: syncs one workload's folder. */
export function workloadApplicationName(workload: string, cluster: string): string {
  return `trinity-${workload}-${cluster}`;
}

/** Every Application of `cluster` in `environment` that runs `workloads` (and Traefik, which is never the longest name). */
export function clusterApplicationNames(environment: string, cluster: string, workloads: readonly string[]): string[] {
  return [
    rootApplicationName(environment, cluster),
    rolloutsApplicationName(cluster),
    ...workloads.map((workload) => workloadApplicationName(workload, cluster)),
  ];
}
