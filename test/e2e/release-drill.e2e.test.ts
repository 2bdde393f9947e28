/**
 * The release drill on a real control plane and a real node, with the Argo Rollouts controller as
 * the chart's pod and the real plugin: every step runs the project's own commands on a copy of the
 * project and asserts on live objects read from the API server, and on requests answered by the
 * Mandelbrot pods through their Service. Steps depend on each other; after a failure the rest are
 * not run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { summarizeRollout } from '../../lib/operator/rollout-summary.js';
import { walkFiles } from '../../lib/util/walk-files.js';
import { type CliResult, tableRows } from '../operator/stand-in-kubectl.js';
import { parseGetRollout, parseStatusLine, type PluginRolloutView } from '../operator/plugin-output.js';
import { type DrillCluster, peakMemoryMiB, startDrillCluster } from './support/drill-cluster.js';
import { DrillProject } from './support/drill-project.js';
import { runKubectl } from './support/kube-api.js';
import { awaitLiveRollout, drillSteps, fullyPromoted, pausedAtHalf, recordFiguresAndStop } from './support/drill-steps.js';
import { eventsAbout, podsOf, podStartToReadySeconds, requestsThroughService } from './support/real-pods.js';
import { recordRolloutViews } from './support/rollout-views.js';
import { configMapsOf, envOf, LiveRollout, replicaSetOf, type RolloutSnapshot } from './support/live-rollout.js';
import { StepFailure, waitFor } from './support/wait.js';

const CLUSTER = 'aws';
const NAMESPACE = 'mandelbrot';
const ROLLOUT = 'mandelbrot';
/** The canary's weight at its pause, and the replicas the overlays give the Rollout. */
const REPLICAS = 2;
const STEP_TIMEOUT_MS = 5 * 60_000;
/** Requests sent through the Service at the pause: with 1 stable and 1 canary pod, both answer some. */
const SERVICE_REQUESTS = 60;
/** A cold run builds the toolchain first: many minutes on 2 cores. */
const SETUP_TIMEOUT_MS = 80 * 60_000;

const log = (line: string) => process.stderr.write(`e2e ${new Date().toISOString().slice(11, 19)} ${line}\n`);

let cluster: DrillCluster | undefined;
let project: DrillProject;
let live: LiveRollout;
/** Figures for `npm run bench`: seconds, and MiB for memory. */
const figures: Record<string, number> = {};
const startedAt = Date.now();

/** What the drill remembers between steps. */
const seen: {
  firstHash?: string;
  releaseHash?: string;
  releaseAppliedAt?: number;
  stableBeforeEdit?: string;
  stableConfigMapAtEdit?: string;
  editHash?: string;
} = {};

beforeAll(async () => {
  cluster = await startDrillCluster({
    externalKubeconfig: process.env.E2E_KUBECONFIG,
    namespaces: [NAMESPACE],
    log,
  });
  project = DrillProject.forCluster(cluster);
  live = new LiveRollout(cluster.api, NAMESPACE, ROLLOUT);
  log(`project copy: ${project.root}`);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  if (cluster?.realNode) {
    figures.nodeReadySeconds = cluster.realNode.readySeconds;
    figures.nodePeakMiB = cluster.realNode.peakMemoryMiB();
  }
  if (cluster?.controlPlane) figures.controlPlanePeakMiB = peakMemoryMiB(cluster.controlPlane.components);
  if (cluster?.rolloutsController) figures.rolloutsControllerPeakMiB = peakMemoryMiB([cluster.rolloutsController]);
  figures.drillSeconds = (Date.now() - startedAt) / 1000;
  if (cluster) await recordFiguresAndStop(cluster, figures, 'E2E_FIGURES_FILE', log);
  if (!failed()) project?.cleanup();
}, 60_000);

const { step: drillStep, failed } = drillSteps(() => cluster, STEP_TIMEOUT_MS);
const awaitRollout = (step: string, awaited: string, check: (snapshot: RolloutSnapshot) => boolean) =>
  awaitLiveRollout(live, step, awaited, check);

async function applyWorkload(): Promise<void> {
  await cluster!.kubectl(['apply', '-f', project.workloadDir(CLUSTER)]);
}

