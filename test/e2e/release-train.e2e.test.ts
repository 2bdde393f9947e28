/**
 * The multi-cluster drill and the release train: three throwaway control planes, each with its own
 * API server, its own Argo CD (application controller, repo-server, Redis) and its own Argo Rollouts
 * controller, each reconciling its own dist/<cluster> from one Git repository served on 127.0.0.1.
 * All three run on KWOK nodes (simulated pods): the real node is one per machine, and three
 * Argo CDs beside it do not fit two cores. Every `--cluster all` operation runs against them, one
 * cluster made unreachable mid-operation; then `npm run release -- <name> --train` moves releases
 * through aws → gcp → azure while the drill promotes (or aborts) each canary as an operator would.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { rootApplicationName, workloadApplicationName } from '../../lib/core/application-names.js';
import type { CliResult } from '../operator/stand-in-kubectl.js';
import { type ArgoCd, startArgoCd } from './support/argocd.js';
import { type DrillCluster, peakMemoryMiB, startDrillCluster } from './support/drill-cluster.js';
import { DrillProject } from './support/drill-project.js';
import { drillSteps } from './support/drill-steps.js';
import { type GitOpsSources, pointPlatformAt, startGitOpsSources } from './support/gitops-sources.js';
import { currentClusterAccess, writeFleetKubeconfig, type ClusterAccess } from './support/kubeconfig.js';
import { LiveApplications, syncAndHealth } from './support/live-application.js';
import { LiveRollout, type RolloutSnapshot } from './support/live-rollout.js';
import { sharedDir } from './support/shared-inputs.js';
import { StandIns } from './support/stand-ins.js';
import { ensureToolchain } from './support/toolchain.js';
import { waitFor } from './support/wait.js';
import { releaseOfRollout, summarizeRollout } from '../../lib/operator/rollout-summary.js';

const TRAIN = ['aws', 'gcp', 'azure'] as const;
type Cluster = (typeof TRAIN)[number];
const NAMESPACE = 'mandelbrot';
const ROLLOUT = 'mandelbrot';
const RELEASE_VARIABLE = 'MANDELBROT_RELEASE';
const STEP_TIMEOUT_MS = 8 * 60_000;
const SETUP_TIMEOUT_MS = 80 * 60_000;

const log = (line: string) => process.stderr.write(`e2e train ${new Date().toISOString().slice(11, 19)} ${line}\n`);

interface FleetMember {
  readonly name: Cluster;
  readonly cluster: DrillCluster;
  readonly argocd: ArgoCd;
  readonly apps: LiveApplications;
  readonly standIns: StandIns;
  readonly live: LiveRollout;
}

/** Every cluster started, in train order, whatever happens after: each is stopped at the end. */
const clusters: { name: Cluster; cluster: DrillCluster }[] = [];
const fleet: FleetMember[] = [];
let sources: GitOpsSources | undefined;
let project: DrillProject;
let fleetKubeconfig: string;
let accesses: Record<string, ClusterAccess>;
const figures: Record<string, number> = {};
const startedAt = Date.now();

const member = (name: Cluster) => fleet.find((candidate) => candidate.name === name)!;

