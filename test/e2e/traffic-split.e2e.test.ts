/**
 * The traffic split drill: Traefik, installed on the real node from its chart with the values of
 * the project's Traefik Application, routes the Mandelbrot canary by the weights the Argo Rollouts
 * controller writes into the weighted TraefikService. At each pause the drill sends 1,000
 * requests through the IngressRoute and counts the answers by release: the share is the weight,
 * exactly; Traefik's own request counters agree. The API server reaches Traefik's API and metrics
 * through its pod proxy (an egress proxy inside the node), as `npm run rollout -- status` does on
 * a real cluster. Steps depend on each other; after a failure the rest are not run.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { TRAEFIK_API_PORT, TRAEFIK_NAMESPACE } from '../../lib/argocd/traefik-application.js';
import { type DrillCluster, peakMemoryMiB, startDrillCluster } from './support/drill-cluster.js';
import { DrillProject } from './support/drill-project.js';
import { awaitLiveRollout, drillSteps, recordFiguresAndStop } from './support/drill-steps.js';
import { LiveRollout, type RolloutSnapshot } from './support/live-rollout.js';
import { type Answered, requestsThroughService } from './support/real-pods.js';
import { waitFor } from './support/wait.js';

const CLUSTER = 'aws';
const NAMESPACE = 'mandelbrot';
const ROLLOUT = 'mandelbrot';
const REPLICAS = 2;
/** The canary's weights, each followed by a pause: steps 0 to 4, then 100 at step 5. */
const WEIGHTS = [10, 50] as const;
/** Requests sent through the IngressRoute at each pause. */
const REQUESTS = 1_000;
/** Traefik's weighted round robin is deterministic: the canary's count may be off by one at most. */
const TOLERANCE = 1;
/** What docs/operating.md promises: after an abort every request reaches stable within this. */
const ABORT_TO_STABLE_MS = 5_000;
/** Traefik's Service and its plain HTTP entry point (the chart's `web` port), which the IngressRoute listens on. */
const TRAEFIK = { namespace: TRAEFIK_NAMESPACE, service: 'traefik', port: 'web', metricsPort: 9100 } as const;
/** Traefik's name of the weighted TraefikService (`<namespace>-<name>@kubernetescrd`). */
const WEIGHTED_SERVICE = `${NAMESPACE}-${ROLLOUT}@kubernetescrd`;
const STEP_TIMEOUT_MS = 5 * 60_000;
/** A cold run builds the toolchain first, Traefik included. */
const SETUP_TIMEOUT_MS = 80 * 60_000;

const log = (line: string) => process.stderr.write(`e2e traffic ${new Date().toISOString().slice(11, 19)} ${line}\n`);

let cluster: DrillCluster | undefined;
let project: DrillProject;
let live: LiveRollout;
/** Figures for `npm run bench`: seconds, and MiB for memory. */
const figures: Record<string, number> = {};
const startedAt = Date.now();
const releases = { first: 'continuous', canary: 'e2e-traffic', full: 'e2e-traffic-full' } as const;

beforeAll(async () => {
  cluster = await startDrillCluster({
    namespaces: [NAMESPACE],
    // The charts come from the drill project's dist/, with Traefik on: installed below.
    installRollouts: false,
    traefik: true,
    apiServerReachesPods: true,
    log,
  });
  project = DrillProject.forCluster(cluster);
  live = new LiveRollout(cluster.api, NAMESPACE, ROLLOUT);
  log(`project copy: ${project.root}`);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  if (cluster?.realNode) {
    const traefik = traefikMemoryMiB(cluster.realNode.cgroup);
    if (traefik) Object.assign(figures, traefik);
    figures.nodePeakMiB = cluster.realNode.peakMemoryMiB();
  }
  if (cluster?.controlPlane) figures.controlPlanePeakMiB = peakMemoryMiB(cluster.controlPlane.components);
  figures.drillSeconds = (Date.now() - startedAt) / 1000;
  if (cluster) await recordFiguresAndStop(cluster, figures, 'E2E_TRAFFIC_FIGURES_FILE', log);
  if (!failed()) project?.cleanup();
}, 60_000);

const { step: drillStep, failed } = drillSteps(() => cluster, STEP_TIMEOUT_MS);

