/**
 * Automated canary analysis on a real control plane and the real node: the Rollouts controller is
 * the chart's pod, the Mandelbrot pods are the Rollout's own, and Debian's Prometheus runs inside
 * the node, scraping the pods the project's PodMonitor selects with the labels its scrape contract
 * gives them. Renders reach the pods through their Service. A good release passes its analysis and
 * waits for a person; a bad one, a real source change committed, synthesized and applied, really
 * answers with errors, fails its analysis with the settings dist/ carries, and aborts itself.
 * Steps depend on each other; after a failure the rest are not run.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_FAILURE_LIMIT, DEFAULT_INTERVAL, DEFAULT_SUCCESS_RATE } from '../../lib/config/analysis-settings.js';
import { latestAnalysisRun } from '../../lib/operator/analysis-run-summary.js';
import { NAMESPACE_METRIC_LABEL, POD_TEMPLATE_HASH_METRIC_LABEL } from '../../lib/progressive-delivery/scrape-contract.js';
import type { CliResult } from '../operator/stand-in-kubectl.js';
import { type DrillCluster, startDrillCluster } from './support/drill-cluster.js';
import { DrillProject } from './support/drill-project.js';
import { awaitLiveRollout, drillSteps, fullyPromoted, pausedAtHalf } from './support/drill-steps.js';
import { LiveRollout, replicaSetOf, type RolloutSnapshot } from './support/live-rollout.js';
import { type NodePrometheus, NODE_PROMETHEUS_URL, POD_MONITOR_CRD, startNodePrometheus } from './support/node-prometheus.js';
import { ServiceLoad, SMALL_RENDERS } from './support/service-load.js';
import { waitFor } from './support/wait.js';

const CLUSTER = 'aws';
const NAMESPACE = 'mandelbrot';
const ROLLOUT = 'mandelbrot';
const REPLICAS = 2;
/** The shortened settings of the good release: a measurement every 5 s. */
const SHORT = { interval: '5s', failureLimit: 1 };
/** Enough successful measurements to call a release good. */
const GOOD_MEASUREMENTS = 3;
/**
 * The bad release: a guard dropped from the band renderer, so bands fail half the time whatever
 * ERROR_RATE says (a render of 3 bands succeeds 1 time in 8).
 */
const BAD_CHANGE = { file: 'stages.js', from: 'if (errorRate > 0 && random() < errorRate) {', to: 'if (random() < 0.5) {' };
/** The bad release runs with dist/'s settings: three measurements a minute apart, and the abort. */
const STEP_TIMEOUT_MS = 8 * 60_000;
const SETUP_TIMEOUT_MS = 80 * 60_000;

const log = (line: string) => process.stderr.write(`e2e analysis ${new Date().toISOString().slice(11, 19)} ${line}\n`);

let cluster: DrillCluster | undefined;
let project: DrillProject;
let live: LiveRollout;
let prometheus: NodePrometheus | undefined;
let load: ServiceLoad | undefined;
/** Figures for `npm run bench`: seconds. */
const figures: Record<string, number> = {};
const startedAt = Date.now();
const seen: { firstHash?: string; goodHash?: string } = {};

