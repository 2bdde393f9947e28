/**
 * Cuts a release: sets MANDELBROT_RELEASE, re-synthesizes dist/, and says which clusters will
 * start a canary when Argo CD syncs the result.
 *
 *   npm run release -- <name> [--cluster <name>]
 *
 * Without --cluster it sets the platform default (platform.yaml, mandelbrot.release); with it,
 * that cluster's overlay (`release`). Exit codes: 0 done; 1 synth failed (the YAML file is put
 * back) or the configuration is invalid; 2 bad input, nothing changed.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { x } from 'tinyexec';
import { releaseNameProblem } from '../lib/config/fields.js';
import { loadProjectConfig } from '../lib/config/project-config.js';
import { readManifestTreeFromDirectory } from '../lib/diff/git-manifest-tree.js';
import { CommandFailedError, endCommand, UsageError } from '../lib/command-line-errors.js';
import { OVERLAY_RELEASE_PATH, PLATFORM_RELEASE_PATH, ReleaseField, rolloutChanges, setReleaseField } from '../lib/operator/release-marker.js';
import { writeFileAtomically } from '../lib/operator/write-file-atomically.js';
import { entryPointCommand } from '../lib/util/entry-point.js';

interface Options {
  readonly cluster?: string;
  readonly overlays: string;
  readonly platform: string;
  readonly outdir: string;
}

function parseCommandLine(argv: readonly string[]): { release: string; options: Options } {
  const program = new Command('release')
    .description('Set MANDELBROT_RELEASE for every cluster (or one), re-synthesize dist/, and list the clusters that will start a canary.')
    .argument('<name>', 'the release name /api/meta reports: printable, on one line')
    .option('--cluster <name>', "set this cluster's own release (its overlay) instead of the platform default")
    .option('--overlays <dir>', 'the cluster overlays', 'overlays')
    .option('--platform <file>', 'the platform settings', 'platform.yaml')
    .option('--outdir <dir>', 'the synthesized tree', 'dist')
    .exitOverride();
  program.parse(argv, { from: 'user' });
  return { release: program.processedArgs[0] as string, options: program.opts<Options>() };
}

async function synthesize(options: Options): Promise<void> {
  const synth = entryPointCommand(process.cwd(), 'main.ts', ['--outdir', options.outdir, '--overlays', options.overlays, '--platform', options.platform]);
  const result = await x(synth.command, synth.args, {
    throwOnError: false,
  });
  if (result.exitCode !== 0) throw new CommandFailedError(`synth failed, so the release was not changed:\n${(result.stderr || result.stdout).trim()}`);
}

async function main(): Promise<void> {
  const { release, options } = parseCommandLine(process.argv.slice(2));
  const problem = releaseNameProblem(release);
  if (problem) throw new UsageError(`release name ${JSON.stringify(release)}: ${problem}`);

  // Every file is validated before anything changes: a release never starts from a bad configuration.
  const { platform, clusters } = loadProjectConfig({
    platformFile: resolve(options.platform),
    overlaysDirectory: resolve(options.overlays),
    display: { platformFile: options.platform, overlaysDirectory: options.overlays },
  });
  let field: ReleaseField;
  if (options.cluster === undefined) {
    field = { file: options.platform, path: PLATFORM_RELEASE_PATH };
  } else {
    const cluster = clusters.find((candidate) => candidate.name === options.cluster);
    if (!cluster) throw new UsageError(`--cluster "${options.cluster}" is not a cluster; expected one of ${clusters.map((candidate) => candidate.name).join(', ')} (from ${options.overlays}/)`);
    field = { file: cluster.file, path: OVERLAY_RELEASE_PATH };
  }

  const path = resolve(field.file);
  const original = readFileSync(path, 'utf8');
  const { text, previous } = setReleaseField(original, field, release);
  const before = readManifestTreeFromDirectory(resolve(options.outdir));
  writeFileAtomically(path, text);
  try {
    await synthesize(options);
  } catch (error) {
    writeFileAtomically(path, original);
    throw error;
  }

  const where = `${field.file}, ${field.path.join('.')}`;
  console.log(
    previous === release
      ? `MANDELBROT_RELEASE is already "${release}" (${where}); ${options.outdir}/ re-synthesized`
      : `MANDELBROT_RELEASE ${previous === undefined ? `(${platform.mandelbrot.release}, the platform default)` : `"${previous}"`} → "${release}" (${where}); ${options.outdir}/ re-synthesized`,
  );
  if (options.cluster === undefined) {
    for (const cluster of clusters.filter((candidate) => candidate.release !== undefined)) {
      console.log(`${cluster.name} keeps its own release "${cluster.release}" (${cluster.file})`);
    }
  }

  const changes = rolloutChanges(before, readManifestTreeFromDirectory(resolve(options.outdir)));
  const canaries = [...new Set(changes.filter((change) => change.kind === 'canary-started').map((change) => change.cluster))];
  console.log('');
  console.log(canaries.length === 0 ? 'No cluster starts a canary: no pod template changed.' : `Clusters that will start a canary when synced: ${canaries.join(', ')}`);
  for (const change of changes) console.log(`  ${change.cluster}: ${change.message}`);
  if (changes.length > 0) {
    const changed = [field.file, `${options.outdir}/`].join(' and ');
    console.log('');
    console.log(`Next: commit ${changed}, merge, then run the Mandelbrot Rollout workflow: sync, inspect the paused canary (status), promote.`);
    console.log(`From a shell with the kube contexts: npm run rollout -- sync --cluster ${canaries.length === 1 ? canaries[0] : 'all'}`);
  }
}

endCommand(main(), (code) => (process.exitCode = code), console.error);
