/**
 * The dashboard's server for the bench, in a process of its own so its memory is its own:
 * `node scripts/run.cjs bench/dashboard-fleet.ts <kubeconfig> <clusters> <workloads>` watches
 * contexts `c000`... through the kubeconfig, each with Rollouts `mandelbrot-<n>` in namespace
 * `mandelbrot`, prints the page's URL and serves until SIGTERM.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterWatch } from '../lib/dashboard/cluster-watch.js';
import { DashboardServer } from '../lib/dashboard/dashboard-server.js';
import { FleetMonitor } from '../lib/dashboard/fleet-monitor.js';

export const BENCH_NAMESPACE = 'mandelbrot';
export const benchCluster = (index: number): string => `c${String(index).padStart(3, '0')}`;
export const benchRollout = (index: number): string => `mandelbrot-${index}`;

async function main(kubeconfig: string, clusters: number, workloads: number): Promise<void> {
  const base = new KubeConfig();
  base.loadFromFile(kubeconfig);
  const monitor = new FleetMonitor({
    clusters: Array.from({ length: clusters }, (_, index) => {
      const name = benchCluster(index);
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromOptions({ clusters: base.clusters, users: base.users, contexts: base.contexts, currentContext: name });
      return {
        name,
        cloud: ['aws', 'gcp', 'azure'][index % 3]!,
        workloads: Array.from({ length: workloads }, (_, workload) => ({
          name: `w${workload}`,
          rollout: { name: benchRollout(workload), namespace: BENCH_NAMESPACE },
          application: `trinity-w${workload}-${name}`,
          releaseVariable: 'MANDELBROT_RELEASE',
        })),
        watch: (onChange: () => void) => new ClusterWatch({ kubeConfig, namespaces: [BENCH_NAMESPACE], onChange }),
      };
    }),
  });
  const server = new DashboardServer({ monitor, log: (line) => process.stderr.write(`${line}\n`) });
  monitor.start();
  const url = await server.start();
  process.stdout.write(`${url}\n`);
  process.once('SIGTERM', () => {
    void Promise.all([server.stop(), monitor.stop()]).then(() => process.exit(0));
  });
}

const [kubeconfig, clusters, workloads] = process.argv.slice(2);
if (kubeconfig !== undefined && process.argv[1]?.endsWith('bench/dashboard-fleet.ts')) {
  void main(kubeconfig, Number(clusters), Number(workloads));
}
