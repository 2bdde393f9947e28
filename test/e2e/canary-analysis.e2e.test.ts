/**
 * Automated canary analysis on a real control plane with the real Argo Rollouts controller:
 * Debian's Prometheus on 127.0.0.1 scrapes service instances booted here from the live stable and
 * canary pod templates, labelled as the scrape contract labels pods. A good release passes its
 * analysis and waits for a person; a bad one (its canary with ERROR_RATE=0.5) aborts itself.
 * Steps depend on each other; after a failure the rest are not run.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AnalysisRunObject, latestAnalysisRun } from '../../lib/operator/analysis-run-summary.js';
import { NAMESPACE_METRIC_LABEL, POD_TEMPLATE_HASH_METRIC_LABEL } from '../../lib/progressive-delivery/scrape-contract.js';
import type { CliResult } from '../operator/stand-in-kubectl.js';
import { type RunningService, startService } from '../service/service-process.js';
import { type DrillCluster, startDrillCluster } from './support/drill-cluster.js';
import { DrillProject } from './support/drill-project.js';
import { awaitLiveRollout, drillSteps, fullyPromoted, localContainerOf, pausedAtHalf } from './support/drill-steps.js';
import { LiveRollout, replicaSetOf, type RolloutSnapshot } from './support/live-rollout.js';
import { type LocalPrometheus, startPrometheus } from './support/local-prometheus.js';
import { waitFor } from './support/wait.js';

const CLUSTER = 'aws';
const NAMESPACE = 'mandelbrot';
const ROLLOUT = 'mandelbrot';
const REPLICAS = 2;
/** Short intervals for the test copy: a measurement every 5 s, the second failed one aborts. */
const INTERVAL = '5s';
const FAILURE_LIMIT = 1;
/** Enough successful measurements to call a release good. */
const GOOD_MEASUREMENTS = 3;
/** The bad canary fails half its bands: a render of 3 bands succeeds 1 time in 8. */
const BAD_ERROR_RATE = '0.5';
/** The load: one small render per instance every 100 ms, bounded in count and in time. */
const LOAD = { intervalMs: 100, maxRequests: 4_000, maxMs: 4 * 60_000, frame: { width: 48, height: 24, maxIterations: 40 } };
const STEP_TIMEOUT_MS = 5 * 60_000;
const SETUP_TIMEOUT_MS = 80 * 60_000;

const log = (line: string) => process.stderr.write(`e2e analysis ${new Date().toISOString().slice(11, 19)} ${line}\n`);

let cluster: DrillCluster | undefined;
let project: DrillProject;
let live: LiveRollout;
let prometheus: LocalPrometheus;
const figures: Record<string, number> = {};
const seen: { firstHash?: string; goodHash?: string } = {};