/** Paused at the pause after `weight`, one canary pod beside the stable pods, all Ready. */
function pausedAt(weight: (typeof WEIGHTS)[number]) {
  return (snapshot: RolloutSnapshot): boolean => {
    const status = snapshot.rollout.status ?? {};
    const canary = snapshot.pods.get(status.currentPodHash ?? '');
    const stable = snapshot.pods.get(status.stableRS ?? '');
    return (
      status.phase === 'Paused' &&
      status.currentStepIndex === 2 * WEIGHTS.indexOf(weight) + 1 &&
      status.stableRS !== status.currentPodHash &&
      (canary?.ready ?? 0) >= 1 &&
      stable?.ready === REPLICAS
    );
  };
}

/** Healthy at the last step, the stable ReplicaSet the current one. */
function promotedFully(snapshot: RolloutSnapshot): boolean {
  const status = snapshot.rollout.status ?? {};
  return (
    status.phase === 'Healthy' &&
    status.stableRS === status.currentPodHash &&
    status.currentStepIndex === 2 * WEIGHTS.length + 1 &&
    snapshot.pods.get(status.currentPodHash ?? '')?.ready === REPLICAS
  );
}

/**
 * `read`, retried for up to a minute while it throws: on a busy machine one call through the API
 * server's proxy may outlast its own deadline.
 */
function eventually<T>(step: string, what: string, read: () => Promise<T>): Promise<T> {
  return waitFor(step, what, async () => ({ done: true, seen: 'answered', value: await read() }), { timeoutMs: 60_000, intervalMs: 1_000 });
}

/** The running Traefik pod's name. */
async function traefikPod(): Promise<string> {
  const pods = await cluster!.api.list<{ metadata: { name: string }; status?: { phase?: string } }>(
    `/api/v1/namespaces/${TRAEFIK.namespace}/pods`,
    'app.kubernetes.io/name=traefik',
  );
  const running = pods.find((pod) => pod.status?.phase === 'Running');
  if (!running) throw new Error(`no running Traefik pod in ${TRAEFIK.namespace}`);
  return running.metadata.name;
}

/** A path on the Traefik pod's `port`, through the API server's pod proxy. */
async function traefikProxyPath(port: number, path: string): Promise<string> {
  return `/api/v1/namespaces/${TRAEFIK.namespace}/pods/${await traefikPod()}:${port}/proxy${path}`;
}

/** The canary's share, in percent, of the weighted service as Traefik's API shows it; undefined before Traefik loads it. */
async function appliedCanaryWeight(): Promise<number | undefined> {
  const info = await cluster!.api.get<{ weighted?: { services?: { name: string; weight?: number }[] } }>(
    await traefikProxyPath(TRAEFIK_API_PORT, `/api/http/services/${WEIGHTED_SERVICE}`),
  );
  const services = info?.weighted?.services ?? [];
  if (services.length === 0) return undefined;
  const total = services.reduce((sum, service) => sum + (service.weight ?? 1), 0);
  const canary = services.filter((service) => service.name.includes(`-${ROLLOUT}-canary-`));
  return Math.round((100 * canary.reduce((sum, service) => sum + (service.weight ?? 1), 0)) / total);
}

/** The canary's weight in the TraefikService object, as the controller (or a hand) wrote it. */
async function writtenCanaryWeight(): Promise<number | undefined> {
  const object = await cluster!.api.get<{ spec: { weighted: { services: { name: string; weight?: number }[] } } }>(
    `/apis/traefik.io/v1alpha1/namespaces/${NAMESPACE}/traefikservices/${ROLLOUT}`,
  );
  return object?.spec.weighted.services.find((service) => service.name === `${ROLLOUT}-canary`)?.weight;
}