beforeAll(async () => {
  const chartDir = join(sharedDir(), 'charts', 'argo-rollouts-2.40.9');
  const helm = await ensureToolchain({ components: ['helm'], log });
  const argo = await ensureToolchain({ components: ['argo-cd'], log });
  for (const name of TRAIN) {
    log(`starting cluster ${name} (KWOK)`);
    clusters.push({
      name,
      cluster: await startDrillCluster({ contexts: [name], node: 'kwok', namespaces: [NAMESPACE], installRollouts: false, log }),
    });
  }
  const first = clusters[0]!.cluster;
  accesses = Object.fromEntries(
    clusters.map(({ name, cluster }) => [name, currentClusterAccess(readFileSync(cluster.kubeconfig, 'utf8'), cluster.kubeconfig)]),
  );
  fleetKubeconfig = writeFleetKubeconfig(join(first.runDir, 'fleet.kubeconfig'), accesses);
  project = DrillProject.create(
    { PATH: `${first.pathDir}:${process.env.PATH}`, KUBECONFIG: fleetKubeconfig },
    join(first.runDir, 'bundle-cache'),
  );
  log(`project copy: ${project.root}`);
  sources = await startGitOpsSources({ dir: join(first.runDir, 'sources'), gitWorkTree: project.root, chartDir, helm: helm.helm });
  pointPlatformAt(project.root, sources);
  await project.synth();
  project.commit('Argo CD pulls from the repositories on 127.0.0.1');
  // The train pushes each commit: a bare repository stands in for the remote; Argo CD reads the copy's own.
  project.git('init', '--quiet', '--bare', '--initial-branch=main', join(first.runDir, 'origin.git'));
  project.git('remote', 'add', 'origin', join(first.runDir, 'origin.git'));
  project.git('push', '--quiet', 'origin', 'main');

  for (const { name, cluster } of clusters) {
    const argocd = await startArgoCd({
      supervisor: cluster.supervisor,
      kubeconfig: cluster.kubeconfig,
      kubectl: cluster.kubectl,
      binaries: { applicationController: argo['argocd-application-controller'], repoServer: argo['argocd-repo-server'] },
      helmDir: helm.binDir,
      repositoryCertificate: sources.certificate,
      log: (line) => log(`[${name}] ${line}`),
    });
    fleet.push({
      name,
      cluster,
      argocd,
      apps: new LiveApplications(cluster.api, cluster.kubectl),
      standIns: new StandIns(cluster, { namespace: NAMESPACE, service: ROLLOUT, loadBalancerHostname: `${ROLLOUT}.${name}.lb.invalid` }),
      live: new LiveRollout(cluster.api, NAMESPACE, ROLLOUT),
    });
  }
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  figures.argoCdPeakMiB = peakMemoryMiB(fleet.flatMap(({ argocd }) => [argocd.applicationController, argocd.repoServer, argocd.redis]));
  figures.drillSeconds = (Date.now() - startedAt) / 1000;
  await sources?.close();
  const runDir = clusters[0]?.cluster.runDir;
  if (runDir) {
    writeFileSync(join(runDir, 'train-figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
    if (process.env.E2E_TRAIN_FIGURES_FILE) writeFileSync(process.env.E2E_TRAIN_FIGURES_FILE, `${JSON.stringify(figures, null, 2)}\n`);
  }
  // Last started, first stopped: each cluster's look at the host before it started saw the earlier ones.
  const left: string[] = [];
  for (const { name, cluster } of [...clusters].reverse()) {
    left.push(...(await cluster.stop()).map((line) => `${name}: ${line}`));
    log(`stopped ${name}; logs in ${cluster.runDir}`);
  }
  expect(left).toEqual([]);
  if (!steps.failed()) project?.cleanup();
}, 120_000);

const steps = drillSteps(() => clusters[0]?.cluster, STEP_TIMEOUT_MS);
const drillStep = steps.step;

/** What the drill reads of one cluster's Rollout: its phase, whether it waits for a person, and the release its template names. */
interface Seen {
  readonly release?: string;
  readonly status: string;
  readonly pausedAtPauseStep: boolean;
}

async function look(name: Cluster): Promise<Seen> {
  const snapshot: RolloutSnapshot = await member(name).live.snapshot();
  const summary = summarizeRollout(snapshot.rollout);
  return {
    release: releaseOfRollout(snapshot.rollout, RELEASE_VARIABLE),
    status: summary.status,
    pausedAtPauseStep: summary.pausedAtPauseStep,
  };
}

/** `npm run rollout -- <operation> --cluster <cluster>` against the three clusters. */
function rollout(operation: string, cluster: string, ...flags: string[]): Promise<CliResult> {
  return project.rollout(operation, cluster, ...flags);
}

/** `npm run release -- <args>` with the train's waits kept short. */
function train(...args: string[]): Promise<CliResult> {
  return project.run('bin/release.ts', [...args, '--timeout', '3m', '--poll-interval', '500ms']);
}

/** The drill's operator: promotes (or aborts) every canary of `release` that waits at its pause step, recording what it saw. */
class Operator {
  public readonly events: string[] = [];
  public readonly pausedAt = new Map<Cluster, number>();
  public readonly healthyAt = new Map<Cluster, number>();
  private stopped = false;
  private loop?: Promise<void>;

  constructor(
    private readonly release: string,
    private readonly abortOn?: Cluster,
  ) {}

  public start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        await this.observe(true);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    })();
  }

  /** Stops acting, then looks once more: the train may have seen the last cluster Healthy before this loop did. */
  public async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.observe(false);
  }

  /** Records what each cluster shows of the release; with `act`, promotes (or aborts) a paused canary. */
  private async observe(act: boolean): Promise<void> {
    for (const name of TRAIN) {
      const seen = await look(name).catch(() => undefined);
      if (seen === undefined || seen.release !== this.release) continue;
      if (!this.pausedAt.has(name) && seen.status !== 'Healthy') {
        this.pausedAt.set(name, Date.now());
        this.events.push(`${name} canary`);
      }
      if (seen.status === 'Healthy' && !this.healthyAt.has(name)) {
        this.healthyAt.set(name, Date.now());
        this.events.push(`${name} Healthy`);
      }
      if (act && seen.pausedAtPauseStep) {
        const operation = name === this.abortOn ? 'abort' : 'promote';
        this.events.push(`${operation} ${name}`);
        await rollout(operation, name);
      }
    }
  }
}