/**
 * Saves what the plugin and the API server say about the Rollout now (see recordRolloutViews),
 * and checks that `npm run rollout -- status` agrees with the
 * plugin on status, step, weight and stable ReplicaSet.
 */
async function recordAndCompare(step: string, stage: string): Promise<{ plugin: PluginRolloutView; table: string[] }> {
  const { get, status, rollout, tool } = await recordRolloutViews(
    cluster!,
    project,
    { context: CLUSTER, namespace: NAMESPACE, name: ROLLOUT },
    stage,
  );
  if (get.code !== 0) throw new StepFailure(step, 'kubectl argo rollouts get rollout to succeed', `${get.code}: ${get.stderr}`);
  if (tool.code !== 0) throw new StepFailure(step, 'npm run rollout -- status to succeed', `${tool.code}: ${tool.stderr}`);
  const plugin = parseGetRollout(get.stdout);
  const table = tableRows(tool.stdout).get(CLUSTER)!;
  const [, , toolStatus, toolStep, toolWeight, , , toolStable] = table;
  const agreed = { status: plugin.status, step: plugin.step, weight: plugin.setWeight, stable: plugin.stableReplicaSet };
  const ours = { status: toolStatus, step: toolStep, weight: toolWeight, stable: toolStable };
  if (JSON.stringify(agreed) !== JSON.stringify(ours)) {
    throw new StepFailure(step, `the status table to agree with the plugin: ${JSON.stringify(agreed)}`, JSON.stringify(ours));
  }
  // The same computation in process, on the very JSON the plugin read a moment before.
  const summary = summarizeRollout(rollout);
  expect({ status: summary.status, step: summary.step, weight: summary.weight }).toEqual({
    status: plugin.status,
    step: plugin.step,
    weight: plugin.setWeight,
  });
  expect(parseStatusLine(status.stdout).status).toBe(plugin.status);
  return { plugin, table };
}

/**
 * `npm run rollout -- <operation> --cluster aws` on the project copy; its output, which quotes
 * the plugin's, is kept under `<run>/operator/`. Fails unless it exits 0.
 */
function operate(operation: string): Promise<CliResult> {
  return project.operate(operation, CLUSTER, join(cluster!.runDir, 'operator'));
}

drillStep('1. apply: the API server accepts every object of dist/, then the workload is applied', async () => {
  // argocd stands for Argo CD's own namespace; mandelbrot is what CreateNamespace=true creates.
  await cluster!.createNamespaces(['argocd', NAMESPACE]);
  const files = walkFiles(join(project.root, 'dist')).filter((file) => file.path.endsWith('.yaml'));
  const dryRun = await cluster!.kubectl(['apply', '--dry-run=server', '--recursive', '-f', join(project.root, 'dist')]);
  const accepted = dryRun.split('\n').filter((line) => line.endsWith('(server dry run)'));
  expect(accepted).toHaveLength(files.length);
  expect(accepted.filter((line) => line.startsWith('application.argoproj.io/')).length).toBeGreaterThan(0);
  expect(accepted.filter((line) => line.startsWith('appproject.argoproj.io/')).length).toBeGreaterThan(0);
  figures.applyAt = Date.now();
  await applyWorkload();
  expect(await live.snapshot()).toBeDefined();
});

drillStep('2. first revision: the Rollout goes straight to Healthy with no pause', async () => {
  const phases = new Set<string>();
  const snapshot = await awaitRollout('2. first revision', `Healthy at step 3/3 with ${REPLICAS} Ready pods on one hash`, (current) => {
    phases.add(current.rollout.status?.phase ?? '-');
    return fullyPromoted(current);
  });
  figures.firstRevisionToHealthySeconds = (Date.now() - figures.applyAt!) / 1000;
  delete figures.applyAt;
  figures.podStartToReadySeconds = await podStartToReadySeconds(cluster!.api, NAMESPACE);
  expect([...phases].filter((phase) => phase === 'Paused')).toEqual([]);
  seen.firstHash = snapshot.rollout.status!.currentPodHash;
  await recordAndCompare('2. first revision', 'first-revision-healthy');
});