/** Waits until Traefik applies `weight` to the canary; resolves with when it was first seen. */
async function awaitAppliedWeight(step: string, weight: number): Promise<number> {
  await waitFor(
    step,
    `Traefik's API showing canary weight ${weight} for ${WEIGHTED_SERVICE}`,
    async () => {
      const applied = await appliedCanaryWeight();
      return { done: applied === weight, seen: `applied ${applied ?? 'nothing yet'}, written ${await writtenCanaryWeight()}` };
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  return Date.now();
}

/** Traefik's `traefik_service_requests_total`, summed by service. */
async function serviceRequestCounters(): Promise<Map<string, number>> {
  const response = await fetch(`${cluster!.api.baseURL}${await traefikProxyPath(TRAEFIK.metricsPort, '/metrics')}`, {
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`Traefik's metrics: HTTP ${response.status}`);
  const counters = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    const match = /^traefik_service_requests_total\{.*service="([^"]+)".*\} (\S+)$/.exec(line);
    if (match) counters.set(match[1]!, (counters.get(match[1]!) ?? 0) + Number(match[2]));
  }
  return counters;
}

/** How many requests Traefik counted for the canary and the stable Service between two readings. */
function countedBetween(before: Map<string, number>, after: Map<string, number>): { canary: number; stable: number } {
  const delta = (part: string) =>
    [...after]
      .filter(([service]) => service.includes(`-${ROLLOUT}-${part}-`))
      .reduce((sum, [service, count]) => sum + count - (before.get(service) ?? 0), 0);
  return { canary: delta('canary'), stable: delta('stable') };
}

/** 1,000 sequential requests through the IngressRoute (Traefik's Service), counted by the release that answered. */
function requestsThroughTraefik(count = REQUESTS, extra: { intervalMs?: number; deadlineMs?: number } = {}): Promise<Answered> {
  return requestsThroughService(cluster!, TRAEFIK.namespace, TRAEFIK.service, {
    path: '/api/meta',
    portName: TRAEFIK.port,
    field: 'release',
    count,
    deadlineMs: 120_000,
    ...extra,
  });
}

/**
 * The split the weight promises: every request answered, and the canary's count `weight` percent
 * of them, give or take {@link TOLERANCE}. Throws with the counts otherwise.
 */
function expectExactSplit(answered: Answered, canary: string, weight: number): void {
  const canaryCount = answered.answers[canary] ?? 0;
  const expected = (answered.sent * weight) / 100;
  const answeredCount = Object.values(answered.answers).reduce((sum, count) => sum + count, 0);
  if (answeredCount !== answered.sent || Math.abs(canaryCount - expected) > TOLERANCE) {
    throw new Error(
      `expected ${expected} ± ${TOLERANCE} of ${answered.sent} requests answered by the canary ${canary} at weight ${weight}: ${JSON.stringify(answered)}`,
    );
  }
}

/** Sends the requests at a pause, checks the split and that Traefik's counters agree; returns the answers. */
async function measureSplit(weight: number, record: string): Promise<Answered> {
  const counters = () => eventually(record, "Traefik's request counters", serviceRequestCounters);
  const before = await counters();
  const answered = await requestsThroughTraefik();
  const counted = countedBetween(before, await counters());
  writeFileSync(join(cluster!.runDir, `${record}.json`), `${JSON.stringify({ answered, counted }, null, 2)}\n`);
  expect(answered.sent).toBe(REQUESTS);
  expect(answered.failures).toEqual({});
  expectExactSplit(answered, releases.canary, weight);
  // Traefik's own view: one request counted per answer, on the Service that answered it.
  expect(counted).toEqual({ canary: answered.answers[releases.canary] ?? 0, stable: answered.answers[releases.first] ?? 0 });
  return answered;
}

/** `npm run rollout -- status`: its traffic line for the cluster, or its warning. */
async function statusTraffic(): Promise<string> {
  const result = await project.rollout('status', CLUSTER);
  writeFileSync(join(cluster!.runDir, `status-${Date.now()}.txt`), `# exit ${result.code}\n${result.stdout}\n# stderr\n${result.stderr}`);
  const lines = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .filter((line) => line.includes(`${CLUSTER}:`) && /canary weight/.test(line));
  return lines.join('\n');
}

/** Traefik's resident memory now and at its peak (VmRSS, VmHWM), found by its command among the node's cgroup's processes. */
function traefikMemoryMiB(cgroup: string): { traefikRssMiB: number; traefikPeakRssMiB: number } | undefined {
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      if (!readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(cgroup)) continue;
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'traefik') continue;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
      return { traefikRssMiB: Math.round(kib('VmRSS') / 1024), traefikPeakRssMiB: Math.round(kib('VmHWM') / 1024) };
    } catch {
      // exited meanwhile
    }
  }
  return undefined;
}

