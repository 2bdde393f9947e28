/**
 * Automated canary analysis on a real control plane and the real node, with the Argo Rollouts
 * controller as the chart's pod: Debian's Prometheus, inside the node's network namespace, scrapes
 * the real Mandelbrot pods as the project's PodMonitor selects and labels them, while renders go
 * through the Mandelbrot Service. A good release passes its analysis, with the settings dist/
 * carries, and waits for a person; a bad one (a source change committed, synthesized and applied)
 * aborts itself. Steps depend on each other; after a failure the rest are not run.
 */
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AnalysisRunObject, latestAnalysisRun } from '../../lib/operator/analysis-run-summary.js';
import { DEFAULT_FAILURE_LIMIT, DEFAULT_INTERVAL } from '../../lib/config/analysis-settings.js';
import type { CliResult } from '../operator/stand-in-kubectl.js';
import { type DrillCluster, startDrillCluster } from './support/drill-cluster.js';
import { DrillProject } from './support/drill-project.js';
import { awaitLiveRollout, drillSteps, fullyPromoted, pausedAtHalf } from './support/drill-steps.js';
import { LiveRollout, replicaSetOf, type RolloutSnapshot } from './support/live-rollout.js';
import { type NodePrometheus, startPrometheusOnNode } from './support/local-prometheus.js';
import { type Answered, requestsThroughService } from './support/real-pods.js';
import { NODE_IP } from './support/real-node.js';
import { waitFor } from './support/wait.js';

const CLUSTER = 'aws';
const NAMESPACE = 'mandelbrot';
const ROLLOUT = 'mandelbrot';
const REPLICAS = 2;
/** The bad release's short settings: a measurement every 5 s, the second failed one aborts. */
const SHORT = { interval: '5s', failureLimit: 1 };
/** The bad canary's source change: half its bands fail, so a render of 3 bands succeeds 1 time in 8. */
const BAD_SOURCE = { file: 'settings.js', from: 'Number(env.ERROR_RATE || 0)', to: 'Number(env.ERROR_RATE || 0.5)' };
/** The load: one small render through the Service every 100 ms, bounded in count and in time. */
const LOAD = { intervalMs: 100, count: 4_000, deadlineMs: 4 * 60_000, frame: { width: 48, height: 24, maxIterations: 40 } };
const STEP_TIMEOUT_MS = 5 * 60_000;
const SETUP_TIMEOUT_MS = 80 * 60_000;

const log = (line: string) => process.stderr.write(`e2e analysis ${new Date().toISOString().slice(11, 19)} ${line}\n`);

let cluster: DrillCluster | undefined;
let project: DrillProject;
let live: LiveRollout;
let prometheus: NodePrometheus;
const figures: Record<string, number> = {};
const seen: { firstHash?: string; goodHash?: string } = {};

