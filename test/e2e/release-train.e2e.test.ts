/**
 * The multi-cluster drill and the release train: three throwaway control planes, each with its own
 * API server, its own Argo CD (application controller, repo-server, Redis) and its own Argo Rollouts
 * controller, each reconciling its own dist/<cluster> from one Git repository served on 127.0.0.1.
 * aws, the train's first cluster, runs on the real node: its Mandelbrot pods really serve, Prometheus
 * scrapes them inside the node, and its canaries are judged by the Rollouts controller's analysis.
 * gcp and azure run on KWOK nodes (simulated pods): the real node is one per machine. Every
 * `--cluster all` operation runs against the three, one cluster made unreachable mid-operation; then
 * `npm run release -- <name> --train` moves releases through aws → gcp → azure: aws's analysis
 * passes or aborts each canary, and the drill promotes gcp's and azure's as an operator would.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { rootApplicationName, workloadApplicationName } from '../../lib/core/application-names.js';
import { latestAnalysisRun } from '../../lib/operator/analysis-run-summary.js';
import type { CliResult } from '../operator/stand-in-kubectl.js';
import { type ArgoCd, startArgoCd } from './support/argocd.js';
import { type DrillCluster, peakMemoryMiB, startDrillCluster } from './support/drill-cluster.js';
import { DrillProject } from './support/drill-project.js';
import { awaitLiveRollout, drillSteps } from './support/drill-steps.js';
import { type GitOpsSources, pointPlatformAt, startGitOpsSources } from './support/gitops-sources.js';
import { currentClusterAccess, writeFleetKubeconfig, type ClusterAccess } from './support/kubeconfig.js';
import { LiveApplications, syncAndHealth } from './support/live-application.js';
import { LiveRollout, replicaSetOf, type RolloutSnapshot } from './support/live-rollout.js';
import { type NodePrometheus, NODE_PROMETHEUS_URL, POD_MONITOR_CRD, startNodePrometheus } from './support/node-prometheus.js';
import { ServiceLoad, SMALL_RENDERS } from './support/service-load.js';
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
/** The cluster on the real node, whose canaries its analysis judges: the train's first. */
const REAL: Cluster = 'aws';
/**
 * aws's analysis in the drill's overlay: a measurement every 5 s, the second failure aborts, and a
 * canary whose analysis still passes after 40 s at its pause goes on to 100% by itself.
 */
const AWS_ANALYSIS = { interval: '5s', failureLimit: 1, autoPromoteAfter: '40s' };
const GOOD_RELEASE = 'train-good';
const BAD_RELEASE = 'train-bad';
/**
 * The bad release's fault: a source change, committed and synthesized, after which the band
 * renderer fails half its bands (a render of 3 bands succeeds 1 time in 8) under that release. One
 * commit brings a source change to every cluster's dist/ (one source ConfigMap for all), while the
 * train moves only the release pin cluster by cluster; so the fault is keyed to the release it
 * ships with, and gcp's and azure's dist/ carry it inert under their own release.
 */
const BAD_CHANGE = {
  file: 'stages.js',
  from: 'if (errorRate > 0 && random() < errorRate) {',
  to: `if (identity.release === '${BAD_RELEASE}' ? random() < 0.5 : errorRate > 0 && random() < errorRate) {`,
};
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
let prometheus: NodePrometheus | undefined;
/** Renders through aws's Service while its canaries are judged: the analysis measures them. */
let load: ServiceLoad | undefined;
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
  // The real node first: each later cluster's look at the host before it starts sees it.
  for (const name of TRAIN) {
    const node = name === REAL ? 'real' : 'kwok';
    log(`starting cluster ${name} (${node === 'real' ? 'the real node' : 'KWOK, simulated pods'})`);
    clusters.push({
      name,
      cluster: await startDrillCluster({ contexts: [name], node, namespaces: [NAMESPACE], installRollouts: false, log }),
    });
  }
  // aws: the cluster on the real node, where the drill keeps its records.
  const real = clusters[0]!.cluster;
  accesses = Object.fromEntries(
    clusters.map(({ name, cluster }) => [name, currentClusterAccess(readFileSync(cluster.kubeconfig, 'utf8'), cluster.kubeconfig)]),
  );
  fleetKubeconfig = writeFleetKubeconfig(join(real.runDir, 'fleet.kubeconfig'), accesses);
  project = DrillProject.create(
    { PATH: `${real.pathDir}:${process.env.PATH}`, KUBECONFIG: fleetKubeconfig },
    join(real.runDir, 'bundle-cache'),
  );
  log(`project copy: ${project.root}`);
  sources = await startGitOpsSources({
    dir: join(real.runDir, 'sources'),
    gitWorkTree: project.root,
    chartDirs: [chartDir],
    helm: helm.helm,
  });
  pointPlatformAt(project.root, sources);
  // aws's canaries are judged by their analysis, against the Prometheus inside the node, with a PodMonitor.
  appendFileSync(
    join(project.root, 'overlays', `${REAL}.yaml`),
    `analysis:\n  prometheus: ${NODE_PROMETHEUS_URL}\n  prometheusOperator: true\n  interval: ${AWS_ANALYSIS.interval}\n  failureLimit: ${AWS_ANALYSIS.failureLimit}\n  autoPromoteAfter: ${AWS_ANALYSIS.autoPromoteAfter}\n`,
  );
  await project.synth();
  project.commit(`Argo CD pulls from the repositories on 127.0.0.1; canary analysis on ${REAL}`);
  // The train pushes each commit: a bare repository stands in for the remote; Argo CD reads the copy's own.
  project.git('init', '--quiet', '--bare', '--initial-branch=main', join(real.runDir, 'origin.git'));
  project.git('remote', 'add', 'origin', join(real.runDir, 'origin.git'));
  project.git('push', '--quiet', 'origin', 'main');

  prometheus = await startNodePrometheus({ node: real.realNode!, supervisor: real.supervisor, api: real.api, runDir: real.runDir });
  // The Prometheus Operator's CRD, so aws's API server keeps the project's PodMonitor.
  const crd = join(real.runDir, 'podmonitor-crd.json');
  writeFileSync(crd, JSON.stringify(POD_MONITOR_CRD));
  await real.kubectl(['apply', '-f', crd]);
  await real.kubectl(['wait', '--for=condition=Established', '--timeout=60s', '-f', crd]);
  load = new ServiceLoad(real, NAMESPACE, ROLLOUT, SMALL_RENDERS, log);

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
  const node = clusters[0]?.cluster.realNode;
  if (node) figures.nodePeakMiB = node.peakMemoryMiB();
  figures.argoCdPeakMiB = peakMemoryMiB(fleet.flatMap(({ argocd }) => [argocd.applicationController, argocd.repoServer, argocd.redis]));
  figures.drillSeconds = (Date.now() - startedAt) / 1000;
  await load?.stop();
  await prometheus?.stopFollowing();
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