/** The release Git sets for `cluster` in the copy: its overlay's, else the platform's. */
function gitRelease(cluster: Cluster): string {
  const overlay = parse(readFileSync(join(project.root, 'overlays', `${cluster}.yaml`), 'utf8'));
  const platform = parse(readFileSync(join(project.root, 'platform.yaml'), 'utf8'));
  return overlay.workloads?.mandelbrot?.release ?? platform.workloads.mandelbrot.release;
}

drillStep("1. bootstrap: each cluster's Argo CD syncs its own dist/<cluster> from Git, its Rollout Healthy", async () => {
  const started = Date.now();
  await Promise.all(
    fleet.map(async ({ name, cluster, apps, standIns }) => {
      await cluster.kubectl(['apply', '-f', join(project.root, 'dist', 'bootstrap', `application-trinity-dev-${name}-root.yaml`)]);
      await waitFor(
        `1. bootstrap ${name}`,
        `${workloadApplicationName('mandelbrot', name)} Synced and its Rollout Healthy`,
        async () => {
          await standIns.run();
          const app = await apps.get(workloadApplicationName('mandelbrot', name));
          if (app?.status?.sync?.status !== 'Synced') {
            if (app && app.metadata.annotations?.['argocd.argoproj.io/refresh'] === undefined) void apps.refresh(app.metadata.name);
            return { done: false, seen: `${name}: ${syncAndHealth(app)}` };
          }
          const seen = await look(name).catch((error: Error) => ({ status: error.message, release: undefined, pausedAtPauseStep: false }));
          return { done: seen.status === 'Healthy', seen: `${name}: ${syncAndHealth(app)}, Rollout ${seen.status}` };
        },
        { timeoutMs: 300_000, intervalMs: 500 },
      );
    }),
  );
  figures.bootstrapSeconds = (Date.now() - started) / 1000;
  // Three API servers: each cluster's Rollout lives on its own, and the Applications differ by name.
  const servers = new Set(Object.values(accesses).map((access) => String(access.cluster.server)));
  expect(servers.size).toBe(3);
  const roots = await Promise.all(fleet.map(({ name, apps }) => apps.get(rootApplicationName('dev', name))));
  expect(roots.map((root) => root?.metadata.name)).toEqual(TRAIN.map((name) => rootApplicationName('dev', name)));
});

drillStep('2. --cluster all: status, sync, promote, abort, undo and restart reach three API servers', async () => {
  const status = await rollout('status', 'all');
  expect(status.code).toBe(0);
  for (const name of TRAIN) expect(status.stdout).toMatch(new RegExp(`^${name}\\s+${name}\\s+Healthy\\s`, 'm'));
  expect(status.stdout).toContain('release train aws → gcp → azure: "continuous"');

  // A release for every cluster at once, the old way: sync all pauses three canaries, promote all ends them.
  await project.release('fleet-wide');
  for (const operation of ['sync', 'promote']) {
    const result = await rollout(operation, 'all');
    expect(result.code).toBe(0);
  }
  for (const name of TRAIN) expect(await look(name)).toMatchObject({ release: 'fleet-wide', status: 'Healthy' });

  await project.release('to-abort');
  expect((await rollout('sync', 'all')).code).toBe(0);
  const abort = await rollout('abort', 'all');
  expect(abort.code).toBe(0);
  for (const name of TRAIN) expect((await look(name)).status).toBe('Degraded');
  project.revertLastCommit();
  expect((await rollout('sync', 'all')).code).toBe(0);
  for (const name of TRAIN) expect(await look(name)).toMatchObject({ release: 'fleet-wide', status: 'Healthy' });

  expect((await rollout('restart', 'all')).code).toBe(0);
  const undo = await rollout('undo', 'all');
  expect(undo.code).toBe(0);
  expect(undo.stdout).toContain('note for azure: undo changed the live Rollout only');
  // Self-heal puts Git's revision back on every cluster.
  expect((await rollout('sync', 'all')).code).toBe(0);
});

