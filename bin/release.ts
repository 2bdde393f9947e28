/**
 * Cuts a release: sets a workload's release (Mandelbrot's MANDELBROT_RELEASE), re-synthesizes
 * dist/, and says which clusters will start a canary when Argo CD syncs the result.
 *
 *   npm run release -- <name> [--cluster <name>] [--workload <name>]
 *
 * Without --cluster it sets the platform default (platform.yaml, workloads.<workload>.release);
 * with it, that cluster's overlay (the same field). Exit codes: 0 done; 1 synth failed (the YAML file is put
 * back) or the configuration is invalid; 2 bad input, nothing changed.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { x } from 'tinyexec';
import { releaseNameProblem } from '../lib/config/fields.js';
import type { PlatformSettings } from '../lib/config/platform-settings.js';
import { loadProjectConfig, type ProjectCluster } from '../lib/config/project-config.js';
import { readManifestTreeFromDirectory } from '../lib/diff/git-manifest-tree.js';
import { CommandFailedError, endCommand, UsageError } from '../lib/cli/command-line-errors.js';
import { type ReleaseField, releasePath, rolloutChanges, setReleaseField } from '../lib/operator/release-marker.js';
import { rolloutWorkloads, selectRolloutWorkload } from '../lib/operator/rollout-workloads.js';
import { writeFileAtomically } from '../lib/util/write-file-atomically.js';
import { entryPointCommand } from '../lib/util/entry-point.js';

interface Options {
  readonly cluster?: string;
  readonly workload?: string;
  readonly overlays: string;
  readonly platform: string;
  readonly outdir: string;
}

function parseCommandLine(argv: readonly string[]): { release: string; options: Options } {
  const program = new Command('release')
    .description(
      "Set a workload's release for every cluster (or one), re-synthesize dist/, and list the clusters that will start a canary.",
    )
    .argument('<name>', 'the release name /api/meta reports: printable, on one line')
    .option('--cluster <name>', "set this cluster's own release (its overlay) instead of the platform default")
    .option('--workload <name>', 'the workload to release (default: the only workload that runs a Rollout)')
    .option('--overlays <dir>', 'the cluster overlays', 'overlays')
    .option('--platform <file>', 'the platform settings', 'platform.yaml')
    .option('--outdir <dir>', 'the synthesized tree', 'dist')
    .exitOverride();
  program.parse(argv, { from: 'user' });
  return { release: program.processedArgs[0] as string, options: program.opts<Options>() };
}

async function synthesize(options: Options): Promise<void> {
  const synth = entryPointCommand(process.cwd(), 'main.ts', [
    '--outdir',
    options.outdir,
    '--overlays',
    options.overlays,
    '--platform',
    options.platform,
  ]);
  const result = await x(synth.command, synth.args, {
    throwOnError: false,
  });
  if (result.exitCode !== 0)
    throw new CommandFailedError(`synth failed, so the release was not changed:\n${(result.stderr || result.stdout).trim()}`);
}

/** The release every cluster without its own runs. */
function platformRelease(platform: PlatformSettings, workload: string): string | undefined {
  return (platform.workloads[workload] as { release?: string } | undefined)?.release;
}

async function main(): Promise<void> {
  const { release, options } = parseCommandLine(process.argv.slice(2));
  const problem = releaseNameProblem(release);
  if (problem) throw new UsageError(`release name ${JSON.stringify(release)}: ${problem}`);

  // Every file is validated before anything changes: a release never starts from a bad configuration.
  const { platform, clusters, workloads } = loadProjectConfig({
    platformFile: resolve(options.platform),
    overlaysDirectory: resolve(options.overlays),
    display: { platformFile: options.platform, overlaysDirectory: options.overlays },
  });
  const workload = selectRolloutWorkload(workloads, options.workload).name;
  const path = releasePath(workload);
  const ownRelease = (cluster: ProjectCluster) => (cluster.workloads[workload] as { release?: string } | undefined)?.release;
  let field: ReleaseField;
  if (options.cluster === undefined) {
    field = { file: options.platform, path };
  } else {
    const cluster = clusters.find((candidate) => candidate.name === options.cluster);
    if (!cluster)
      throw new UsageError(
        `--cluster "${options.cluster}" is not a cluster; expected one of ${clusters.map((candidate) => candidate.name).join(', ')} (from ${options.overlays}/)`,
      );
    field = { file: cluster.file, path };
  }

  const file = resolve(field.file);
  const original = readFileSync(file, 'utf8');
  const { text, previous } = setReleaseField(original, field, release);
  const before = readManifestTreeFromDirectory(resolve(options.outdir));
  writeFileAtomically(file, text);
  try {
    await synthesize(options);
  } catch (error) {
    writeFileAtomically(file, original);
    throw error;
  }

  const where = `${field.file}, ${field.path.join('.')}`;
  console.log(
    previous === release
      ? `${workload} release is already "${release}" (${where}); ${options.outdir}/ re-synthesized`
      : `${workload} release ${previous === undefined ? `(${platformRelease(platform, workload)}, the platform default)` : `"${previous}"`} → "${release}" (${where}); ${options.outdir}/ re-synthesized`,
  );
  if (options.cluster === undefined) {
    for (const cluster of clusters.filter((candidate) => ownRelease(candidate) !== undefined)) {
      console.log(`${cluster.name} keeps its own release "${ownRelease(cluster)}" (${cluster.file})`);
    }
  }

  const changes = rolloutChanges(before, readManifestTreeFromDirectory(resolve(options.outdir)));
  const canaries = [...new Set(changes.filter((change) => change.kind === 'canary-started').map((change) => change.cluster))];
  console.log('');
  console.log(
    canaries.length === 0
      ? 'No cluster starts a canary: no pod template changed.'
      : `Clusters that will start a canary when synced: ${canaries.join(', ')}`,
  );
  for (const change of changes) console.log(`  ${change.cluster}: ${change.message}`);
  if (changes.length > 0) {
    const changed = [field.file, `${options.outdir}/`].join(' and ');
    console.log('');
    console.log(
      `Next: commit ${changed}, merge, then run the Mandelbrot Rollout workflow: sync, inspect the paused canary (status), promote.`,
    );
    console.log(
      `From a shell with the kube contexts: npm run rollout -- sync --cluster ${canaries.length === 1 ? canaries[0] : 'all'}${rolloutWorkloads(workloads).length > 1 ? ` --workload ${workload}` : ''}`,
    );
  }
}

endCommand(main(), (code) => (process.exitCode = code), console.error);