drillStep('1. Traefik on: synth emits the Traefik Application, the weighted TraefikService and the IngressRoute', async () => {
  const overlayFile = join(project.root, 'overlays', `${CLUSTER}.yaml`);
  const overlay = parseDocument(readFileSync(overlayFile, 'utf8'));
  overlay.set('trafficRouting', { provider: 'traefik' });
  overlay.setIn(['workloads', 'mandelbrot', 'canaryWeights'], [...WEIGHTS]);
  overlay.setIn(['workloads', 'mandelbrot', 'replicas'], REPLICAS);
  writeFileSync(overlayFile, overlay.toString());
  await project.synth();
  project.commit('Traefik routes the canary on aws, at 10% then 50%');
  const files = readdirSync(project.workloadDir(CLUSTER));
  expect(files).toEqual(expect.arrayContaining([`traefikservice-${ROLLOUT}.yaml`, `ingressroute-${ROLLOUT}.yaml`]));
});

drillStep("2. install: Traefik and Argo Rollouts as their charts' pods, with the values of the project's Applications", async () => {
  const argocd = join(project.root, 'dist', CLUSTER, 'argocd');
  await cluster!.installChart(join(argocd, `application-trinity-traefik-${CLUSTER}.yaml`));
  await cluster!.installChart(join(argocd, `application-trinity-rollouts-${CLUSTER}.yaml`));
  // The API server reaches the kubelet through the node's egress proxy: `kubectl logs` works.
  const logs = await eventually('2. install', "the Rollouts controller's logs", () =>
    cluster!.kubectl(['logs', '--namespace', 'argo-rollouts', 'deployment/argo-rollouts', '--tail=20']),
  );
  expect(logs.trim()).not.toBe('');
  // And the pod proxy reaches Traefik's API.
  const version = await eventually('2. install', "Traefik's API version", async () =>
    cluster!.api.get<{ Version: string }>(await traefikProxyPath(TRAEFIK_API_PORT, '/api/version')),
  );
  expect(version?.Version).toBe('3.6.12');
});

drillStep('3. first revision: Healthy, and every request through the IngressRoute answered by it', async () => {
  await cluster!.createNamespaces(['argocd', NAMESPACE]);
  await cluster!.kubectl(['apply', '-f', project.workloadDir(CLUSTER)]);
  await awaitLiveRollout(live, '3. first revision', 'Healthy at the last step', promotedFully);
  await awaitAppliedWeight('3. first revision', 0);
  const answered = await requestsThroughTraefik(100);
  expect(answered.answers).toEqual({ [releases.first]: 100 });
});

drillStep('4. release at 10%: Traefik applies 10, and 100 ± 1 of 1,000 requests reach the canary', async () => {
  await project.release(releases.canary);
  const appliedAt = Date.now();
  await cluster!.kubectl(['apply', '-f', project.workloadDir(CLUSTER)]);
  await awaitLiveRollout(live, '4. release', 'Paused at step 1 (weight 10) with the canary Ready', pausedAt(10));
  figures.releaseApplyToWeight10AppliedSeconds = ((await awaitAppliedWeight('4. release', 10)) - appliedAt) / 1000;
  expect(await statusTraffic()).toContain(`${CLUSTER}: traffic: canary weight 10 desired, 10 applied by Traefik`);
  const answered = await measureSplit(10, 'requests-at-10');
  figures.canaryAnswersAt10 = answered.answers[releases.canary] ?? 0;
});

drillStep('5. negative control: weights set to 40/60 by hand are flagged by status, and the split assertion fails', async () => {
  const traefikService = await cluster!.api.get<{ spec: { weighted: { services: { name: string }[] } } }>(
    `/apis/traefik.io/v1alpha1/namespaces/${NAMESPACE}/traefikservices/${ROLLOUT}`,
  );
  const patch = traefikService!.spec.weighted.services.map((service, index) => ({
    op: 'replace',
    path: `/spec/weighted/services/${index}/weight`,
    value: service.name.endsWith('-canary') ? 40 : 60,
  }));
  await cluster!.kubectl(['patch', 'traefikservice', ROLLOUT, '--namespace', NAMESPACE, '--type=json', `--patch=${JSON.stringify(patch)}`]);
  await awaitAppliedWeight('5. negative control', 40);
  expect(await statusTraffic()).toContain(`warning: ${CLUSTER}: Traefik applies canary weight 40, the Rollout wants 10`);
  const answered = await requestsThroughTraefik();
  writeFileSync(join(cluster!.runDir, 'requests-at-40-by-hand.json'), `${JSON.stringify(answered, null, 2)}\n`);
  expect(() => expectExactSplit(answered, releases.canary, 10)).toThrow(/expected 100 ± 1 of 1000/);
  expectExactSplit(answered, releases.canary, 40);
});

