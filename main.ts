/**
 * Synthesizes the GitOps tree: reads the platform settings and the cluster overlays, builds one
 * ClusterDelivery per cluster, and replaces dist/ and the rollout workflow with the result, all
 * or nothing. Earlier ConfigMaps that stable pods may still mount are read from the output being
 * replaced (or --history). `npm run synth -- --help` lists the options.
 */
import { basename, dirname, join, resolve } from 'node:path';
import { App } from 'cdk8s';
import { ClusterDelivery } from './lib/cluster-delivery.js';
import { ConfigError } from './lib/config/config-error.js';
import { loadProjectConfig } from './lib/config/project-config.js';
import { readServiceSources } from './lib/config/service-sources.js';
import { renderRolloutWorkflow, ROLLOUT_WORKFLOW_FILE } from './lib/operator/rollout-workflow.js';
import { readPreviousOutput } from './lib/rollout/previous-output.js';
import { previousOutputProblem } from './lib/synth/output-folder.js';
import { withOutputLock } from './lib/synth/output-lock.js';
import { parseSynthOptions, SYNTH_USAGE } from './lib/synth/synth-options.js';
import { renderManifestTree, SynthValidationError, writeManifestTree } from './lib/synth/write-manifest-tree.js';

function main(): void {
  // scripts/run.cjs runs this file as process.argv[1], from the project folder.
  const options = parseSynthOptions(process.argv.slice(2), process.env, dirname(process.argv[1]));
  if (options === undefined) {
    console.log(SYNTH_USAGE);
    return;
  }
  const { platform, clusters } = loadProjectConfig({
    platformFile: resolve(options.platform),
    overlaysDirectory: resolve(options.overlays),
    display: { platformFile: options.platform, overlaysDirectory: options.overlays },
  });
  const sourceFiles = readServiceSources(resolve(options.service), options.service);
  const outdir = resolve(options.outdir);

  withOutputLock(join(dirname(outdir), `.${basename(outdir)}.lock`), () => {
    const notOutput = previousOutputProblem(outdir);
    if (notOutput && !options.force) {
      throw new ConfigError(`${options.outdirLabel}: ${notOutput}, so it does not look like an earlier output; choose another folder, or pass --force to replace it whole`);
    }
    const previousOutput = readPreviousOutput(resolve(options.history), options.history);

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
          stageTokenSecret: cluster.stageTokenSecret,
          analysis: cluster.canaryAnalysis,
        },
        previousOutput,
      });
    }
    const files = renderManifestTree(app);
    const workflow = renderRolloutWorkflow({ clusters, environment: platform.environment });
    const warnings: string[] = [];
    // The cdk8s CLI's folder first: it is scratch, and a failure there must not follow a replaced dist/.
    if (options.cdk8sOutdir !== undefined) warnings.push(...writeManifestTree(resolve(options.cdk8sOutdir), files).warnings);
    warnings.push(...writeManifestTree(outdir, files, { companions: [{ path: join(resolve(options.workflowsDir), ROLLOUT_WORKFLOW_FILE), content: workflow }] }).warnings);
    for (const warning of warnings) console.error(`warning: ${warning}`);
  });
}

try {
  main();
} catch (error) {
  const { syscall } = error as NodeJS.ErrnoException;
  // User errors, and a file or folder that cannot be read or written: one line each, no stack trace.
  if (error instanceof ConfigError) {
    for (const problem of error.problems) console.error(`error: ${problem}`);
    process.exit(1);
  }
  if (error instanceof SynthValidationError || syscall !== undefined) {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  }
  throw error;
}
