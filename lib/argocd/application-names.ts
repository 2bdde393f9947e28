/**
 * The names of one cluster's Argo CD Applications. ClusterDelivery creates them under these
 * names, and the operator tool syncs them by the same names.
 */
export interface ClusterApplicationNames {
  /** `trinity-<environment>-<cluster>-root`: applied once by hand, syncs the cluster's Applications. */
  readonly root: string;
  /** `trinity-rollouts-<cluster>`: installs the Argo Rollouts controller. */
  readonly rollouts: string;
  /** `trinity-mandelbrot-<cluster>`: syncs the Mandelbrot workload. */
  readonly mandelbrot: string;
}

/** The Applications of `cluster` in `environment`. */
export function clusterApplicationNames(environment: string, cluster: string): ClusterApplicationNames {
  return {
    root: `trinity-${environment}-${cluster}-root`,
    rollouts: `trinity-rollouts-${cluster}`,
    mandelbrot: `trinity-mandelbrot-${cluster}`,
  };
}