beforeAll(async () => {
  cluster = await startDrillCluster({
    externalKubeconfig: process.env.E2E_KUBECONFIG,
    // Not yet on the real node: Debian's Prometheus has no Kubernetes service discovery, so the
    // drill still boots instances of the pod templates here and labels them for Prometheus.
    node: 'kwok',
    namespaces: [NAMESPACE],
    log,
  });
  if (!cluster.rolloutsController) {
    throw new Error(
      "the canary analysis drill needs the Rollouts controller this suite starts: a controller inside the cluster cannot reach Prometheus on this machine's 127.0.0.1",
    );
  }
  prometheus = await startPrometheus(cluster.supervisor, cluster.runDir);
  project = DrillProject.create(
    { PATH: `${cluster.pathDir}:${process.env.PATH}`, KUBECONFIG: cluster.kubeconfig },
    join(cluster.runDir, 'bundle-cache'),
  );
  // The test copy turns analysis on, against the Prometheus started here, with short intervals.
  appendFileSync(
    join(project.root, 'platform.yaml'),
    `analysis:\n  prometheus: ${prometheus.url}\n  interval: ${INTERVAL}\n  failureLimit: ${FAILURE_LIMIT}\n`,
  );
  await project.synth();
  project.commit('Canary analysis on, against the drill Prometheus');
  live = new LiveRollout(cluster.api, NAMESPACE, ROLLOUT);
  log(`project copy: ${project.root}; Prometheus ${prometheus.url}`);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await stopInstances();
  if (cluster) {
    writeFileSync(join(cluster.runDir, 'analysis-figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
    const left = await cluster.stop();
    // Host hygiene: nothing of a node stays on the host.
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

// The instances booted here stand for the pods, one per ReplicaSet, and the load that reaches them.
const instances: { readonly service: RunningService; readonly hash: string }[] = [];
let load: { stop: () => Promise<{ requests: number; statuses: Record<number, number> }> } | undefined;

/** Boots the service from a live ReplicaSet's pod template, with `extraEnv` on top, and has Prometheus scrape it. */
async function bootInstance(
  snapshot: RolloutSnapshot,
  hash: string,
  label: string,
  extraEnv: Record<string, string> = {},
): Promise<RunningService> {
  const container = await localContainerOf(live, snapshot, hash, join(cluster!.runDir, 'local-pods', label));
  const service = await startService({ ...container, env: { ...container.env, ...extraEnv } });
  instances.push({ service, hash });
  // As the scrape contract labels a pod: its namespace, and its rollouts-pod-template-hash label.
  prometheus.setTargets(
    instances.map((instance) => ({
      port: instance.service.port,
      labels: { [NAMESPACE_METRIC_LABEL]: NAMESPACE, [POD_TEMPLATE_HASH_METRIC_LABEL]: instance.hash },
    })),
  );
  return service;
}

/** Sends small renders to every instance in turn until stopped, or until its count or time bound. */
function startLoad(): void {
  const controller = new AbortController();
  const statuses: Record<number, number> = {};
  let requests = 0;
  const started = Date.now();
  const done = (async () => {
    while (!controller.signal.aborted && requests < LOAD.maxRequests && Date.now() - started < LOAD.maxMs) {
      await Promise.all(
        instances.map(async ({ service }) => {
          requests++;
          try {
            const response = await fetch(`${service.url}/api/render`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(LOAD.frame),
              signal: AbortSignal.any([controller.signal, AbortSignal.timeout(5_000)]),
            });
            await response.arrayBuffer();
            statuses[response.status] = (statuses[response.status] ?? 0) + 1;
          } catch {
            statuses[0] = (statuses[0] ?? 0) + 1;
          }
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, LOAD.intervalMs));
    }
  })();
  load = {
    stop: async () => {
      controller.abort();
      await done;
      return { requests, statuses };
    },
  };
}

async function stopInstances(): Promise<void> {
  const summary = await load?.stop();
  load = undefined;
  if (summary) log(`load: ${summary.requests} requests, by status ${JSON.stringify(summary.statuses)}`);
  await Promise.all(instances.splice(0).map(({ service }) => service.stop()));
  prometheus?.setTargets([]);
}

function operate(operation: string): Promise<CliResult> {
  return project.operate(operation, CLUSTER, join(cluster!.runDir, 'operator'));
}

drillStep('1. apply: the API server accepts the AnalysisTemplate and the Rollout that runs it; the first revision is Healthy', async () => {
  await cluster!.createNamespaces(['argocd', NAMESPACE]);
  const applied = await cluster!.kubectl(['apply', '-f', project.workloadDir(CLUSTER)]);
  expect(applied).toContain('analysistemplate.argoproj.io/mandelbrot-success-rate created');
  const snapshot = await awaitRollout('1. apply', `Healthy with ${REPLICAS} Ready pods on one hash`, fullyPromoted);
  seen.firstHash = snapshot.rollout.status!.currentPodHash;
});

drillStep('2. good release: the analysis succeeds on the canary and the Rollout still waits at the pause for a person', async () => {
  await project.release('e2e-good');
  await cluster!.kubectl(['apply', '-f', project.workloadDir(CLUSTER)]);
  const paused = await awaitRollout('2. good release', 'Paused at 1/3 with 1 stable and 1 canary pod', pausedAtHalf);
  const hash = paused.rollout.status!.currentPodHash!;
  seen.goodHash = hash;
  await bootInstance(paused, seen.firstHash!, 'good-stable');
  await bootInstance(paused, hash, 'good-canary');
  startLoad();
  const run = await waitFor(
    '2. good release',
    `the canary's AnalysisRun Running with ${GOOD_MEASUREMENTS} successful measurements of [1]`,
    async () => {
      const runs = await analysisRuns(hash);
      const summary = latestAnalysisRun(runs);
      const measurements = runs.find((item) => item.metadata?.name === summary?.name)?.status?.metricResults?.[0]?.measurements ?? [];
      const measured = measurements.filter((measurement) => measurement.phase === 'Successful' && measurement.value === '[1]');
      return { done: summary?.phase === 'Running' && measured.length >= GOOD_MEASUREMENTS, seen: JSON.stringify(summary), value: summary };
    },
    { timeoutMs: 120_000 },
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
  await stopInstances();
  await waitFor(
    '2. good release',
    'the background analysis ended Successful with the promotion',
    async () => {
      const summary = latestAnalysisRun(await analysisRuns(hash));
      return { done: summary?.phase === 'Successful', seen: JSON.stringify(summary) };
    },
    { timeoutMs: 60_000 },
  );
});

drillStep(
  '3. bad release: the canary with ERROR_RATE=0.5 fails its analysis and the Rollout aborts on its own, stable at full size',
  async () => {
    await project.release('e2e-bad');
    await cluster!.kubectl(['apply', '-f', project.workloadDir(CLUSTER)]);
    const paused = await awaitRollout('3. bad release', 'Paused at 1/3 with 1 stable and 1 canary pod', pausedAtHalf);
    const hash = paused.rollout.status!.currentPodHash!;
    await bootInstance(paused, seen.goodHash!, 'bad-stable');
    await bootInstance(paused, hash, 'bad-canary', { ERROR_RATE: BAD_ERROR_RATE });
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
    log(`the bad canary aborted ${figures.badCanaryStartToAbortSeconds} s after its instance started serving`);
    await stopInstances();
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
