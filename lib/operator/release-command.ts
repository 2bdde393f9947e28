/**
 * Cuts a release: sets a workload's release (Mandelbrot's MANDELBROT_RELEASE), re-synthesizes
 * dist/, and says which clusters will start a canary when Argo CD syncs the result. `bin/release.ts`
 * runs it in a process; tests run it in process with their own {@link OperatorIO}.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import type { CommandIO } from '../cli/command-io.js';
import { exitCodeOf } from '../cli/command-line-errors.js';
import { releaseNameProblem } from '../core/fields.js';
import type { PlatformSettings } from '../config/platform-settings.js';
import { loadProjectConfig, type ProjectCluster } from '../config/project-config.js';
import { readManifestTreeFromDirectory } from '../diff/git-manifest-tree.js';
import { entryPointCommand } from '../util/entry-point.js';
import { writeFileAtomically } from '../util/write-file-atomically.js';
import { type OperatorIO, readsProject, runIn } from './operator-io.js';
import { type ReleaseField, releasePath, rolloutChanges, setReleaseField } from './release-marker.js';
import { type ReleasedWorkload, rolloutWorkloads, selectReleasedWorkload } from './rollout-workloads.js';
import { CommandFailedError, UsageError } from '../core/errors.js';
import { durationOption } from './duration.js';
import { GitTrainRepository } from './git-train-repository.js';
import { KubectlClient } from './kubectl-client.js';
import { KubectlTrainClusters } from './kubectl-train-clusters.js';
import { ReleaseTrain } from './release-train.js';

/** What the command line asks for. */
export interface ReleaseRequest {
  /** The release name, checked: printable, on one line. */
  readonly release: string;
  readonly cluster?: string;
  readonly workload?: string;
  readonly overlays: string;
  readonly platform: string;
  readonly outdir: string;
  /** Move the release through platform.yaml's `releaseTrain`, one cluster at a time. */
  readonly train: boolean;
  /** Continue a train from Git's state. */
  readonly resume: boolean;
  /** The train's waits: each one's deadline, and the time between two looks. */
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
  readonly kubectl: string;
  /** The remote the train pushes each commit to. */
  readonly remote: string;
}

interface ReleaseOptions {
  readonly cluster?: string;
  readonly workload?: string;
  readonly overlays: string;
  readonly platform: string;
  readonly outdir: string;
  readonly train?: boolean;
  readonly resume?: boolean;
  readonly timeout: string;
  readonly pollInterval: string;
  readonly kubectl: string;
  readonly remote: string;
}

/**
 * Reads the command line. commander prints its own errors (and `--help`) through `output`.
 *
 * @throws CommanderError for what commander refuses, UsageError for a bad release name
 */
export function parseReleaseCommandLine(argv: readonly string[], output: Pick<CommandIO, 'stdout' | 'stderr'>): ReleaseRequest {
  const program = readsProject(
    new Command('release')
      .description(
        "Set a workload's release for every cluster (or one), re-synthesize dist/, and list the clusters that will start a canary; with --train, move it through platform.yaml's releaseTrain one cluster at a time.",
      )
      .argument('<name>', 'the release name /api/meta reports: printable, on one line')
      .option(
        '--cluster <name>',
        "set this cluster's own release (its overlay) instead of the platform default; with --train, run this cluster's stop only",
      )
      .option('--workload <name>', 'the workload to release (default: the only workload that has a release marker)')
      .option('--outdir <dir>', 'the synthesized tree', 'dist')
      .option(
        '--train',
        "move the release through platform.yaml's releaseTrain: commit and push it for one cluster, wait until that cluster is Healthy with it, then the next",
      )
      .option('--resume', 'with --train: continue a stopped train from the clusters that carry the release in Git')
      .option('--timeout <duration>', 'with --train: deadline of each wait, such as 30s, 10m or 1h', '30m')
      .option('--poll-interval <duration>', 'with --train: time between two looks while waiting', '5s')
      .option('--kubectl <path>', 'with --train: the kubectl executable', 'kubectl')
      .option('--remote <name>', "with --train: the Git remote to push each commit to, on platform.yaml's repository.revision", 'origin'),
    output,
  );
  program.parse(argv, { from: 'user' });
  const release = program.processedArgs[0] as string;
  const problem = releaseNameProblem(release);
  if (problem) throw new UsageError(`release name ${JSON.stringify(release)}: ${problem}`);
  const options = program.opts<ReleaseOptions>();
  const train = options.train ?? false;
  const resume = options.resume ?? false;
  if (resume && !train) throw new UsageError('--resume continues a release train; it needs --train');
  const timeoutMs = durationOption('--timeout', options.timeout);
  const pollIntervalMs = durationOption('--poll-interval', options.pollInterval);
  return {
    release,
    cluster: options.cluster,
    workload: options.workload,
    overlays: options.overlays,
    platform: options.platform,
    outdir: options.outdir,
    train,
    resume,
    timeoutMs,
    pollIntervalMs,
    kubectl: options.kubectl,
    remote: options.remote,
  };
}