beforeAll(async () => {
  if (process.env.E2E_KUBECONFIG)
    throw new Error(
      'e2e: the canary analysis drill runs Prometheus inside the real node: it does not run on the cluster E2E_KUBECONFIG names',
    );
  cluster = await startDrillCluster({ namespaces: [NAMESPACE], log });
  prometheus = await startNodePrometheus({
    node: cluster.realNode!,
    supervisor: cluster.supervisor,
    api: cluster.api,
    runDir: cluster.runDir,
  });
  project = DrillProject.create(
    { PATH: `${cluster.pathDir}:${process.env.PATH}`, KUBECONFIG: cluster.kubeconfig },
    join(cluster.runDir, 'bundle-cache'),
  );
  // The test copy turns analysis on against the node's Prometheus, with a PodMonitor, and shortened settings.
  appendFileSync(
    join(project.root, 'platform.yaml'),
    `analysis:\n  prometheus: ${NODE_PROMETHEUS_URL}\n  prometheusOperator: true\n  interval: ${SHORT.interval}\n  failureLimit: ${SHORT.failureLimit}\n`,
  );
  await project.synth();
  project.commit('Canary analysis on, against the node Prometheus');
  live = new LiveRollout(cluster.api, NAMESPACE, ROLLOUT);
  load = new ServiceLoad(cluster, NAMESPACE, ROLLOUT, SMALL_RENDERS, log);
  log(`project copy: ${project.root}; Prometheus ${prometheus.url} inside the node`);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  figures.drillSeconds = (Date.now() - startedAt) / 1000;
  await load?.stop();
  await prometheus?.stopFollowing();
  if (cluster) {
    writeFileSync(join(cluster.runDir, 'analysis-figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
    if (process.env.E2E_ANALYSIS_FIGURES_FILE)
      writeFileSync(process.env.E2E_ANALYSIS_FIGURES_FILE, `${JSON.stringify(figures, null, 2)}\n`);
    const left = await cluster.stop();
    // Host hygiene: nothing of the node stays on the host.
    expect(left).toEqual([]);
    log(`stopped every process; logs in ${cluster.runDir}; figures ${JSON.stringify(figures)}`);
  }
  if (!failed()) project?.cleanup();
}, 60_000);

const { step: drillStep, failed } = drillSteps(() => cluster, STEP_TIMEOUT_MS);
const awaitRollout = (step: string, awaited: string, check: (snapshot: RolloutSnapshot) => boolean, timeoutMs?: number) =>
  awaitLiveRollout(live, step, awaited, check, timeoutMs);

/** Waits until Prometheus scrapes every pod of `hashes` (one target each), found through the PodMonitor. */
async function awaitScraped(step: string, hashes: Readonly<Record<string, number>>): Promise<void> {
  await waitFor(
    step,
    `Prometheus scraping ${JSON.stringify(hashes)} pods by ${POD_TEMPLATE_HASH_METRIC_LABEL}`,
    async () => {
      const up = await prometheus!.query(`up{${NAMESPACE_METRIC_LABEL}="${NAMESPACE}"} == 1`);
      const counts: Record<string, number> = {};
      for (const sample of up) {
        const hash = sample.labels[POD_TEMPLATE_HASH_METRIC_LABEL] ?? '-';
        counts[hash] = (counts[hash] ?? 0) + 1;
      }
      const sorted = (counted: Readonly<Record<string, number>>) => JSON.stringify(Object.entries(counted).sort());
      return { done: sorted(counts) === sorted(hashes), seen: JSON.stringify(counts) };
    },
    { timeoutMs: 60_000, intervalMs: 1_000 },
  );
}

function operate(operation: string): Promise<CliResult> {
  return project.operate(operation, CLUSTER, join(cluster!.runDir, 'operator'));
}

async function applyWorkload(): Promise<void> {
  await cluster!.kubectl(['apply', '-f', project.workloadDir(CLUSTER)]);
}

drillStep('1. apply: the AnalysisTemplate, the PodMonitor and the Rollout are accepted; Prometheus scrapes the Healthy pods', async () => {
  await cluster!.createNamespaces(['argocd', NAMESPACE]);
  // The Prometheus Operator's CRD, so the API server keeps the project's PodMonitor.
  const crd = join(cluster!.runDir, 'podmonitor-crd.json');
  writeFileSync(crd, JSON.stringify(POD_MONITOR_CRD));
  await cluster!.kubectl(['apply', '-f', crd]);
  await cluster!.kubectl(['wait', '--for=condition=Established', '--timeout=60s', '-f', crd]);
  const applied = await cluster!.kubectl(['apply', '-f', project.workloadDir(CLUSTER)]);
  expect(applied).toContain('analysistemplate.argoproj.io/mandelbrot-success-rate created');
  expect(applied).toContain('podmonitor.monitoring.coreos.com/mandelbrot created');
  const snapshot = await awaitRollout('1. apply', `Healthy with ${REPLICAS} Ready pods on one hash`, fullyPromoted);
  seen.firstHash = snapshot.rollout.status!.currentPodHash;
  await awaitScraped('1. apply', { [seen.firstHash!]: REPLICAS });
});

drillStep('2. good release: the analysis succeeds on the canary and the Rollout still waits at the pause for a person', async () => {
  await project.release('e2e-good');
  await applyWorkload();
  const paused = await awaitRollout('2. good release', 'Paused at 1/3 with 1 stable and 1 canary pod', pausedAtHalf);
  const hash = paused.rollout.status!.currentPodHash!;
  seen.goodHash = hash;
  await awaitScraped('2. good release', { [seen.firstHash!]: 1, [hash]: 1 });
  load!.start();
  const run = await waitFor(
    '2. good release',
    `the canary's AnalysisRun Running with ${GOOD_MEASUREMENTS} successful measurements of [1]`,
    async () => {
      const runs = await live.analysisRuns(hash);
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
  const answered = await load!.stop();
  // Every render through the Service was answered, and answered whole.
  expect(Object.keys(answered!.answers)).toEqual(['ok']);

  await operate('promote');
  await awaitRollout('2. good release', `Healthy on ${hash}`, fullyPromoted);
  await waitFor(
    '2. good release',
    'the background analysis ended Successful with the promotion',
    async () => {
      const summary = latestAnalysisRun(await live.analysisRuns(hash));
      return { done: summary?.phase === 'Successful', seen: JSON.stringify(summary) };
    },
    { timeoutMs: 60_000 },
  );
});

drillStep(
  "3. bad release: a source change whose canary answers with errors fails its analysis with dist/'s settings, and the Rollout aborts on its own",
  async () => {
    // Analysis as dist/ carries it once on: every setting but the address at its default.
    const platformFile = join(project.root, 'platform.yaml');
    const platform = readFileSync(platformFile, 'utf8');
    writeFileSync(platformFile, platform.replace(`  interval: ${SHORT.interval}\n  failureLimit: ${SHORT.failureLimit}\n`, ''));
    await project.synth();
    project.commit('Canary analysis at its defaults');
    const template = parse(readFileSync(join(project.workloadDir(CLUSTER), 'analysistemplate-mandelbrot-success-rate.yaml'), 'utf8'));
    expect(template.spec.metrics[0]).toMatchObject({
      interval: DEFAULT_INTERVAL,
      failureLimit: DEFAULT_FAILURE_LIMIT,
      successCondition: `len(result) == 0 || result[0] >= ${DEFAULT_SUCCESS_RATE}`,
    });

    project.changeSource(BAD_CHANGE.file, BAD_CHANGE.from, BAD_CHANGE.to);
    await project.synth();
    project.commit('Render bands without the ERROR_RATE guard');
    await applyWorkload();
    const paused = await awaitRollout('3. bad release', 'Paused at 1/3 with 1 stable and 1 canary pod', pausedAtHalf);
    const hash = paused.rollout.status!.currentPodHash!;
    expect(paused.rollout.status!.stableRS).toBe(seen.goodHash);
    await awaitScraped('3. bad release', { [seen.goodHash!]: 1, [hash]: 1 });
    const badStartedAt = Date.now();
    load!.start();
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
      STEP_TIMEOUT_MS - 60_000,
    );
    figures.badCanaryLoadToAbortSeconds = (Date.now() - badStartedAt) / 1000;
    log(`the bad canary aborted ${figures.badCanaryLoadToAbortSeconds} s after renders started reaching it`);
    const answered = await load!.stop();
    // The canary really answered with errors: renders through the Service came back with failed bands.
    expect(answered!.answers.degraded).toBeGreaterThan(0);
    expect(aborted.rollout.status!.stableRS).toBe(seen.goodHash);
    expect(aborted.rollout.status!.message).toMatch(/^RolloutAborted: .*success-rate/);
    const runs = await live.analysisRuns(hash);
    const run = latestAnalysisRun(runs)!;
    expect(run.phase).toBe('Failed');
    // failureLimit 2: the third failed measurement ends the run.
    const metric = runs.find((item) => item.metadata?.name === run.name)?.status?.metricResults?.[0] as { failed?: number } | undefined;
    expect(metric?.failed).toBe(DEFAULT_FAILURE_LIMIT + 1);
    const measured = Number(/^\[([0-9.]+)\]$/.exec(run.measurements[0]!.value)?.[1]);
    expect(measured).toBeLessThan(DEFAULT_SUCCESS_RATE);

    const status = await operate('status');
    expect(status.stdout).toContain(
      `aws: aborted by analysis: AnalysisRun ${run.name} Failed: last measured success-rate ${run.measurements[0]!.value} (Failed); ${run.message}`,
    );
    expect(run.message).toMatch(/success-rate/);
  },
);