beforeAll(async () => {
  cluster = await startDrillCluster({ namespaces: [NAMESPACE], log });
  const controlPlane = cluster.controlPlane!;
  project = DrillProject.create(
    { PATH: `${cluster.pathDir}:${process.env.PATH}`, KUBECONFIG: cluster.kubeconfig },
    join(cluster.runDir, 'bundle-cache'),
  );
  // The test copy turns analysis on against the Prometheus inside the node, with every other
  // setting as dist/ carries it, and a PodMonitor the drill's Prometheus follows as the operator would.
  appendFileSync(join(project.root, 'platform.yaml'), `analysis:\n  prometheus: http://${NODE_IP}:9090\n  prometheusOperator: true\n`);
  await project.synth();
  project.commit('Canary analysis on, against the drill Prometheus');
  const podMonitor = readdirSync(project.workloadDir(CLUSTER)).find((file) => file.startsWith('podmonitor-'));
  if (!podMonitor) throw new Error(`no PodMonitor in ${project.workloadDir(CLUSTER)} with analysis.prometheusOperator on`);
  prometheus = await startPrometheusOnNode(cluster.realNode!, cluster.runDir, join(project.workloadDir(CLUSTER), podMonitor), NAMESPACE, {
    server: `https://${NODE_IP}:${controlPlane.port}`,
    caFile: controlPlane.caFile,
    token: controlPlane.adminToken,
  });
  live = new LiveRollout(cluster.api, NAMESPACE, ROLLOUT);
  log(`project copy: ${project.root}; Prometheus ${prometheus.url} inside the node`);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await stopLoad();
  if (cluster) {
    writeFileSync(join(cluster.runDir, 'analysis-figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
    const left = await cluster.stop();
    // Host hygiene: nothing of the node stays on the host (processes, mounts, links, firewall rules, cgroups, sysctls).
    expect(left).toEqual([]);
    log(`stopped every process; logs in ${cluster.runDir}; figures ${JSON.stringify(figures)}`);
  }
  if (!failed()) project?.cleanup();
}, 60_000);

const { step: drillStep, failed } = drillSteps(() => cluster, STEP_TIMEOUT_MS);
const awaitRollout = (step: string, awaited: string, check: (snapshot: RolloutSnapshot) => boolean, timeoutMs?: number) =>
  awaitLiveRollout(live, step, awaited, check, timeoutMs);

/** The canary's analysis runs, newest last, read from the API server. */
async function analysisRuns(hash: string): Promise<AnalysisRunObject[]> {
  return cluster!.api.list<AnalysisRunObject>(
    `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/analysisruns`,
    `rollouts-pod-template-hash=${hash}`,
  );
}

/** `kubectl apply` of the workload as Argo CD syncs it; the PodMonitor is for a Prometheus Operator, which the drill's Prometheus stands for. */
async function applyWorkload(): Promise<string> {
  const dir = project.workloadDir(CLUSTER);
  const files = readdirSync(dir).filter((file) => !file.startsWith('podmonitor-'));
  return cluster!.kubectl(['apply', ...files.flatMap((file) => ['-f', join(dir, file)])]);
}

let load: { controller: AbortController; done: Promise<Answered> } | undefined;

/** Renders through the Mandelbrot Service from inside the node, in the background, bounded in count and time. */
function startLoad(): void {
  const controller = new AbortController();
  const done = requestsThroughService(cluster!, NAMESPACE, ROLLOUT, {
    path: '/api/render',
    body: LOAD.frame,
    count: LOAD.count,
    intervalMs: LOAD.intervalMs,
    deadlineMs: LOAD.deadlineMs,
    signal: controller.signal,
  });
  load = { controller, done };
}

async function stopLoad(): Promise<void> {
  if (!load) return;
  const { controller, done } = load;
  load = undefined;
  controller.abort();
  const answered = await done.catch((error: Error) => ({ error: error.message }));
  log(`load: ${JSON.stringify(answered)}`);
}

function operate(operation: string): Promise<CliResult> {
  return project.operate(operation, CLUSTER, join(cluster!.runDir, 'operator'));
}

drillStep('1. apply: the API server accepts the AnalysisTemplate and the Rollout that runs it; the first revision is Healthy', async () => {
  await cluster!.createNamespaces(['argocd', NAMESPACE]);
  const applied = await applyWorkload();
  expect(applied).toContain('analysistemplate.argoproj.io/mandelbrot-success-rate created');
  const snapshot = await awaitRollout('1. apply', `Healthy with ${REPLICAS} Ready pods on one hash`, fullyPromoted);
  seen.firstHash = snapshot.rollout.status!.currentPodHash;
});

drillStep(
  `2. good release, with the settings dist/ carries (interval ${DEFAULT_INTERVAL}, failureLimit ${DEFAULT_FAILURE_LIMIT}): the analysis measures the canary's renders as successful and the Rollout still waits for a person`,
  async () => {
    const template = readFileSync(join(project.workloadDir(CLUSTER), 'analysistemplate-mandelbrot-success-rate.yaml'), 'utf8');
    expect(template).toContain(`interval: ${DEFAULT_INTERVAL}`);
    expect(template).toContain(`failureLimit: ${DEFAULT_FAILURE_LIMIT}`);
    await project.release('e2e-good');
    await applyWorkload();
    const paused = await awaitRollout('2. good release', 'Paused at 1/3 with 1 stable and 1 canary pod', pausedAtHalf);
    const hash = paused.rollout.status!.currentPodHash!;
    seen.goodHash = hash;
    startLoad();
    // A measurement with renders in its window; the one before it, with none yet, passes on silence.
    const run = await waitFor(
      '2. good release',
      "the canary's AnalysisRun Running with a successful measurement of [1]",
      async () => {
        const runs = await analysisRuns(hash);
        const summary = latestAnalysisRun(runs);
        const measurements = runs.find((item) => item.metadata?.name === summary?.name)?.status?.metricResults?.[0]?.measurements ?? [];
        const measured = measurements.filter((measurement) => measurement.phase === 'Successful' && measurement.value === '[1]');
        return { done: summary?.phase === 'Running' && measured.length >= 1, seen: JSON.stringify(summary), value: summary };
      },
      { timeoutMs: 180_000, intervalMs: 1_000 },
    );
    expect(run.measurements.every((measurement) => measurement.phase === 'Successful')).toBe(true);
    // Analysis cannot promote: the canary is still at the pause, waiting for a person.
    const still = await live.snapshot();
    expect(still.rollout.status).toMatchObject({ phase: 'Paused', currentStepIndex: 1, currentPodHash: hash });
    const status = await operate('status');
    expect(status.stdout).toMatch(
      new RegExp(`aws: analysis: AnalysisRun ${run.name} Running: last measured success-rate \\[1\\] \\(Successful\\)`),
    );

    await operate('promote');
    await awaitRollout('2. good release', `Healthy on ${hash}`, fullyPromoted);
    await stopLoad();
    await waitFor(
      '2. good release',
      'the background analysis ended Successful with the promotion',
      async () => {
        const summary = latestAnalysisRun(await analysisRuns(hash));
        return { done: summary?.phase === 'Successful', seen: JSON.stringify(summary) };
      },
      { timeoutMs: 60_000 },
    );
  },
);

drillStep(
  '3. bad release: a source change that fails half the bands, committed and synthesized, fails its analysis and the Rollout aborts on its own',
  async () => {
    // Short settings for this release, so the drill takes seconds rather than minutes.
    appendFileSync(join(project.root, 'platform.yaml'), `  interval: ${SHORT.interval}\n  failureLimit: ${SHORT.failureLimit}\n`);
    const file = join(project.root, 'services', 'mandelbrot', BAD_SOURCE.file);
    const source = readFileSync(file, 'utf8');
    expect(source).toContain(BAD_SOURCE.from);
    writeFileSync(file, source.replace(BAD_SOURCE.from, BAD_SOURCE.to));
    await project.synth();
    project.commit('A bad canary: half the bands fail');
    await applyWorkload();
    const paused = await awaitRollout('3. bad release', 'the bad canary Paused at 1/3 with 1 stable and 1 canary pod', pausedAtHalf);
    const hash = paused.rollout.status!.currentPodHash!;
    // The canary's pods run the changed source, from its new ConfigMap.
    expect(paused.rollout.status!.stableRS).toBe(seen.goodHash);
    const badStartedAt = Date.now();
    startLoad();
    // No operator action from here on: the Rollout must abort by itself.
    const aborted = await awaitRollout(
      '3. bad release',
      `Degraded by the analysis, stable ${seen.goodHash} at ${REPLICAS} Ready, the canary at 0`,
      (snapshot) => {
        const status = snapshot.rollout.status ?? {};
        const stable = replicaSetOf(snapshot, status.stableRS);
        const canary = replicaSetOf(snapshot, status.currentPodHash);
        return (
          status.phase === 'Degraded' &&
          status.abort === true &&
          stable?.spec.replicas === REPLICAS &&
          stable.status?.readyReplicas === REPLICAS &&
          canary?.spec.replicas === 0
        );
      },
      180_000,
    );
    figures.badCanaryStartToAbortSeconds = (Date.now() - badStartedAt) / 1000;
    log(`the bad canary aborted ${figures.badCanaryStartToAbortSeconds} s after the load started`);
    await stopLoad();
    expect(aborted.rollout.status!.stableRS).toBe(seen.goodHash);
    expect(aborted.rollout.status!.message).toMatch(/^RolloutAborted: .*success-rate/);
    const run = latestAnalysisRun(await analysisRuns(hash))!;
    expect(run.phase).toBe('Failed');
    expect(run.measurements[0]!.phase).toBe('Failed');
    const measured = Number(/^\[([0-9.]+)\]$/.exec(run.measurements[0]!.value)?.[1]);
    expect(measured).toBeLessThan(0.99);

    const status = await operate('status');
    expect(status.stdout).toContain(
      `aws: aborted by analysis: AnalysisRun ${run.name} Failed: last measured success-rate ${run.measurements[0]!.value} (Failed); ${run.message}`,
    );
    expect(run.message).toMatch(/success-rate/);
  },
);