/** `npm run synth` in the command's folder, as a process: the synth owns its output folder and lock. */
async function synthesize(request: ReleaseRequest, io: OperatorIO): Promise<void> {
  const synth = entryPointCommand(io.cwd, 'main.ts', [
    '--outdir',
    request.outdir,
    '--overlays',
    request.overlays,
    '--platform',
    request.platform,
  ]);
  const result = await runIn(io)(synth.command, synth.args, {});
  if (result.exitCode !== 0)
    throw new CommandFailedError(`synth failed, so the release was not changed:\n${(result.stderr || result.stdout).trim()}`);
}

/** The project as the train reads it. */
interface TrainProject {
  readonly platform: PlatformSettings;
  readonly clusters: readonly ProjectCluster[];
  readonly released: ReleasedWorkload;
  /** The release a cluster runs by Git: its overlay's, else the platform default. */
  readonly ownRelease: (cluster: ProjectCluster) => string | undefined;
}

/** `--train`: the release through platform.yaml's releaseTrain, one cluster at a time (lib/operator/release-train.ts). */
async function runTrain(request: ReleaseRequest, io: OperatorIO, project: TrainProject): Promise<void> {
  const print = (line: string) => io.stdout.write(`${line}\n`);
  const { platform, clusters, released } = project;
  if (platform.releaseTrain === undefined)
    throw new UsageError(`--train: ${request.platform} has no releaseTrain; expected one such as releaseTrain: [aws, gcp, azure]`);
  const rolloutWorkload = rolloutWorkloads([released])[0];
  if (rolloutWorkload === undefined) throw new UsageError(`--train: workload ${released.name} runs no Rollout to wait for`);
  const byName = new Map(clusters.map((cluster) => [cluster.name, cluster]));
  const stops = platform.releaseTrain.map((name) => byName.get(name)!);
  const pinned = new Set(stops.filter((cluster) => project.ownRelease(cluster) === request.release).map((cluster) => cluster.name));
  const repository = new GitTrainRepository({
    cwd: io.cwd,
    run: runIn(io),
    workload: released.name,
    release: request.release,
    releaseField: (cluster) => ({ file: byName.get(cluster.name)!.file, path: releasePath(released) }),
    outdir: request.outdir,
    synthesize: () => synthesize(request, io),
    remote: request.remote,
    branch: platform.repository.revision,
  });
  await repository.assertClean([request.overlays, request.platform, request.outdir]);
  const kubectl = new KubectlClient({ executable: request.kubectl, commandTimeoutMs: request.timeoutMs, run: runIn(io) });
  const train = new ReleaseTrain({
    release: request.release,
    stops,
    pinned,
    repository,
    clusters: new KubectlTrainClusters(kubectl, rolloutWorkload),
    timeoutMs: request.timeoutMs,
    pollIntervalMs: request.pollIntervalMs,
    log: print,
  });
  print(
    `release train of ${released.name} "${request.release}": ${stops.map((stop) => `${stop.name}${pinned.has(stop.name) ? ' (in Git)' : ''}`).join(' → ')}${request.cluster === undefined ? '' : `; this run: ${request.cluster}`}`,
  );
  const timings = await train.run({ resume: request.resume, only: request.cluster });
  const total = timings.reduce((sum, timing) => sum + timing.ms, 0);
  print(
    `release train done: ${timings.map((timing) => `${timing.cluster} ${(timing.ms / 1000).toFixed(1)}s`).join(', ')}; ${(total / 1000).toFixed(1)}s in all`,
  );
}

