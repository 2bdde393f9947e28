/**
 * Synthesizes the GitOps tree: reads the platform settings and the cluster overlays, builds one
 * ClusterDelivery per cluster, and replaces dist/ with the result, all or nothing. A synth into a
 * fresh folder passes `--history dist`, so earlier ConfigMaps that stable pods may still mount
 * are kept; the rollout workflow goes beside the outdir, so a temporary outdir never touches the
 * project's own. `npm run synth -- --help` lists the options.
 */
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { App } from 'cdk8s';
import { ClusterDelivery } from './lib/cluster-delivery.js';
import { loadClusterOverlays } from './lib/config/cluster-overlay.js';
import { ConfigError } from './lib/config/config-error.js';
import { loadPlatformSettings } from './lib/config/platform-settings.js';
import { readServiceSources } from './lib/config/service-sources.js';
import { renderRolloutWorkflow, writeRolloutWorkflow } from './lib/operator/rollout-workflow.js';
import { readPreviousOutput } from './lib/rollout/previous-output.js';
import { renderManifestTree, SynthValidationError, writeManifestTree } from './lib/synth/write-manifest-tree.js';

const USAGE = `usage: npm run synth [-- options]

Synthesizes dist/ (and the rollout workflow) from platform.yaml and overlays/.

  --outdir DIR         the output tree, replaced all at once (default: dist, or $CDK8S_OUTDIR)
  --overlays DIR       one <cluster>.yaml per cluster (default: overlays)
  --platform FILE      platform-wide settings (default: platform.yaml)
  --service DIR        the Mandelbrot service's source (default: services/mandelbrot)
  --history DIR        earlier output whose ConfigMaps stable pods may still mount (default: --outdir)
  --workflows-dir DIR  where the rollout workflow goes (default: .github/workflows beside --outdir)`;

function main(): void {
  const { values } = parseArgs({
    options: {
      outdir: { type: 'string', default: process.env.CDK8S_OUTDIR || 'dist' },
      overlays: { type: 'string', default: 'overlays' },
      platform: { type: 'string', default: 'platform.yaml' },
      service: { type: 'string', default: 'services/mandelbrot' },
      history: { type: 'string' },
      'workflows-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const history = values.history ?? values.outdir;
  const platform = loadPlatformSettings(resolve(values.platform), values.platform);
  const clusters = loadClusterOverlays(resolve(values.overlays), values.overlays);
  const sourceFiles = readServiceSources(resolve(values.service), values.service);
  const previousOutput = readPreviousOutput(resolve(history), history);

  const app = new App();
  for (const cluster of clusters) {
    new ClusterDelivery(app, cluster.name, {
      cluster: cluster.name,
      environment: platform.environment,
      cloud: cluster.cloud,
      region: cluster.region,
      gitSource: platform.repository,
      rolloutsChart: platform.rolloutsChart,
      mandelbrot: {
        image: cluster.image,
        release: cluster.release ?? platform.mandelbrot.release,
        stageRoute: platform.mandelbrot.stageRoute,
        sourceFiles,
        replicas: cluster.replicas,
        imagePullSecrets: cluster.imagePullSecrets,
        stageURLs: cluster.stageURLs,
      },
      previousOutput,
    });
  }
  const workflow = renderRolloutWorkflow({ clusters, environment: platform.environment });
  writeManifestTree(resolve(values.outdir), renderManifestTree(app));
  writeRolloutWorkflow(resolve(values['workflows-dir'] ?? join(dirname(values.outdir), '.github', 'workflows')), workflow);
}

try {
  main();
} catch (error) {
  const { code, syscall } = error as NodeJS.ErrnoException;
  // User errors, and a file or folder that cannot be read or written: one line, no stack trace.
  if (error instanceof ConfigError || error instanceof SynthValidationError || code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || syscall !== undefined) {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  }
  throw error;
}
