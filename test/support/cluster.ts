import { App } from 'cdk8s';
import { ClusterDelivery, ClusterDeliveryProps } from '../../lib/cluster-delivery.js';
import { defaultPlatformSettings } from '../../lib/config/platform-settings.js';
import { renderManifestTree } from '../../lib/synth/write-manifest-tree.js';
import { parse } from 'yaml';

/** Props for one cluster as main.ts builds them from the defaults, with `overrides` on top. */
export function clusterProps(overrides: Partial<ClusterDeliveryProps> = {}): ClusterDeliveryProps {
  const platform = defaultPlatformSettings();
  return {
    cluster: 'aws',
    environment: platform.environment,
    cloud: 'aws',
    region: 'us-east-1',
    gitSource: platform.repository,
    rolloutsChart: platform.rolloutsChart,
    mandelbrot: {
      image: 'node:22-alpine',
      release: platform.mandelbrot.release,
      stageRoute: platform.mandelbrot.stageRoute,
      sourceFiles: { 'server.js': 'console.log("hello");\n' },
    },
    ...overrides,
  };
}

/** Synthesizes one cluster through the same renderer main.ts uses: path to parsed object. */
export function synthCluster(overrides: Partial<ClusterDeliveryProps> = {}): Map<string, any> {
  const app = new App();
  new ClusterDelivery(app, 'Cluster', clusterProps(overrides));
  return new Map(renderManifestTree(app).map((file) => [file.path, parse(file.content)]));
}