drillStep('docs/operating.md: scaleDownDelaySeconds and dynamicStableScale are invalid without a traffic router', async () => {
  const rollout = parse(readFileSync(join(project.workloadDir(CLUSTER), 'rollout-mandelbrot.yaml'), 'utf8'));
  for (const [name, setting] of [
    ['scale-down-delay', { scaleDownDelaySeconds: 30 }],
    ['dynamic-stable-scale', { dynamicStableScale: true }],
  ] as const) {
    // Its own labels and no replicas: it must not touch the Mandelbrot pods.
    const labels = { 'app.kubernetes.io/name': name };
    const candidate = {
      ...rollout,
      metadata: { name, namespace: NAMESPACE },
      spec: {
        ...rollout.spec,
        replicas: 0,
        selector: { matchLabels: labels },
        template: { ...rollout.spec.template, metadata: { labels } },
        strategy: { canary: { ...rollout.spec.strategy.canary, ...setting } },
      },
    };
    const file = join(cluster!.runDir, `rollout-${name}.yaml`);
    writeFileSync(file, stringify(candidate));
    await cluster!.kubectl(['apply', '-f', file]);
    const other = new LiveRollout(cluster!.api, NAMESPACE, name);
    await waitFor(
      'docs/operating.md: invalid without a traffic router',
      `Rollout ${name} Degraded with an InvalidSpec condition naming ${Object.keys(setting)[0]}`,
      async () => {
        const { rollout: live } = await other.snapshot();
        const invalid = live.status?.conditions?.find((condition) => condition.type === 'InvalidSpec');
        return {
          done: live.status?.phase === 'Degraded' && invalid?.message?.includes(Object.keys(setting)[0]!) === true,
          seen: `${live.status?.phase ?? '-'}: ${invalid?.message ?? 'no InvalidSpec condition'}`,
        };
      },
      { timeoutMs: 60_000 },
    );
    await cluster!.kubectl(['delete', '-f', file, '--wait=true']);
  }
});