/**
 * The drill's operator: promotes every canary of `release` that waits at its pause step, except
 * aws's, which its analysis judges; records what it saw of each cluster.
 */
class Operator {
  public readonly events: string[] = [];
  public readonly pausedAt = new Map<Cluster, number>();
  public readonly healthyAt = new Map<Cluster, number>();
  public readonly degradedAt = new Map<Cluster, number>();
  private stopped = false;
  private loop?: Promise<void>;

  constructor(private readonly release: string) {}

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

  /** Records what each cluster shows of the release; with `act`, promotes a paused canary that no analysis judges. */
  private async observe(act: boolean): Promise<void> {
    for (const name of TRAIN) {
      const seen = await look(name).catch(() => undefined);
      if (seen === undefined || seen.release !== this.release) continue;
      if (!this.pausedAt.has(name) && seen.status !== 'Healthy') {
        this.pausedAt.set(name, Date.now());
        this.events.push(`${name} canary`);
      }
      if (seen.status === 'Degraded' && !this.degradedAt.has(name)) this.degradedAt.set(name, Date.now());
      if (seen.status === 'Healthy' && !this.healthyAt.has(name)) {
        this.healthyAt.set(name, Date.now());
        this.events.push(`${name} Healthy`);
      }
      if (act && seen.pausedAtPauseStep && name !== REAL) {
        this.events.push(`promote ${name}`);
        await rollout('promote', name);
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

/** aws's canary of `release`, once Healthy: its AnalysisRun ended Successful on measured renders. */
async function awaitAnalysisPassed(step: string, release: string): Promise<void> {
  const snapshot = await member(REAL).live.snapshot();
  expect(releaseOfRollout(snapshot.rollout, RELEASE_VARIABLE)).toBe(release);
  const hash = snapshot.rollout.status!.stableRS!;
  const live = member(REAL).live;
  const run = await waitFor(
    step,
    `the analysis of ${REAL}'s canary ${hash} ended Successful`,
    async () => {
      const summary = latestAnalysisRun(await live.analysisRuns(hash));
      return { done: summary?.phase === 'Successful', seen: JSON.stringify(summary), value: summary };
    },
    { timeoutMs: 60_000 },
  );
  const measurements = (await live.analysisRuns(hash)).find((item) => item.metadata?.name === run.name)?.status?.metricResults?.[0]
    ?.measurements;
  expect(measurements?.every((measurement) => measurement.phase === 'Successful')).toBe(true);
  // Judged on renders, not on silence: measurements with a value, each at least the success rate.
  expect(measurements?.filter((measurement) => measurement.value !== '[]').length).toBeGreaterThanOrEqual(2);
}

/**
 * Runs the train with renders reaching aws's Service and the drill's operator at work; keeps the
 * command's output. Resolves with the renders' answers by status.
 */
async function runTrain(
  release: string,
  record: string,
  ...flags: string[]
): Promise<{ result: CliResult; operator: Operator; answered: Readonly<Record<string, number>> }> {
  const operator = new Operator(release);
  load!.start();
  operator.start();
  const result = await train(release, '--train', ...flags).finally(() => operator.stop());
  const answered = await load!.stop();
  writeFileSync(join(fleet[0]!.cluster.runDir, `${record}.txt`), `# exit ${result.code}\n${result.stdout}\n# stderr\n${result.stderr}`);
  return { result, operator, answered: answered?.answers ?? {} };
}

/** Each cluster's stop, `<cluster>: Healthy with "<release>" after <n>s`, as figures named `<prefix><cluster>Seconds`. */
function recordStops(stdout: string, release: string, prefix: string): void {
  for (const match of stdout.matchAll(new RegExp(`^(aws|gcp|azure): Healthy with "${release}" after ([\\d.]+)s$`, 'gm')))
    figures[`${prefix}${match[1]}Seconds`] = Number(match[2]);
}

drillStep(
  `4. the train: a release passes aws (by its analysis) → gcp → azure, no cluster starting before the one before is Healthy`,
  async () => {
    const started = Date.now();
    const { result, operator, answered } = await runTrain(GOOD_RELEASE, 'train-good');
    expect(result.code).toBe(0);
    figures.trainSeconds = (Date.now() - started) / 1000;
    recordStops(result.stdout, GOOD_RELEASE, 'train');
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
    // aws went on by its analysis and its timed pause: nobody promoted it; its pods answered every render whole.
    expect(operator.events).not.toContain(`promote ${REAL}`);
    await awaitAnalysisPassed('4. the train', GOOD_RELEASE);
    expect(answered.ok).toBeGreaterThan(0);
    expect(answered.degraded).toBeUndefined();
    // One ordinary commit per cluster, in train order, each touching that cluster only.
    const subjects = project.git('log', '--format=%s', '-3').trim().split('\n').reverse();
    expect(subjects).toEqual(TRAIN.map((name, index) => `Release mandelbrot "${GOOD_RELEASE}" to ${name} (release train ${index + 1}/3)`));
  },
);

drillStep(
  '5. a bad canary on aws: its analysis aborts it, gcp and azure never receive it, the train names aws; --resume after a fix finishes it',
  async () => {
    project.changeSource(BAD_CHANGE.file, BAD_CHANGE.from, BAD_CHANGE.to);
    await project.synth();
    project.commit(`Render bands the new way in release ${BAD_RELEASE}`);
    const { result: stopped, operator, answered } = await runTrain(BAD_RELEASE, 'train-bad');
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/^error: release train stopped at aws: the Rollout is Degraded \(RolloutAborted: .*success-rate/m);
    expect(stopped.stderr).toContain('gcp, azure keep its release');
    figures.badCanaryToAbortSeconds = ((operator.degradedAt.get(REAL) ?? NaN) - (operator.pausedAt.get(REAL) ?? NaN)) / 1000;
    // The canary really answered with failed bands, and no person aborted it: its analysis did.
    expect(answered.degraded).toBeGreaterThan(0);
    expect(operator.events).toEqual(['aws canary']);
    const aborted = await member(REAL).live.snapshot();
    const run = latestAnalysisRun(await member(REAL).live.analysisRuns(aborted.rollout.status!.currentPodHash!))!;
    expect(run.phase).toBe('Failed');
    expect(Number(/^\[([0-9.]+)\]$/.exec(run.measurements[0]!.value)?.[1])).toBeLessThan(0.99);
    expect(await look(REAL)).toMatchObject({ release: BAD_RELEASE, status: 'Degraded' });
    for (const name of ['gcp', 'azure'] as const) {
      expect((await look(name)).release).toBe(GOOD_RELEASE);
      expect(gitRelease(name)).toBe(GOOD_RELEASE);
    }
    expect(gitRelease(REAL)).toBe(BAD_RELEASE);
    // The aborted canary gone (scaled to 0, its pod deleted) before the fix: from here on, a render
    // that comes back degraded was served by it again.
    const badHash = aborted.rollout.status!.currentPodHash!;
    await awaitLiveRollout(
      member(REAL).live,
      '5. bad release',
      `the aborted canary ${badHash} scaled to 0 with no pod left`,
      (snapshot) => replicaSetOf(snapshot, badHash)?.spec.replicas === 0 && !snapshot.pods.has(badHash),
      120_000,
    );

    // The fix, committed like the fault: the release is good now. The train reads Git, waits for aws again and goes on.
    project.changeSource(BAD_CHANGE.file, BAD_CHANGE.to, BAD_CHANGE.from);
    await project.synth();
    project.commit(`Render bands as before in release ${BAD_RELEASE}`);
    const started = Date.now();
    const { result: resumed, operator: resumer, answered: resumeAnswered } = await runTrain(BAD_RELEASE, 'train-resume', '--resume');
    expect(resumed.code).toBe(0);
    figures.resumeSeconds = (Date.now() - started) / 1000;
    recordStops(resumed.stdout, BAD_RELEASE, 'resume');
    expect(resumer.events).not.toContain(`promote ${REAL}`);
    await awaitAnalysisPassed('5. --resume', BAD_RELEASE);
    // The train let Argo CD sync the fix before retrying anything: the aborted canary never served again.
    expect(resumeAnswered.ok).toBeGreaterThan(0);
    expect(resumeAnswered.degraded).toBeUndefined();
    for (const name of TRAIN) expect(await look(name)).toMatchObject({ release: BAD_RELEASE, status: 'Healthy' });
  },
);