drillStep(
  '6. promote to 50%: the controller writes 50 over the hand-set weights, and 500 ± 1 of 1,000 requests reach the canary',
  async () => {
    const promotedAt = Date.now();
    let writtenAt: number | undefined;
    // The operator's promote: it ends once the canary is Paused at its next pause step (weight 50).
    const [appliedAt] = await Promise.all([
      waitFor(
        '6. promote',
        'the TraefikService written with 50 and Traefik applying it',
        async () => {
          const written = await writtenCanaryWeight();
          if (written === 50) writtenAt ??= Date.now();
          const applied = await appliedCanaryWeight();
          return { done: applied === 50, seen: `written ${written}, applied ${applied}` };
        },
        { timeoutMs: 90_000, intervalMs: 100 },
      ).then(() => Date.now()),
      project.operate('promote', CLUSTER, join(cluster!.runDir, 'operator')),
    ]);
    figures.promoteToWeight50AppliedSeconds = (appliedAt - promotedAt) / 1000;
    figures.weightWrittenToAppliedSeconds = (appliedAt - (writtenAt ?? appliedAt)) / 1000;
    await awaitLiveRollout(live, '6. promote', 'Paused at step 3 (weight 50)', pausedAt(50));
    expect(await statusTraffic()).toContain(`${CLUSTER}: traffic: canary weight 50 desired, 50 applied by Traefik`);
    const answered = await measureSplit(50, 'requests-at-50');
    figures.canaryAnswersAt50 = answered.answers[releases.canary] ?? 0;
  },
);

drillStep(`7. abort: every request reaches stable within ${ABORT_TO_STABLE_MS / 1000} s`, async () => {
  // Requests every 5 ms from before the abort until well after it; when each release answered last.
  const requests = requestsThroughTraefik(4_000, { intervalMs: 5, deadlineMs: 20_000 });
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const abortedAt = Date.now();
  const [zeroAt] = await Promise.all([
    awaitAppliedWeight('7. abort', 0),
    project.operate('abort', CLUSTER, join(cluster!.runDir, 'operator')),
  ]);
  figures.abortToWeight0AppliedSeconds = (zeroAt - abortedAt) / 1000;
  const answered = await requests;
  writeFileSync(join(cluster!.runDir, 'requests-around-abort.json'), `${JSON.stringify({ abortedAt, answered }, null, 2)}\n`);
  expect(answered.failures).toEqual({});
  // The canary answered before the abort, and stable went on answering past the promise.
  expect(answered.lastAt[releases.canary]).toBeGreaterThan(abortedAt - 3_000);
  expect(answered.lastAt[releases.first]).toBeGreaterThan(abortedAt + ABORT_TO_STABLE_MS);
  figures.abortToAllStableSeconds = Math.max(0, answered.lastAt[releases.canary]! - abortedAt) / 1000;
  expect(answered.lastAt[releases.canary]! - abortedAt).toBeLessThanOrEqual(ABORT_TO_STABLE_MS);
});

drillStep('8. new release and promote-full: every request reaches the new release', async () => {
  await project.release(releases.full);
  await cluster!.kubectl(['apply', '-f', project.workloadDir(CLUSTER)]);
  await awaitLiveRollout(live, '8. promote-full', 'Paused at step 1 (weight 10)', pausedAt(10));
  await project.operate('promote-full', CLUSTER, join(cluster!.runDir, 'operator'));
  await awaitLiveRollout(live, '8. promote-full', 'Healthy at the last step on the new release', promotedFully);
  await awaitAppliedWeight('8. promote-full', 0);
  // Traefik follows the stable Service's endpoints, which now are the new pods.
  await waitFor(
    '8. promote-full',
    'a batch of 20 requests all answered by the new release',
    async () => {
      const batch = await requestsThroughTraefik(20);
      return { done: batch.answers[releases.full] === 20, seen: JSON.stringify(batch) };
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  const answered = await requestsThroughTraefik(200);
  expect(answered.answers).toEqual({ [releases.full]: 200 });
});