drillStep('real pods: a wrong readiness probe path or source mount keeps the pod from ever serving', async () => {
  const rollout = parse(readFileSync(join(project.workloadDir(CLUSTER), 'rollout-mandelbrot.yaml'), 'utf8'));
  const cases = [
    {
      name: 'wrong-probe-path',
      breakIt: (container: Record<string, any>) => (container.readinessProbe.httpGet.path = '/no-such-path'),
      // The kubelet really probes the path: the service answers 404 there.
      caught: (_pod: Awaited<ReturnType<typeof podsOf>>[number], events: string[]) =>
        events.some((event) => /^Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 404/.test(event)),
    },
    {
      name: 'wrong-source-mount',
      breakIt: (container: Record<string, any>) => (container.volumeMounts[0].mountPath = '/src'),
      // node finds no /app/server.js: the container exits 1, again and again.
      caught: (pod: Awaited<ReturnType<typeof podsOf>>[number]) =>
        (pod.status?.containerStatuses ?? []).some((status) => status.lastState?.terminated?.exitCode === 1),
    },
  ];
  for (const { name, breakIt, caught } of cases) {
    // Its own labels and one replica: it must not touch the Mandelbrot pods or their Service.
    const labels = { 'app.kubernetes.io/name': name };
    const template = structuredClone(rollout.spec.template);
    template.metadata = { labels };
    breakIt(template.spec.containers[0]);
    const candidate = {
      ...rollout,
      metadata: { name, namespace: NAMESPACE },
      spec: { ...rollout.spec, replicas: 1, selector: { matchLabels: labels }, template },
    };
    const file = join(cluster!.runDir, `rollout-${name}.yaml`);
    writeFileSync(file, stringify(candidate));
    await cluster!.kubectl(['apply', '-f', file]);
    const seenPod = await waitFor(
      'real pods',
      `the pod of Rollout ${name} failing as the kubelet reports it`,
      async () => {
        const [pod] = await podsOf(cluster!.api, NAMESPACE, `app.kubernetes.io/name=${name}`);
        const events = pod ? await eventsAbout(cluster!.api, NAMESPACE, pod.metadata.name) : [];
        return {
          done: pod !== undefined && caught(pod, events),
          seen: `${JSON.stringify(pod?.status?.containerStatuses ?? 'no pod')} ${events.join('; ')}`,
          value: pod,
        };
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(seenPod.status?.containerStatuses?.[0]?.ready).toBe(false);
    await cluster!.kubectl(['delete', '-f', file, '--wait=true']);
  }
});

drillStep('3. release: Paused at step 1/3, weight 50, 1 stable and 1 canary pod, the canary on the new release', async () => {
  await project.release('e2e-canary');
  const appliedAt = Date.now();
  await applyWorkload();
  // Every look on the way: docs/operating.md promises at most 3 pods (the surge) and a pause only once the canary is available.
  const looks: { phase?: string; pods: number; canaryReady: number }[] = [];
  const snapshot = await awaitRollout(
    '3. release',
    'Paused (CanaryPauseStep) at step 1/3 with 1 stable and 1 canary pod, both Ready',
    (current) => {
      const status = current.rollout.status ?? {};
      const canary = status.currentPodHash !== status.stableRS ? current.pods.get(status.currentPodHash ?? '') : undefined;
      looks.push({
        phase: status.phase,
        pods: [...current.pods.values()].reduce((sum, count) => sum + count.total, 0),
        canaryReady: canary?.ready ?? 0,
      });
      return pausedAtHalf(current);
    },
  );
  figures.releaseApplyToPausedSeconds = (Date.now() - appliedAt) / 1000;
  seen.releaseAppliedAt = appliedAt;
  expect(Math.max(...looks.map((look) => look.pods))).toBeLessThanOrEqual(REPLICAS + 1);
  expect(looks.filter((look) => look.phase === 'Paused' && look.canaryReady !== 1)).toEqual([]);
  const status = snapshot.rollout.status!;
  expect(status.stableRS).toBe(seen.firstHash);
  expect(status.message).toBe('CanaryPauseStep');
  seen.releaseHash = status.currentPodHash;
  expect(envOf(replicaSetOf(snapshot, status.currentPodHash)!.spec.template, 'MANDELBROT_RELEASE')).toBe('e2e-canary');
  expect(envOf(replicaSetOf(snapshot, status.stableRS)!.spec.template, 'MANDELBROT_RELEASE')).toBe('continuous');
  // The plain Service selects the pods of both ReplicaSets: the canary gets about half the traffic.
  const service = await cluster!.api.get<{ spec: { selector: Record<string, string> } }>(
    `/api/v1/namespaces/${NAMESPACE}/services/${ROLLOUT}`,
  );
  const selector = Object.entries(service!.spec.selector)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  const selected = await cluster!.api.list<{ metadata: { labels: Record<string, string>; deletionTimestamp?: string } }>(
    `/api/v1/namespaces/${NAMESPACE}/pods`,
    selector,
  );
  const selectedHashes = new Set(
    selected.filter((pod) => !pod.metadata.deletionTimestamp).map((pod) => pod.metadata.labels['rollouts-pod-template-hash']),
  );
  expect(selectedHashes).toEqual(new Set([status.stableRS, status.currentPodHash]));
});

drillStep('9. traffic (while the release is paused): requests through the Mandelbrot Service are answered by both releases', async () => {
  expect((await live.snapshot()).rollout.status?.phase).toBe('Paused');
  const answered = await requestsThroughService(cluster!, NAMESPACE, ROLLOUT, {
    path: '/api/meta',
    field: 'release',
    count: SERVICE_REQUESTS,
  });
  figures.releaseApplyToServedByBothSeconds = (Date.now() - seen.releaseAppliedAt!) / 1000;
  writeFileSync(join(cluster!.runDir, 'requests-at-pause.json'), `${JSON.stringify(answered, null, 2)}\n`);
  figures.requestsToCanaryAtPause = answered.answers['e2e-canary'] ?? 0;
  figures.requestsToStableAtPause = answered.answers.continuous ?? 0;
  expect(answered.sent).toBe(SERVICE_REQUESTS);
  // Every connection reaches a pod; on a busy machine a render of the page may outlast the client's
  // deadline now and then, but nothing is refused or reset.
  expect(Object.keys(answered.failures).filter((cause) => cause !== 'timed out')).toEqual([]);
  const answeredCount = Object.values(answered.answers).reduce((sum, count) => sum + count, 0);
  expect(answeredCount).toBeGreaterThanOrEqual(SERVICE_REQUESTS * 0.9);
  // One pod of each release behind the Service: each answers a share of the requests, nothing else does.
  expect(Object.keys(answered.answers).sort()).toEqual(['continuous', 'e2e-canary']);
});

drillStep(
  '4. status: npm run rollout -- status agrees with kubectl argo rollouts on status, step, weight and stable ReplicaSet',
  async () => {
    const { plugin, table } = await recordAndCompare('4. status', 'release-paused');
    expect(plugin).toMatchObject({
      status: 'Paused',
      message: 'CanaryPauseStep',
      step: '1/3',
      setWeight: '50',
      stableReplicaSet: `${ROLLOUT}-${seen.firstHash}`,
      canaryReplicaSet: `${ROLLOUT}-${seen.releaseHash}`,
    });
    expect(table.slice(2)).toEqual(['Paused', '1/3', '50', String(REPLICAS), String(REPLICAS), `${ROLLOUT}-${seen.firstHash}`]);
  },
);

drillStep('5. promote: Healthy at step 3/3 with both pods on the new hash', async () => {
  const promotedAt = Date.now();
  await operate('promote');
  const snapshot = await awaitRollout(
    '5. promote',
    `Healthy at step 3/3 with ${REPLICAS} Ready pods on ${seen.releaseHash}`,
    fullyPromoted,
  );
  figures.promoteToHealthySeconds = (Date.now() - promotedAt) / 1000;
  expect(snapshot.rollout.status!.currentPodHash).toBe(seen.releaseHash);
  await recordAndCompare('5. promote', 'promoted-healthy');
});

drillStep(
  '6. abort: Degraded with the stable ReplicaSet at full size and the canary at 0; a revert in Git brings Healthy on the old hash',
  async () => {
    await project.release('e2e-abort');
    await applyWorkload();
    await awaitRollout('6. abort', 'the second release Paused with 1 stable and 1 canary pod', pausedAtHalf);
    await operate('abort');
    const aborted = await awaitRollout(
      '6. abort',
      `Degraded, stable ReplicaSet ${seen.releaseHash} at ${REPLICAS} Ready, the canary at 0`,
      (snapshot) => {
        const status = snapshot.rollout.status ?? {};
        const stable = replicaSetOf(snapshot, status.stableRS);
        const canary = replicaSetOf(snapshot, status.currentPodHash);
        return (
          status.phase === 'Degraded' &&
          stable?.spec.replicas === REPLICAS &&
          stable.status?.readyReplicas === REPLICAS &&
          canary?.spec.replicas === 0 &&
          (canary.status?.replicas ?? 0) === 0
        );
      },
    );
    expect(aborted.rollout.status!.stableRS).toBe(seen.releaseHash);
    expect(aborted.rollout.status!.message).toMatch(/^RolloutAborted: /);
    await recordAndCompare('6. abort', 'aborted');

    project.revertLastCommit();
    await project.synth();
    await applyWorkload();
    const reverted = await awaitRollout('6. abort', `Healthy again on ${seen.releaseHash} after the revert`, fullyPromoted);
    expect(reverted.rollout.status!.currentPodHash).toBe(seen.releaseHash);
  },
);

drillStep(
  '7. source edit: a canary whose stable and canary ConfigMaps both exist; three more edits retire the oldest from dist/',
  async () => {
    project.editSource('e2e source edit 1');
    await project.synth();
    project.commit('Edit the service');
    await applyWorkload();
    const paused = await awaitRollout('7. source edit', 'a canary Paused with 1 stable and 1 canary pod', pausedAtHalf);
    const status = paused.rollout.status!;
    const [stableConfigMap] = configMapsOf(replicaSetOf(paused, status.stableRS)!.spec.template);
    const [canaryConfigMap] = configMapsOf(replicaSetOf(paused, status.currentPodHash)!.spec.template);
    expect(canaryConfigMap).not.toBe(stableConfigMap);
    expect(await live.configMap(stableConfigMap!)).toBeDefined();
    expect(await live.configMap(canaryConfigMap!)).toBeDefined();
    seen.stableBeforeEdit = status.stableRS;
    seen.stableConfigMapAtEdit = stableConfigMap;
    seen.editHash = status.currentPodHash;

    await operate('promote');
    await awaitRollout('7. source edit', 'the source edit promoted: Healthy at 3/3', fullyPromoted);

    for (const edit of [2, 3, 4]) {
      project.editSource(`e2e source edit ${edit}`);
      await project.synth();
    }
    const retained = project.configMapsInDist(CLUSTER).filter((name) => name.startsWith('mandelbrot-source-'));
    expect(retained).not.toContain(stableConfigMap);
    expect(retained).toContain(canaryConfigMap);
    expect(retained).toHaveLength(4);
    // Put the service back as the cluster runs it, so the next steps apply nothing new.
    project.git('checkout', '--', 'services', 'dist', '.github');
  },
);

drillStep('8. plugin order: restart and undo through the tool work against the real plugin', async () => {
  // What the tool's argument order guards against, as the real kubectl and plugin answer it.
  const kubectl = join(cluster!.pathDir, 'kubectl');
  const flagsFirst = await runKubectl(kubectl, cluster!.kubeconfig, [
    '--context',
    CLUSTER,
    'argo',
    'rollouts',
    'get',
    'rollout',
    ROLLOUT,
    '--namespace',
    NAMESPACE,
  ]);
  expect(flagsFirst).toMatchObject({ code: 1 });
  expect(flagsFirst.stderr).toContain('flags cannot be placed before plugin name: --context');
  const spaced = await runKubectl(kubectl, cluster!.kubeconfig, [
    'argo',
    'rollouts',
    '--context',
    CLUSTER,
    'status',
    ROLLOUT,
    '--namespace',
    NAMESPACE,
    '--watch',
    'false',
  ]);
  expect(spaced.code).not.toBe(0);
  writeFileSync(
    join(cluster!.runDir, 'plugin-output', 'flag-order.txt'),
    `# flags before the plugin name: exit ${flagsFirst.code}\n${flagsFirst.stderr}\n# --watch false: exit ${spaced.code}\n${spaced.stdout}${spaced.stderr}`,
  );

  const before = await live.snapshot();
  const podsBefore = await cluster!.api.list<{ metadata: { name: string } }>(`/api/v1/namespaces/${NAMESPACE}/pods`);
  await operate('restart');
  await awaitRollout('8. plugin order', 'the restart done: restartedAt set, Healthy, pods replaced', (snapshot) => {
    const status = snapshot.rollout.status;
    return status?.restartedAt !== undefined && fullyPromoted(snapshot);
  });
  const podsAfter = await waitFor('8. plugin order', 'every pod from before the restart replaced', async () => {
    const pods = await cluster!.api.list<{ metadata: { name: string; deletionTimestamp?: string } }>(
      `/api/v1/namespaces/${NAMESPACE}/pods`,
    );
    const names = pods.filter((pod) => !pod.metadata.deletionTimestamp).map((pod) => pod.metadata.name);
    return {
      done: names.length === REPLICAS && names.every((name) => !podsBefore.some((old) => old.metadata.name === name)),
      seen: names.join(', '),
      value: names,
    };
  });
  expect(podsAfter).toHaveLength(REPLICAS);
  expect(before.rollout.status!.currentPodHash).toBe(seen.editHash);
  await recordAndCompare('8. plugin order', 'restarted');

  await operate('undo');
  const undone = await awaitRollout(
    '8. plugin order',
    `the undo: the pod template of ${seen.stableBeforeEdit} current again`,
    (snapshot) =>
      snapshot.rollout.status?.currentPodHash === seen.stableBeforeEdit &&
      ['Paused', 'Healthy'].includes(snapshot.rollout.status?.phase ?? ''),
  );
  // The earlier template's ReplicaSet had been scaled down: the undo is a canary like any release.
  expect(undone.rollout.status).toMatchObject({ phase: 'Paused', currentStepIndex: 1, stableRS: seen.editHash });
  await recordAndCompare('8. plugin order', 'undone');
});
