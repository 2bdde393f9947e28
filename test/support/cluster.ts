import { App } from 'cdk8s';
import { ClusterDelivery, type ClusterDeliveryProps } from '../../lib/cluster-delivery.js';
import { defaultPlatformSettings } from '../../lib/config/platform-settings.js';
import { FIXTURE_REPO_URL, FIXTURE_WORKLOADS } from './fixture-project.js';
import { renderManifestTree } from '../../lib/synth/write-manifest-tree.js';
import { mandelbrot, type MandelbrotSettingsProps } from '../../lib/workloads/mandelbrot/mandelbrot.js';
import type { BoundWorkload } from '../../lib/workloads/workload.js';
import { parseYamlObject } from './yaml.js';

/** The fixture's platform settings: every default, and the fixture's repository. */
const fixturePlatform = () => defaultPlatformSettings(FIXTURE_REPO_URL, FIXTURE_WORKLOADS);

/** Mandelbrot's props as main.ts builds them from the default platform settings and `image: node:22-alpine`. */
export function mandelbrotProps(overrides: Partial<MandelbrotSettingsProps> = {}): MandelbrotSettingsProps {
  const platform = fixturePlatform().workloads.mandelbrot as { release: string; stageRoute: string[] };
  return { image: 'node:22-alpine', release: platform.release, stageRoute: platform.stageRoute, ...overrides };
}

/** Mandelbrot bound as main.ts binds it: {@link mandelbrotProps} with `overrides`, and a one-line server. */
export function boundMandelbrot(overrides: Partial<MandelbrotSettingsProps> = {}): BoundWorkload {
  return { workload: mandelbrot, props: mandelbrotProps(overrides), files: { 'server.js': 'console.log("hello");\n' } };
}

/** Props for one cluster of the fixture, as main.ts builds them, with `overrides` on top. */
export function clusterProps(overrides: Partial<ClusterDeliveryProps> = {}): ClusterDeliveryProps {
  const platform = fixturePlatform();
  return {
    cluster: 'aws',
    environment: platform.environment,
    cloud: 'aws',
    region: 'us-east-1',
    gitSource: platform.repository,
    rolloutsChart: platform.rolloutsChart,
    workloads: [boundMandelbrot()],
    ...overrides,
  };
}

/** Synthesizes one cluster through the same renderer main.ts uses: path to the text main.ts writes. */
export function synthClusterFiles(overrides: Partial<ClusterDeliveryProps> = {}): Map<string, string> {
  const app = new App();
  new ClusterDelivery(app, 'Cluster', clusterProps(overrides));
  return new Map(renderManifestTree(app).map((file) => [file.path, file.content]));
}

/** {@link synthClusterFiles}, each file parsed: path to object. */
export function synthCluster(overrides: Partial<ClusterDeliveryProps> = {}): Map<string, any> {
  return new Map([...synthClusterFiles(overrides)].map(([path, content]) => [path, parseYamlObject(content)]));
}
