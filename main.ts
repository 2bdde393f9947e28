/**
 * Synthesizes the GitOps tree: reads the platform settings and the cluster overlays, builds one
 * ClusterDelivery per cluster, and replaces dist/ and the rollout workflow with the result, all
 * or nothing. Earlier ConfigMaps that stable pods may still mount are read from the output being
 * replaced (or --history). `npm run synth -- --help` lists the options.
 */
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'cdk8s';
import { type Command, type CommandIO, runIfEntryPoint } from './lib/cli/command-io.js';
import { exitCodeOf } from './lib/cli/command-line-errors.js';
import { ClusterDelivery } from './lib/cluster-delivery.js';
import { ConfigError } from './lib/core/config-error.js';
import { loadProjectConfig } from './lib/config/project-config.js';
import { filesFolders, readWorkloadFiles } from './lib/config/workload-files.js';
import { renderRolloutWorkflow, rolloutWorkflowFile } from './lib/workflows/rollout-workflow.js';
import { rolloutWorkloads } from './lib/operator/rollout-workloads.js';
import { readPreviousOutput } from './lib/synth/previous-output.js';
import { compareOutput } from './lib/synth/output-changes.js';
import { distPathProblem, previousOutputProblem } from './lib/synth/output-folder.js';
import { withOutputLock } from './lib/synth/output-lock.js';
import { parseSynthOptions } from './lib/synth/synth-options.js';
import { RenderMemo, yamlRenderMemoFile } from './lib/synth/render-memo.js';
import { renderManifestTree, writeManifestTree } from './lib/synth/write-manifest-tree.js';
import { WORKLOADS } from './lib/workloads/all-workloads.js';
import type { Workload } from './lib/workloads/workload.js';

/** How a synth command runs beyond its arguments. */
interface SynthCommandOptions {
  /**
   * The memo of YAML renderings a run uses (see RenderMemo): one read from a file for each run, as
   * the synth process keeps it, or one that every run of a process shares in memory.
   * @default - every object is rendered anew
   */
  readonly renderMemo?: () => RenderMemo;
}

function synth(
  argv: readonly string[],
  io: CommandIO,
  projectRoot: string,
  registered: readonly Workload[],
  commandOptions: SynthCommandOptions,
): void {
  const started = performance.now();
  const options = parseSynthOptions(argv, io.env, projectRoot, filesFolders(registered), {
    out: (text) => io.stdout.write(text),
    err: (text) => io.stderr.write(text),
  });
  const { platform, clusters, workloads } = loadProjectConfig({
    platformFile: resolve(options.platform),
    overlaysDirectory: resolve(options.overlays),
    display: { platformFile: options.platform, overlaysDirectory: options.overlays },
    workloads: registered,
    workloadFiles: readWorkloadFiles(options.files),
  });
  const outdir = resolve(options.outdir);
  const distPathMismatch = distPathProblem(platform.repository.distPath, outdir, resolve(options.platform), options.platform);
  if (distPathMismatch) throw new ConfigError(distPathMismatch);

  withOutputLock(join(dirname(outdir), `.${basename(outdir)}.lock`), () => {
    const notOutput = previousOutputProblem(
      outdir,
      workloads.map((workload) => workload.name),
    );
    if (notOutput && !options.force) {
      throw new ConfigError(
        `${options.outdirLabel}: ${notOutput}, so it does not look like an earlier output; choose another folder, or pass --force to replace it whole`,
      );
    }
    const memo = commandOptions.renderMemo?.();
    const previousOutput = readPreviousOutput(resolve(options.history), options.history, { memo });

    const app = new App();
    for (const cluster of clusters) {
      new ClusterDelivery(app, cluster.name, {
        cluster: cluster.name,
        environment: platform.environment,
        cloud: cluster.cloud,
        region: cluster.region,
        gitSource: platform.repository,
        rolloutsChart: platform.rolloutsChart,
        trafficRouting: cluster.trafficRouter && { provider: cluster.trafficRouter, chart: platform.traefikChart },
        workloads: cluster.boundWorkloads,
        analysis: cluster.canaryAnalysis,
        previousOutput,
      });
    }
    const files = renderManifestTree(app, { memo });
    const rolloutWorkloadNames = rolloutWorkloads(workloads).map((workload) => workload.name);
    const workflow = renderRolloutWorkflow(
      { clusters, environment: platform.environment, rolloutWorkloads: rolloutWorkloadNames, releaseTrain: platform.releaseTrain },
      { memo },
    );
    const workflowFile = { path: join(resolve(options.workflowsDir), rolloutWorkflowFile(rolloutWorkloadNames)), content: workflow };
    const current = compareOutput(outdir, files, [workflowFile]);
    const warnings: string[] = [];
    // The cdk8s CLI's folder first: it is scratch, and a failure there must not follow a replaced dist/.
    if (options.cdk8sOutdir !== undefined) warnings.push(...writeManifestTree(resolve(options.cdk8sOutdir), files).warnings);
    warnings.push(
      ...writeManifestTree(outdir, files, {
        companions: [workflowFile],
        current,
      }).warnings,
    );
    memo?.save();
    for (const warning of warnings) io.stderr.write(`warning: ${warning}\n`);
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
    io.stdout.write(
      `synth: ${count(clusters.length, 'cluster')}, ${count(files.length, 'object')}, ${count(current.changed, 'file')} changed in ${options.outdir}/ and the rollout workflow, ${seconds} s\n`,
    );
  });
}

/**
 * `npm run synth -- <argv>` in `io.cwd`, for the project at `projectRoot` (no output may be or hold
 * it) and the `registered` workloads: resolves to its exit code. Relative paths resolve against the
 * process's working folder, so a run elsewhere changes it for the run.
 */
export function synthCommand(projectRoot: string, registered: readonly Workload[], options: SynthCommandOptions = {}): Command {
  return (argv, io) => {
    const run = Promise.resolve().then(() => {
      const previous = process.cwd();
      if (io.cwd === previous) return synth(argv, io, projectRoot, registered, options);
      process.chdir(io.cwd);
      try {
        return synth(argv, io, projectRoot, registered, options);
      } finally {
        process.chdir(previous);
      }
    });
    return exitCodeOf(run, (line) => io.stderr.write(`${line}\n`));
  };
}

/** `npm run synth` of this project, run in process. */
export const runSynth = synthCommand(dirname(fileURLToPath(import.meta.url)), WORKLOADS);

// scripts/run.cjs runs this file as process.argv[1].
// As a process it keeps its renderings beside the runner's bundles: most objects of a re-synth are unchanged.
const entryRoot = dirname(process.argv[1] ?? '.');
runIfEntryPoint(
  'main.ts',
  synthCommand(entryRoot, WORKLOADS, {
    renderMemo: () => RenderMemo.load(yamlRenderMemoFile(join(entryRoot, 'node_modules', '.cache', 'trinity-delivery'), entryRoot)),
  }),
  process,
);