/** The release every cluster without its own runs. */
function platformRelease(platform: PlatformSettings, workload: ReleasedWorkload): string | undefined {
  return (platform.workloads[workload.name] as Record<string, string | undefined> | undefined)?.[workload.releaseField];
}

/**
 * Runs `npm run release -- <argv>` with `io`. Resolves with the exit code: 0 done; 1 synth
 * failed (the YAML file is put back) or the configuration is invalid; 2 bad input, nothing changed.
 */
export function releaseCommand(argv: readonly string[], io: OperatorIO): Promise<number> {
  return exitCodeOf(release(argv, io), (line) => io.stderr.write(`${line}\n`));
}

async function release(argv: readonly string[], io: OperatorIO): Promise<void> {
  const print = (line: string) => io.stdout.write(`${line}\n`);
  const inFolder = (path: string) => resolve(io.cwd, path);
  const request = parseReleaseCommandLine(argv, io);
  const { release } = request;

  // Every file is validated before anything changes: a release never starts from a bad configuration.
  const { platform, clusters, workloads } = loadProjectConfig({
    platformFile: inFolder(request.platform),
    overlaysDirectory: inFolder(request.overlays),
    display: { platformFile: request.platform, overlaysDirectory: request.overlays },
    workloads: io.workloads,
  });
  const released = selectReleasedWorkload(workloads, request.workload);
  const workload = released.name;
  const path = releasePath(released);
  const ownRelease = (cluster: ProjectCluster) =>
    (cluster.workloads[workload] as Record<string, string | undefined> | undefined)?.[released.releaseField];
  if (request.train) {
    await runTrain(request, io, {
      platform,
      clusters,
      released,
      ownRelease: (cluster) => ownRelease(cluster) ?? platformRelease(platform, released),
    });
    return;
  }
  let field: ReleaseField;
  if (request.cluster === undefined) {
    field = { file: request.platform, path };
  } else {
    const cluster = clusters.find((candidate) => candidate.name === request.cluster);
    if (!cluster)
      throw new UsageError(
        `--cluster "${request.cluster}" is not a cluster; expected one of ${clusters.map((candidate) => candidate.name).join(', ')} (from ${request.overlays}/)`,
      );
    field = { file: cluster.file, path };
  }

  const file = inFolder(field.file);
  const original = readFileSync(file, 'utf8');
  const { text, previous } = setReleaseField(original, field, release);
  const before = readManifestTreeFromDirectory(inFolder(request.outdir));
  writeFileAtomically(file, text);
  try {
    await synthesize(request, io);
  } catch (error) {
    writeFileAtomically(file, original);
    throw error;
  }

  const where = `${field.file}, ${field.path.join('.')}`;
  print(
    previous === release
      ? `${workload} release is already "${release}" (${where}); ${request.outdir}/ re-synthesized`
      : `${workload} release ${previous === undefined ? `(${platformRelease(platform, released)}, the platform default)` : `"${previous}"`} → "${release}" (${where}); ${request.outdir}/ re-synthesized`,
  );
  if (request.cluster === undefined) {
    for (const cluster of clusters.filter((candidate) => ownRelease(candidate) !== undefined)) {
      print(`${cluster.name} keeps its own release "${ownRelease(cluster)}" (${cluster.file})`);
    }
  }

  const changes = rolloutChanges(before, readManifestTreeFromDirectory(inFolder(request.outdir)));
  const canaries = [...new Set(changes.filter((change) => change.kind === 'canary-started').map((change) => change.cluster))];
  print('');
  print(
    canaries.length === 0
      ? 'No cluster starts a canary: no pod template changed.'
      : `Clusters that will start a canary when synced: ${canaries.join(', ')}`,
  );
  for (const change of changes) print(`  ${change.cluster}: ${change.message}`);
  if (changes.length > 0) {
    const changed = [field.file, `${request.outdir}/`].join(' and ');
    print('');
    print(`Next: commit ${changed}, merge, then run the rollout workflow: sync, inspect the paused canary (status), promote.`);
    print(
      `From a shell with the kube contexts: npm run rollout -- sync --cluster ${canaries.length === 1 ? canaries[0] : 'all'}${rolloutWorkloads(workloads).length > 1 ? ` --workload ${workload}` : ''}`,
    );
  }
}