drillStep('3. one cluster unreachable mid-operation: the others finish, and it is named', async () => {
  const closedPort = 'https://127.0.0.1:9';
  const before = (await member('azure').live.snapshot()).rollout.spec?.restartAt;
  const restart = rollout('restart', 'all');
  // Once the restart reached azure, its API server stops answering the operation.
  await waitFor(
    '3. unreachable',
    'the restart to reach azure',
    async () => {
      const restartAt = (await member('azure').live.snapshot()).rollout.spec?.restartAt;
      return { done: restartAt !== before, seen: `restartAt ${restartAt ?? 'unset'}` };
    },
    { timeoutMs: 120_000, intervalMs: 100 },
  );
  writeFleetKubeconfig(fleetKubeconfig, {
    ...accesses,
    azure: { ...accesses.azure!, cluster: { ...accesses.azure!.cluster, server: closedPort } },
  });
  const result = await restart;
  writeFleetKubeconfig(fleetKubeconfig, accesses);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^azure failed: /m);
  expect(result.stderr).toContain('restart failed on 1 of 3 clusters');
  expect(result.stderr).not.toMatch(/^(aws|gcp) failed/m);
  expect(result.stdout).toMatch(/^aws\s+aws\s+Healthy\s/m);
  expect(result.stdout).toMatch(/^gcp\s+gcp\s+Healthy\s/m);
});

drillStep('4. the train: a release passes aws → gcp → azure, no cluster starting before the one before is Healthy', async () => {
  const operator = new Operator('train-good');
  operator.start();
  const started = Date.now();
  const result = await train('train-good', '--train').finally(() => operator.stop());
  writeFileSync(join(fleet[0]!.cluster.runDir, 'train-good.txt'), `# exit ${result.code}\n${result.stdout}\n# stderr\n${result.stderr}`);
  expect(result.code).toBe(0);
  figures.trainSeconds = (Date.now() - started) / 1000;
  for (const match of result.stdout.matchAll(/^(aws|gcp|azure): Healthy with "train-good" after ([\d.]+)s$/gm))
    figures[`train${match[1]}Seconds`] = Number(match[2]);
  expect(operator.events.filter((event) => !event.startsWith('promote'))).toEqual([
    'aws canary',
    'aws Healthy',
    'gcp canary',
    'gcp Healthy',
    'azure canary',
    'azure Healthy',
  ]);
  expect(operator.pausedAt.get('gcp')!).toBeGreaterThan(operator.healthyAt.get('aws')!);
  expect(operator.pausedAt.get('azure')!).toBeGreaterThan(operator.healthyAt.get('gcp')!);
  // One ordinary commit per cluster, in train order, each touching that cluster only.
  const subjects = project.git('log', '--format=%s', '-3').trim().split('\n').reverse();
  expect(subjects).toEqual(TRAIN.map((name, index) => `Release mandelbrot "train-good" to ${name} (release train ${index + 1}/3)`));
});

drillStep('5. a bad canary on aws: aws aborts, gcp and azure never receive it, the train names aws; --resume finishes it', async () => {
  const operator = new Operator('train-bad', 'aws');
  operator.start();
  const stopped = await train('train-bad', '--train').finally(() => operator.stop());
  writeFileSync(join(fleet[0]!.cluster.runDir, 'train-bad.txt'), `# exit ${stopped.code}\n${stopped.stdout}\n# stderr\n${stopped.stderr}`);
  expect(stopped.code).toBe(1);
  expect(stopped.stderr).toMatch(/^error: release train stopped at aws: the Rollout is Degraded/m);
  expect(stopped.stderr).toContain('gcp, azure keep its release');
  expect(await look('aws')).toMatchObject({ release: 'train-bad', status: 'Degraded' });
  for (const name of ['gcp', 'azure'] as const) {
    expect((await look(name)).release).toBe('train-good');
    expect(gitRelease(name)).toBe('train-good');
  }
  expect(gitRelease('aws')).toBe('train-bad');

  // The fix is the operator's: this time the canary is promoted. The train reads Git, retries aws and goes on.
  const resumer = new Operator('train-bad');
  resumer.start();
  const started = Date.now();
  const resumed = await train('train-bad', '--train', '--resume').finally(() => resumer.stop());
  writeFileSync(
    join(fleet[0]!.cluster.runDir, 'train-resume.txt'),
    `# exit ${resumed.code}\n${resumed.stdout}\n# stderr\n${resumed.stderr}`,
  );
  expect(resumed.code).toBe(0);
  expect(resumed.stdout).toContain('aws: the canary of "train-bad" was aborted; retrying it');
  figures.resumeSeconds = (Date.now() - started) / 1000;
  for (const name of TRAIN) expect(await look(name)).toMatchObject({ release: 'train-bad', status: 'Healthy' });
});
