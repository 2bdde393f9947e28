/**
 * The GitOps drill: a real Argo CD v3.3.7 (application controller and repo-server, local
 * processes) reconciles the synthesized tree from a Git repository served on 127.0.0.1, and
 * installs the argo-rollouts chart, and later Traefik's, from a chart repository served there too. Every step runs the
 * project's own commands on a copy of the project, commits to that repository as an operator
 * would, and asserts on live objects. Steps depend on each other; after a failure the rest are
 * not run.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseDocument } from 'yaml';
import {
  rolloutsApplicationName,
  rootApplicationName,
  traefikApplicationName,
  workloadApplicationName,
} from '../../lib/core/application-names.js';
import { TRAEFIK_NAMESPACE } from '../../lib/argocd/traefik-application.js';
import type { CliResult } from '../operator/stand-in-kubectl.js';
import { type ArgoCd, startArgoCd } from './support/argocd.js';
import { type DrillCluster, peakMemoryMiB, startDrillCluster } from './support/drill-cluster.js';
import { DrillProject } from './support/drill-project.js';
import { drillSteps } from './support/drill-steps.js';
import { type GitOpsSources, pointPlatformAt, startGitOpsSources } from './support/gitops-sources.js';
import { type ApplicationObject, describeApplication, LiveApplications, syncAndHealth } from './support/live-application.js';
import { configMapsOf, describeSnapshot, envOf, LiveRollout, replicaSetOf, type RolloutSnapshot } from './support/live-rollout.js';
import { sharedDir } from './support/shared-inputs.js';
import { StandIns } from './support/stand-ins.js';
import { TRAEFIK_IMAGE } from './support/node-images.js';
import { ensureToolchain } from './support/toolchain.js';
import { waitFor } from './support/wait.js';

const CLUSTER = 'aws';
const NAMESPACE = 'mandelbrot';
const ROLLOUT = 'mandelbrot';
/** The replicas the overlays give the Rollout. */
const REPLICAS = 2;
const APPS = {
  root: rootApplicationName('dev', CLUSTER),
  rollouts: rolloutsApplicationName(CLUSTER),
  mandelbrot: workloadApplicationName('mandelbrot', CLUSTER),
} as const;
/** The Application step 7 turns on, with Traefik's routing of the canary. */
const TRAEFIK_APP = traefikApplicationName(CLUSTER);
/** The canary's weights once Traefik routes it, each followed by a pause. */
const WEIGHTS = [10, 50] as const;
const STEP_TIMEOUT_MS = 5 * 60_000;
/** A cold run builds the toolchain first, Argo CD the longest of it. */
const SETUP_TIMEOUT_MS = 80 * 60_000;

const log = (line: string) => process.stderr.write(`e2e gitops ${new Date().toISOString().slice(11, 19)} ${line}\n`);

let cluster: DrillCluster | undefined;
let sources: GitOpsSources | undefined;
let argocd: ArgoCd | undefined;
let project: DrillProject;
let apps: LiveApplications;
let standIns: StandIns;
let live: LiveRollout;
/** Figures for `npm run bench`: seconds, and MiB for memory. */
const figures: Record<string, number> = {};
const startedAt = Date.now();

beforeAll(async () => {
  const chartDirs = ['argo-rollouts-2.40.9', 'traefik-39.0.7'].map((chart) => join(sharedDir(), 'charts', chart));
  // Argo CD first: when it cannot be built, no cluster is started for nothing.
  // One component per call: Toolchain<C> names the binaries of a single component.
  const helm = await ensureToolchain({ components: ['helm'], log });
  const argo = await ensureToolchain({ components: ['argo-cd'], log });
  cluster = await startDrillCluster({
    namespaces: [NAMESPACE],
    installRollouts: false,
    // Traefik's image on the real node, under the chart's image name: Argo CD installs the chart at step 7.
    traefik: true,
    // `npm run rollout` reads the weight Traefik applies from its API, through the API server's pod proxy.
    apiServerReachesPods: true,
    log,
  });
  project = DrillProject.create(
    { PATH: `${cluster.pathDir}:${process.env.PATH}`, KUBECONFIG: cluster.kubeconfig },
    join(cluster.runDir, 'bundle-cache'),
  );
  log(`project copy: ${project.root}`);
  sources = await startGitOpsSources({ dir: join(cluster.runDir, 'sources'), gitWorkTree: project.root, chartDirs, helm: helm.helm });
  log(`Git repository ${sources.gitURL}, chart repository ${sources.chartRepoURL}`);
  pointPlatformAt(project.root, sources);
  await project.synth();
  project.commit('Argo CD pulls from the repositories on 127.0.0.1');
  argocd = await startArgoCd({
    supervisor: cluster.supervisor,
    kubeconfig: cluster.kubeconfig,
    kubectl: cluster.kubectl,
    binaries: { applicationController: argo['argocd-application-controller'], repoServer: argo['argocd-repo-server'] },
    helmDir: helm.binDir,
    repositoryCertificate: sources.certificate,
    log,
  });
  apps = new LiveApplications(cluster.api, cluster.kubectl);
  standIns = new StandIns(cluster, {
    namespace: NAMESPACE,
    service: ROLLOUT,
    loadBalancerHostname: `${ROLLOUT}.${CLUSTER}.lb.invalid`,
    moreLoadBalancers: [{ namespace: TRAEFIK_NAMESPACE, service: 'traefik', hostname: `traefik.${CLUSTER}.lb.invalid` }],
    onRolloutsControllerStarted: () => {
      figures.bootstrapApplyToRolloutsCrdSeconds = (Date.now() - (bootstrapAppliedAt ?? Date.now())) / 1000;
    },
  });
  live = new LiveRollout(cluster.api, NAMESPACE, ROLLOUT);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  if (argocd) figures.argoCdPeakMiB = peakMemoryMiB([argocd.applicationController, argocd.repoServer, argocd.redis]);
  figures.drillSeconds = (Date.now() - startedAt) / 1000;
  await sources?.close();
  if (cluster) {
    writeFileSync(join(cluster.runDir, 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
    if (process.env.E2E_GITOPS_FIGURES_FILE) writeFileSync(process.env.E2E_GITOPS_FIGURES_FILE, `${JSON.stringify(figures, null, 2)}\n`);
    if (sources) writeFileSync(join(cluster.runDir, 'sources', 'requests.log'), `${sources.requests.join('\n')}\n`);
    const left = await cluster.stop();
    // Host hygiene: nothing of the node stays on the host (processes, mounts, links, firewall rules, cgroups, sysctls).
    expect(left).toEqual([]);
    log(`stopped every process; logs in ${cluster.runDir}`);
  }
  if (!steps.failed()) project?.cleanup();
}, 60_000);

const steps = drillSteps(() => cluster, STEP_TIMEOUT_MS);
const drillStep = steps.step;

let bootstrapAppliedAt: number | undefined;

/** Waits until every named Application satisfies `check`; the stand-ins run on each look. */
async function awaitApplications(
  step: string,
  awaited: string,
  names: readonly string[],
  check: (byName: Record<string, ApplicationObject | undefined>) => boolean,
  timeoutMs = 240_000,
): Promise<Record<string, ApplicationObject | undefined>> {
  return waitFor(
    step,
    awaited,
    async () => {
      await standIns.run();
      const byName = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await apps.get(name)] as const)));
      return { done: check(byName), seen: names.map((name) => describeApplication(byName[name])).join(' | '), value: byName };
    },
    { timeoutMs, intervalMs: 500 },
  );
}

const syncedHealthy = (app: ApplicationObject | undefined) => syncAndHealth(app) === 'Synced/Healthy' && app?.operation === undefined;

/** `npm run rollout -- <operation> --cluster aws`; its output is kept under `<run>/operator/`. Fails unless it exits 0. */
function operate(operation: string): Promise<CliResult> {
  return project.operate(operation, CLUSTER, join(cluster!.runDir, 'operator'));
}

drillStep(
  '1. bootstrap: the root Application alone syncs the AppProject, the chart (nothing refused) and the workload, Healthy',
  async () => {
    const mandelbrotStates: string[] = [];
    bootstrapAppliedAt = Date.now();
    await cluster!.kubectl(['apply', '-f', join(project.root, 'dist', 'bootstrap', `application-trinity-dev-${CLUSTER}-root.yaml`)]);
    await awaitApplications(
      '1. bootstrap',
      'all three Applications Synced with no operation running; root and Mandelbrot Healthy',
      Object.values(APPS),
      (byName) => {
        const state = byName[APPS.mandelbrot]?.status?.operationState;
        const line = state ? `${state.phase} (retry ${state.retryCount ?? 0}): ${state.message ?? ''}` : undefined;
        if (line && mandelbrotStates.at(-1) !== line) mandelbrotStates.push(line);
        return (
          Object.values(byName).every((app) => app?.status?.sync?.status === 'Synced' && app.operation === undefined) &&
          syncedHealthy(byName[APPS.root]) &&
          syncedHealthy(byName[APPS.mandelbrot])
        );
      },
    );
    writeFileSync(join(cluster!.runDir, 'mandelbrot-operation-states.txt'), `${mandelbrotStates.join('\n')}\n`);
    figures.bootstrapApplyToHealthySeconds = (Date.now() - bootstrapAppliedAt) / 1000;
    // Failed attempts (the Rollout kind unknown until the chart's CRDs exist) are retried within the
    // Application's retry limit, and the sync then succeeds.
    const failedSyncs = mandelbrotStates.filter((state) => !state.startsWith('Succeeded') && !state.startsWith('Running (retry 0)'));
    figures.mandelbrotFailedSyncsBeforeHealthy = failedSyncs.length;
    const retryLimit = parse(readFileSync(join(project.root, 'dist', CLUSTER, 'argocd', `application-${APPS.mandelbrot}.yaml`), 'utf8'))
      .spec.syncPolicy.retry.limit as number;
    expect(failedSyncs.length).toBeLessThanOrEqual(retryLimit);
    expect(mandelbrotStates.at(-1)).toMatch(/^Succeeded/);

    // Sync waves: the AppProject and the chart's Application (wave -1) exist before the workload's
    // (wave 0); Argo CD waits between waves, so their creation times differ by whole seconds.
    const createdAt = async (path: string) =>
      Date.parse((await cluster!.api.get<{ metadata: { creationTimestamp: string } }>(path))!.metadata.creationTimestamp);
    const applications = '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications';
    const [projectCreated, chartCreated, workloadCreated] = await Promise.all([
      createdAt('/apis/argoproj.io/v1alpha1/namespaces/argocd/appprojects/trinity'),
      createdAt(`${applications}/${APPS.rollouts}`),
      createdAt(`${applications}/${APPS.mandelbrot}`),
    ]);
    expect(workloadCreated).toBeGreaterThan(projectCreated);
    expect(workloadCreated).toBeGreaterThan(chartCreated);

    // The chart Application Healthy. Argo CD judges each CRD when it appears, before the API server
    // Established it ("CRD is not established"), and v3.3.7 has no periodic refresh: ask for
    // refreshes, as a Git webhook or the UI's Refresh button would, until its verdict is Healthy.
    await awaitApplications(
      '1. bootstrap',
      'the chart Application Synced and Healthy',
      [APPS.rollouts],
      (byName) => {
        const healthyNow = syncAndHealth(byName[APPS.rollouts]) === 'Synced/Healthy';
        if (!healthyNow && byName[APPS.rollouts]?.metadata.annotations?.['argocd.argoproj.io/refresh'] === undefined) {
          void apps.refresh(APPS.rollouts);
        }
        return healthyNow;
      },
      120_000,
    );
    const healthy = await awaitApplications(
      '1. bootstrap',
      'root, Mandelbrot and the chart Synced and Healthy',
      Object.values(APPS),
      (byName) => syncedHealthy(byName[APPS.root]) && syncedHealthy(byName[APPS.mandelbrot]) && syncedHealthy(byName[APPS.rollouts]),
      60_000,
    );
    for (const crd of ['rollouts', 'analysisruns', 'analysistemplates', 'clusteranalysistemplates', 'experiments']) {
      const established = await cluster!.api.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}.argoproj.io`,
      );
      expect(established?.status?.conditions?.find((condition) => condition.type === 'Established')?.status).toBe('True');
    }
    // The controller is the chart's Deployment, its pod running on the real node.
    const controller = await cluster!.api.get<{ status?: { availableReplicas?: number } }>(
      '/apis/apps/v1/namespaces/argo-rollouts/deployments/argo-rollouts',
    );
    expect(controller?.status?.availableReplicas).toBe(1);
    expect(cluster!.rolloutsController).toBeUndefined();

    // The AppProject Argo CD created is the one in Git.
    const liveProject = await cluster!.api.get<{ spec: unknown }>('/apis/argoproj.io/v1alpha1/namespaces/argocd/appprojects/trinity');
    const inGit = parseDocument(readFileSync(join(project.root, 'dist', CLUSTER, 'argocd', 'appproject-trinity.yaml'), 'utf8')).toJS();
    expect(liveProject?.spec).toEqual(inGit.spec);

    // Every object of the chart synced; the project refused none.
    const chart = healthy[APPS.rollouts]!;
    const chartResources = chart.status!.resources!;
    expect(chartResources.filter((resource) => resource.status !== 'Synced')).toEqual([]);
    expect(new Set(chartResources.map((resource) => resource.kind))).toEqual(
      new Set(['CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'ServiceAccount', 'ConfigMap', 'Deployment']),
    );
    expect(chartResources.filter((resource) => resource.kind === 'CustomResourceDefinition')).toHaveLength(5);
    expect(chart.status!.conditions ?? []).toEqual([]);
    expect(chart.status!.operationState!.phase).toBe('Succeeded');
    expect((chart.status!.operationState!.syncResult?.resources ?? []).filter((resource) => resource.status !== 'Synced')).toEqual([]);

    // The workload: CreateNamespace=true passed the project check, and the Rollout is Healthy.
    const mandelbrot = healthy[APPS.mandelbrot]!;
    expect(mandelbrot.status!.operationState!.phase).toBe('Succeeded');
    expect(mandelbrot.status!.resources!.find((resource) => resource.kind === 'Rollout')?.status).toBe('Synced');
    expect(await cluster!.api.get(`/api/v1/namespaces/${NAMESPACE}`)).toBeDefined();
    expect((await live.snapshot()).rollout.status?.phase).toBe('Healthy');
    log(
      `bootstrap: ${figures.bootstrapApplyToHealthySeconds} s to root and Mandelbrot Healthy; the Mandelbrot sync went through: ${mandelbrotStates.join(' / ')}`,
    );
  },
);

drillStep(
  '2. release: npm run rollout -- sync against the real Argo CD pauses the canary at 50% (Application Suspended); promote makes it Healthy',
  async () => {
    await project.release('e2e-canary');
    const syncedAt = Date.now();
    await operate('sync');
    const paused = await waitFor(
      '2. release',
      'the Rollout Paused at step 1/3',
      async () => {
        const snapshot = await live.snapshot();
        const status = snapshot.rollout.status;
        return { done: status?.phase === 'Paused' && status.currentStepIndex === 1, seen: describeSnapshot(snapshot), value: snapshot };
      },
      { timeoutMs: 120_000 },
    );
    figures.syncToPausedSeconds = (Date.now() - syncedAt) / 1000;
    expect(envOf(replicaSetOf(paused, paused.rollout.status!.currentPodHash)!.spec.template, 'MANDELBROT_RELEASE')).toBe('e2e-canary');
    await awaitApplications(
      '2. release',
      'the Mandelbrot Application Synced and Suspended',
      [APPS.mandelbrot],
      (byName) => syncAndHealth(byName[APPS.mandelbrot]) === 'Synced/Suspended',
      60_000,
    );

    await operate('promote');
    await awaitApplications(
      '2. release',
      'the Mandelbrot Application Synced and Healthy after promote',
      [APPS.mandelbrot],
      (byName) => syncedHealthy(byName[APPS.mandelbrot]),
      120_000,
    );
    expect((await live.snapshot()).rollout.status?.phase).toBe('Healthy');
  },
);

drillStep(
  '3. abort and promote-full: abort, a revert in Git and a sync bring Healthy under Argo CD; promote-full skips the pause',
  async () => {
    const stableHash = (await live.snapshot()).rollout.status!.stableRS!;
    await project.release('e2e-abort');
    await operate('sync');
    await awaitRolloutUnderArgoCd(
      '3. abort',
      'the bad release Paused at step 1/3',
      (status) => status.phase === 'Paused' && status.currentStepIndex === 1,
    );
    await operate('abort');
    const aborted = await awaitRolloutUnderArgoCd(
      '3. abort',
      `Degraded with the stable ReplicaSet ${stableHash} at ${REPLICAS} Ready`,
      (status, snapshot) =>
        status.phase === 'Degraded' && status.abort === true && replicaSetOf(snapshot, stableHash)?.status?.readyReplicas === REPLICAS,
    );
    expect(aborted.rollout.status!.message).toMatch(/^RolloutAborted: /);
    // Argo CD's health check for an aborted Rollout: the Application is Degraded, still Synced with Git.
    await awaitApplications(
      '3. abort',
      'the Mandelbrot Application Synced and Degraded',
      [APPS.mandelbrot],
      (byName) => syncAndHealth(byName[APPS.mandelbrot]) === 'Synced/Degraded',
      60_000,
    );

    // The durable rollback: revert the release in Git and sync.
    project.revertLastCommit();
    const revertRevision = project.git('rev-parse', 'HEAD').trim();
    await operate('sync');
    const reverted = await awaitRolloutUnderArgoCd(
      '3. abort',
      `Healthy on ${stableHash} after the revert`,
      (status) => status.phase === 'Healthy' && status.currentPodHash === stableHash && status.stableRS === stableHash,
    );
    expect(reverted.rollout.status!.abort).not.toBe(true);
    await awaitApplications(
      '3. abort',
      'the Mandelbrot Application Synced and Healthy at the revert',
      [APPS.mandelbrot],
      (byName) => syncedHealthy(byName[APPS.mandelbrot]) && byName[APPS.mandelbrot]?.status?.sync?.revision === revertRevision,
      120_000,
    );

    // promote-full: every step skipped at once, from the pause to Healthy on the new hash.
    await project.release('e2e-full');
    await operate('sync');
    const paused = await awaitRolloutUnderArgoCd(
      '3. promote-full',
      'the release Paused at step 1/3',
      (status) => status.phase === 'Paused' && status.currentStepIndex === 1,
    );
    const fullHash = paused.rollout.status!.currentPodHash!;
    await operate('promote-full');
    const promoted = await awaitRolloutUnderArgoCd(
      '3. promote-full',
      `Healthy at step 3/3 on ${fullHash}`,
      (status) => status.phase === 'Healthy' && status.stableRS === fullHash && status.currentStepIndex === 3,
    );
    expect(envOf(replicaSetOf(promoted, fullHash)!.spec.template, 'MANDELBROT_RELEASE')).toBe('e2e-full');
    await awaitApplications(
      '3. promote-full',
      'the Mandelbrot Application Synced and Healthy after promote-full',
      [APPS.mandelbrot],
      (byName) => syncedHealthy(byName[APPS.mandelbrot]),
      120_000,
    );
  },
);

/** Waits until the live Rollout's status satisfies `check`; the stand-ins run on each look. */
async function awaitRolloutUnderArgoCd(
  step: string,
  awaited: string,
  check: (status: NonNullable<RolloutSnapshot['rollout']['status']>, snapshot: RolloutSnapshot) => boolean,
): Promise<RolloutSnapshot> {
  return waitFor(
    step,
    awaited,
    async () => {
      await standIns.run();
      const snapshot = await live.snapshot();
      return { done: check(snapshot.rollout.status ?? {}, snapshot), seen: describeSnapshot(snapshot), value: snapshot };
    },
    { timeoutMs: 120_000 },
  );
}

/** `npm run diff -- --base HEAD~1` on the project copy, plain text; fails unless it exits 0. */
async function diffLastCommit(): Promise<string> {
  const result = await project.runOrThrow('bin/diff.ts', ['--base', 'HEAD~1']);
  return result.stdout;
}

drillStep(
  '4. least privilege: a Secret in the workload folder fails the sync with "not permitted in project", as the diff says',
  async () => {
    const file = join(project.workloadDir(CLUSTER), 'secret-e2e-not-whitelisted.yaml');
    writeFileSync(
      file,
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: e2e-not-whitelisted\n  namespace: ${NAMESPACE}\nstringData:\n  token: not-a-secret\n`,
    );
    project.commit('A kind the project does not whitelist');
    const refusedRevision = project.git('rev-parse', 'HEAD').trim();
    const diff = await diffLastCommit();
    writeFileSync(join(cluster!.runDir, 'diff-least-privilege.txt'), diff);
    expect(diff).toContain(`the sync of ${APPS.mandelbrot} fails: kind Secret is not permitted in project trinity`);

    await apps.refresh(APPS.mandelbrot);
    const refused = await awaitApplications(
      '4. least privilege',
      'the Mandelbrot sync refused: "resource :Secret is not permitted in project trinity"',
      [APPS.mandelbrot],
      (byName) =>
        (byName[APPS.mandelbrot]?.status?.operationState?.syncResult?.resources ?? []).some(
          (resource) =>
            resource.kind === 'Secret' &&
            resource.status === 'SyncFailed' &&
            resource.message === 'resource :Secret is not permitted in project trinity',
        ),
      120_000,
    );
    log(`least privilege: ${describeApplication(refused[APPS.mandelbrot])}`);
    expect(await cluster!.api.get(`/api/v1/namespaces/${NAMESPACE}/secrets/e2e-not-whitelisted`)).toBeUndefined();

    // The fix is a revert in Git; the retries of the refused sync keep its revision all the same.
    project.revertLastCommit();
    const revertRevision = project.git('rev-parse', 'HEAD').trim();
    await apps.refresh(APPS.mandelbrot);
    const retrying = await awaitApplications(
      '4. least privilege',
      'Argo CD compares with the revert while the refused sync still retries',
      [APPS.mandelbrot],
      (byName) => {
        const app = byName[APPS.mandelbrot];
        return app?.status?.sync?.revision === revertRevision && app.status.operationState?.phase === 'Running';
      },
      60_000,
    );
    expect(retrying[APPS.mandelbrot]!.status!.operationState!.operation?.sync?.revision).toBe(refusedRevision);
    await apps.terminateOperation(APPS.mandelbrot);
    await awaitApplications(
      '4. least privilege',
      'the Mandelbrot Application Synced and Healthy at the revert',
      [APPS.mandelbrot],
      (byName) => syncedHealthy(byName[APPS.mandelbrot]) && byName[APPS.mandelbrot]?.status?.sync?.revision === revertRevision,
      120_000,
    );
  },
);

drillStep('5. prune: a retained ConfigMap version removed from Git is pruned by Argo CD, as the diff says', async () => {
  const snapshot = await live.snapshot();
  const mounted = configMapsOf(replicaSetOf(snapshot, snapshot.rollout.status?.currentPodHash)!.spec.template);
  const retired = project.configMapsInDist(CLUSTER).find((name) => name.startsWith('mandelbrot-source-') && !mounted.includes(name))!;
  expect(retired).toBeDefined();
  expect(await live.configMap(retired)).toBeDefined();
  rmSync(join(project.workloadDir(CLUSTER), `configmap-${retired}.yaml`));
  project.commit(`Retire ConfigMap ${retired}`);
  await apps.refresh(APPS.mandelbrot);
  const diff = await diffLastCommit();
  writeFileSync(join(cluster!.runDir, 'diff-prune.txt'), diff);
  expect(diff).toContain(`ConfigMap ${NAMESPACE}/${retired}`);
  expect(diff).toContain(`Argo CD prunes it: Application ${APPS.mandelbrot} syncs with automated prune`);
  await waitFor(
    '5. prune',
    `ConfigMap ${retired} deleted by Argo CD`,
    async () => {
      const configMap = await live.configMap(retired);
      return { done: configMap === undefined, seen: configMap ? 'still there' : 'gone' };
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
  await awaitApplications(
    '5. prune',
    'the Mandelbrot Application Synced and Healthy after the prune',
    [APPS.mandelbrot],
    (byName) => syncedHealthy(byName[APPS.mandelbrot]),
    60_000,
  );
});

drillStep('6. undo: npm run rollout -- undo changes the live Rollout, and Argo CD self-heal puts the revision in Git back', async () => {
  const before = await live.snapshot();
  const gitHash = before.rollout.status!.currentPodHash!;
  const gitRelease = envOf(replicaSetOf(before, gitHash)!.spec.template, 'MANDELBROT_RELEASE');
  // Every hash the Rollout's spec points at while the undo runs: the undo must show, then go.
  const hashes = new Set<string>();
  let watching = true;
  const watcher = (async () => {
    for (let look = 0; watching && look < 2_000; look++) {
      const status = (await live.snapshot()).rollout.status;
      if (status?.currentPodHash) hashes.add(status.currentPodHash);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  try {
    const undo = await operate('undo');
    expect(undo.stdout + undo.stderr).toContain('Argo CD self-heal puts the revision in Git back');
    await waitFor(
      '6. undo',
      `the Rollout back on ${gitHash} (the revision in Git), Healthy`,
      async () => {
        const snapshot = await live.snapshot();
        const status = snapshot.rollout.status ?? {};
        return {
          done: hashes.size > 1 && status.currentPodHash === gitHash && status.stableRS === gitHash && status.phase === 'Healthy',
          seen: `${describeSnapshot(snapshot)}; hashes seen: ${[...hashes].join(', ')}`,
        };
      },
      { timeoutMs: 120_000 },
    );
  } finally {
    watching = false;
    await watcher;
  }
  const after = await live.snapshot();
  expect(envOf(replicaSetOf(after, gitHash)!.spec.template, 'MANDELBROT_RELEASE')).toBe(gitRelease);
  await awaitApplications(
    '6. undo',
    'the Mandelbrot Application Synced and Healthy after self-heal',
    [APPS.mandelbrot],
    (byName) => syncedHealthy(byName[APPS.mandelbrot]),
    60_000,
  );
});

/** The TraefikService's weights as they are in the cluster: the controller writes them, Git carries none. */
async function liveWeights(): Promise<{ canary?: number; stable?: number }> {
  const object = await cluster!.api.get<{ spec: { weighted: { services: { name: string; weight?: number }[] } } }>(
    `/apis/traefik.io/v1alpha1/namespaces/${NAMESPACE}/traefikservices/${ROLLOUT}`,
  );
  const weightOf = (name: string) => object?.spec.weighted.services.find((service) => service.name === name)?.weight;
  return { canary: weightOf(`${ROLLOUT}-canary`), stable: weightOf(`${ROLLOUT}-stable`) };
}

/** The canary weight the controller last set, from the Rollout's status. */
async function controllerWeight(): Promise<number | undefined> {
  return (await live.snapshot()).rollout.status?.canary?.weights?.canary?.weight;
}

/** What Argo CD reports of an Application while a canary moves: never Degraded or Missing, whatever the step. */
const CANARY_HEALTH = new Set(['Healthy', 'Suspended', 'Progressing']);

/**
 * Looks at the Mandelbrot Application and the TraefikService every 250 ms until stopped. The first
 * look at which the Application or one of its resources is not Synced, its health is not one a
 * canary may have, or the TraefikService lacks the controller's weights fails the watch at once;
 * while Git itself changes, OutOfSync is expected and only the weights are held to.
 */
function watchWeightMoves(step: string) {
  const allowedWeights = new Set([0, ...WEIGHTS, 100]);
  let looks = 0;
  let looksWhileGitChanged = 0;
  let watching = true;
  let gitChanging = false;
  let reject!: (error: Error) => void;
  const failed = new Promise<never>((_, fail) => (reject = fail));
  failed.catch(() => {});
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  const loop = (async () => {
    while (watching && Date.now() < deadline) {
      const [app, weights] = await Promise.all([apps.get(APPS.mandelbrot), liveWeights()]).catch(() => [undefined, undefined] as const);
      if (app && weights) {
        looks++;
        if (gitChanging) looksWhileGitChanged++;
        const unsynced = (app.status?.resources ?? []).filter((resource) => resource.status !== 'Synced');
        const problem =
          app.status?.sync?.status !== 'Synced' && !gitChanging
            ? `the Application ${syncAndHealth(app)}`
            : unsynced.length > 0 && !gitChanging
              ? `${unsynced.map((resource) => `${resource.kind} ${resource.name}`).join(', ')} ${unsynced[0]!.status}`
              : !CANARY_HEALTH.has(app.status?.health?.status ?? '')
                ? `the Application ${syncAndHealth(app)}`
                : weights.canary === undefined || weights.stable === undefined || weights.canary + weights.stable !== 100
                  ? `the TraefikService's weights ${JSON.stringify(weights)}, not the controller's`
                  : !allowedWeights.has(weights.canary)
                    ? `canary weight ${weights.canary}, not one of the Rollout's`
                    : undefined;
        if (problem) {
          reject(new Error(`${step}: look ${looks} at ${APPS.mandelbrot}: ${problem}; ${describeApplication(app)}`));
          return;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return {
    /** `action`, ended at once by a failed look. */
    during: <T>(action: Promise<T>): Promise<T> => Promise.race([action, failed]),
    /** `action`, a change in Git that Argo CD shows OutOfSync until it syncs it, ended at once by a failed look. */
    whileGitChanges: async <T>(action: () => Promise<T>): Promise<T> => {
      gitChanging = true;
      try {
        return await Promise.race([action(), failed]);
      } finally {
        gitChanging = false;
      }
    },
    /** Stops looking; resolves with the number of looks, and of those while Git changed, or fails with the first bad one. */
    stop: async (): Promise<{ looks: number; looksWhileGitChanged: number }> => {
      watching = false;
      await Promise.race([loop, failed]);
      return { looks, looksWhileGitChanged };
    },
  };
}

drillStep(
  "7. Traefik on: Argo CD installs Traefik from the chart repository on 127.0.0.1, its pod on the real node, and syncs the workload's routing",
  async () => {
    const overlayFile = join(project.root, 'overlays', `${CLUSTER}.yaml`);
    const overlay = parseDocument(readFileSync(overlayFile, 'utf8'));
    overlay.set('trafficRouting', { provider: 'traefik' });
    overlay.setIn(['workloads', 'mandelbrot', 'canaryWeights'], [...WEIGHTS]);
    writeFileSync(overlayFile, overlay.toString());
    await project.synth();
    project.commit(`Traefik routes the canary on ${CLUSTER}, at 10% then 50%`);
    const revision = project.git('rev-parse', 'HEAD').trim();
    const committedAt = Date.now();
    await apps.refresh(APPS.root);

    // The chart Applications Healthy. As at bootstrap, Argo CD judges each CRD before it is
    // Established and does not look again by itself: ask for refreshes until its verdict is Healthy.
    const charts = [APPS.rollouts, TRAEFIK_APP];
    await awaitApplications(
      '7. Traefik',
      `${TRAEFIK_APP} and ${APPS.rollouts} Synced and Healthy`,
      [APPS.root, ...charts],
      (byName) => {
        for (const name of charts) {
          const app = byName[name];
          if (app && !syncedHealthy(app) && app.metadata.annotations?.['argocd.argoproj.io/refresh'] === undefined) void apps.refresh(name);
        }
        return charts.every((name) => syncedHealthy(byName[name]));
      },
      240_000,
    );
    figures.traefikCommitToHealthySeconds = (Date.now() - committedAt) / 1000;
    log(`Traefik: ${figures.traefikCommitToHealthySeconds} s from the commit to ${TRAEFIK_APP} Healthy`);

    await apps.refresh(APPS.mandelbrot);
    const synced = await awaitApplications(
      '7. Traefik',
      `root, Mandelbrot and both charts Synced and Healthy at ${revision.slice(0, 7)}`,
      [APPS.root, APPS.mandelbrot, ...charts],
      (byName) => Object.values(byName).every((app) => syncedHealthy(app)) && byName[APPS.mandelbrot]?.status?.sync?.revision === revision,
      180_000,
    );

    // Every object of Traefik's chart synced; the derived project refused none.
    const traefik = synced[TRAEFIK_APP]!;
    expect((traefik.status!.resources ?? []).filter((resource) => resource.status !== 'Synced')).toEqual([]);
    expect(traefik.status!.conditions ?? []).toEqual([]);
    // Traefik is the chart's Deployment, its pod running on the real node from the image under the chart's name.
    const deployment = await cluster!.api.get<{
      spec: { template: { spec: { containers: { image: string }[] } } };
      status?: { availableReplicas?: number };
    }>(`/apis/apps/v1/namespaces/${TRAEFIK_NAMESPACE}/deployments/traefik`);
    expect(deployment?.status?.availableReplicas).toBe(1);
    expect(deployment?.spec.template.spec.containers.map((container) => container.image)).toEqual([TRAEFIK_IMAGE]);

    // The routing objects synced with the workload, and the controller's weights on the TraefikService.
    const kinds = (synced[APPS.mandelbrot]!.status!.resources ?? []).map((resource) => `${resource.kind}/${resource.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        `TraefikService/${ROLLOUT}`,
        `IngressRoute/${ROLLOUT}`,
        `Service/${ROLLOUT}-canary`,
        `Service/${ROLLOUT}-stable`,
      ]),
    );
    await waitFor(
      '7. Traefik',
      'the TraefikService carrying the weights the controller wrote: canary 0, stable 100',
      async () => {
        const weights = await liveWeights();
        return { done: weights.canary === 0 && weights.stable === 100, seen: JSON.stringify(weights) };
      },
      { timeoutMs: 60_000 },
    );
    await awaitApplications(
      '7. Traefik',
      'the Mandelbrot Application Synced and Healthy with the weights written',
      [APPS.mandelbrot],
      (byName) => syncedHealthy(byName[APPS.mandelbrot]),
      60_000,
    );
  },
);

drillStep(
  '8. weights under Argo CD: at every look while the controller moves the TraefikService to 10, 50 and 100, the Mandelbrot Application is Synced; its syncs leave the weights',
  async () => {
    await project.release('e2e-weights');
    const revision = project.git('rev-parse', 'HEAD').trim();
    await operate('sync');
    await awaitApplications(
      '8. weights',
      `the Mandelbrot Application Synced at the release ${revision.slice(0, 7)}, its sync done`,
      [APPS.mandelbrot],
      (byName) => {
        const app = byName[APPS.mandelbrot];
        return app?.status?.sync?.revision === revision && app.status.sync.status === 'Synced' && app.operation === undefined;
      },
      120_000,
    );
    const watch = watchWeightMoves('8. weights');
    // At each pause: the weight written, then Argo CD's loops (a refresh, and the operator's sync)
    // run over it, and the TraefikService still carries what the controller set.
    const atPause = async (weight: number) => {
      await watch.during(
        awaitRolloutUnderArgoCd(
          '8. weights',
          `Paused at the pause after weight ${weight}`,
          (status) => status.phase === 'Paused' && status.currentStepIndex === 2 * WEIGHTS.indexOf(weight as (typeof WEIGHTS)[number]) + 1,
        ),
      );
      await watch.during(
        waitFor(
          '8. weights',
          `the TraefikService at canary weight ${weight}, as the controller set it`,
          async () => {
            const [weights, desired] = await Promise.all([liveWeights(), controllerWeight()]);
            return { done: weights.canary === weight && desired === weight, seen: `${JSON.stringify(weights)}, controller ${desired}` };
          },
          { timeoutMs: 60_000 },
        ),
      );
      const loopsFrom = Date.now();
      await apps.refresh(APPS.mandelbrot);
      const synced = await watch.during(operate('sync'));
      // Traefik, as Argo CD installed it, applies the weight: read from its own API.
      expect(synced.stdout).toContain(`${CLUSTER}: traffic: canary weight ${weight} desired, ${weight} applied by Traefik`);
      const after = await watch.during(
        awaitApplications(
          '8. weights',
          "Argo CD's refresh and sync done since the weight was written",
          [APPS.mandelbrot],
          (byName) => {
            const status = byName[APPS.mandelbrot]?.status as
              { reconciledAt?: string; operationState?: { finishedAt?: string } } | undefined;
            return (
              Date.parse(status?.reconciledAt ?? '') >= Math.floor(loopsFrom / 1000) * 1000 &&
              Date.parse(status?.operationState?.finishedAt ?? '') >= Math.floor(loopsFrom / 1000) * 1000
            );
          },
          60_000,
        ),
      );
      expect(syncAndHealth(after[APPS.mandelbrot])).toBe('Synced/Suspended');
      // A few more looks after Argo CD's loops: self-heal never undoes the weights.
      await watch.during(new Promise((resolve) => setTimeout(resolve, 3_000)));
      expect(await liveWeights()).toEqual({ canary: weight, stable: 100 - weight });
      expect(await controllerWeight()).toBe(weight);
    };

    await atPause(10);
    // A change in Git to the TraefikService itself (an annotation): Argo CD's automated sync applies
    // it with the Application's options, and RespectIgnoreDifferences keeps the live weights in it.
    const touched = await watch.whileGitChanges(async () => {
      const file = join(project.workloadDir(CLUSTER), `traefikservice-${ROLLOUT}.yaml`);
      const route = parseDocument(readFileSync(file, 'utf8'));
      route.setIn(['metadata', 'annotations', 'e2e.trinity.example/changed-in-git'], 'at weight 10');
      writeFileSync(file, route.toString());
      project.commit('A change in Git to the TraefikService at weight 10');
      const revision = project.git('rev-parse', 'HEAD').trim();
      await apps.refresh(APPS.mandelbrot);
      return awaitApplications(
        '8. weights',
        `Argo CD's automated sync of the TraefikService's change at ${revision.slice(0, 7)} done`,
        [APPS.mandelbrot],
        (byName) => {
          const app = byName[APPS.mandelbrot];
          return (
            app?.status?.sync?.status === 'Synced' &&
            app.status.sync.revision === revision &&
            app.operation === undefined &&
            app.status.operationState?.syncResult?.revision === revision
          );
        },
        120_000,
      );
    });
    expect(touched[APPS.mandelbrot]!.status!.operationState!.phase).toBe('Succeeded');
    const liveRoute = await cluster!.api.get<{ metadata: { annotations?: Record<string, string> } }>(
      `/apis/traefik.io/v1alpha1/namespaces/${NAMESPACE}/traefikservices/${ROLLOUT}`,
    );
    expect(liveRoute?.metadata.annotations?.['e2e.trinity.example/changed-in-git']).toBe('at weight 10');
    await watch.during(new Promise((resolve) => setTimeout(resolve, 3_000)));
    expect(await liveWeights()).toEqual({ canary: 10, stable: 90 });
    await watch.during(operate('promote'));
    await atPause(50);
    await watch.during(operate('promote'));
    await watch.during(
      awaitApplications(
        '8. weights',
        'the Mandelbrot Application Synced and Healthy after the last promote',
        [APPS.mandelbrot],
        (byName) => syncedHealthy(byName[APPS.mandelbrot]),
        180_000,
      ),
    );
    const watched = await watch.stop();
    figures.weightMoveApplicationLooks = watched.looks;
    figures.weightMoveLooksWhileGitChanged = watched.looksWhileGitChanged;
    log(
      `weights under Argo CD: ${watched.looks} looks at ${APPS.mandelbrot}, each with the controller's weights, ` +
        `and Synced but for ${watched.looksWhileGitChanged} while Git changed the TraefikService`,
    );
    expect((await live.snapshot()).rollout.status?.phase).toBe('Healthy');
    expect(await liveWeights()).toEqual({ canary: 0, stable: 100 });
  },
);

drillStep(
  '9. cluster removal: the root loses its path and stops syncing; nothing is pruned and the workload keeps running, as the diff says',
  async () => {
    rmSync(join(project.root, 'overlays', `${CLUSTER}.yaml`));
    const platform = join(project.root, 'platform.yaml');
    const document = parseDocument(readFileSync(platform, 'utf8'));
    const route = (document.getIn(['workloads', 'mandelbrot', 'stageRoute']) as { toJSON(): string[] }).toJSON();
    document.setIn(
      ['workloads', 'mandelbrot', 'stageRoute'],
      route.filter((cloud) => cloud !== CLUSTER),
    );
    // As docs/operating.md says: a cluster in the release train comes out of it in the same change.
    const train = document.get('releaseTrain') as { toJSON(): string[] } | undefined;
    if (train !== undefined)
      document.set(
        'releaseTrain',
        train.toJSON().filter((name) => name !== CLUSTER),
      );
    writeFileSync(platform, document.toString());
    await project.synth();
    project.commit(`Remove cluster ${CLUSTER}`);
    await apps.refresh(APPS.root);
    await apps.refresh(APPS.mandelbrot);
    const diff = await diffLastCommit();
    writeFileSync(join(cluster!.runDir, 'diff-cluster-removal.txt'), diff);

    expect(diff).toContain(
      `Its source path dist/${CLUSTER}/argocd no longer exists, so Argo CD reports a ComparisonError for it and stops syncing: nothing is pruned`,
    );
    expect(diff).toContain(
      `the source path of ${APPS.mandelbrot}, dist/${CLUSTER}/mandelbrot, no longer exists, so Argo CD reports a ComparisonError for it and it stops syncing; nothing deletes this object, it keeps running`,
    );

    const pathGone = (name: string, app: ApplicationObject | undefined) =>
      (app?.status?.conditions ?? []).some(
        (condition) =>
          condition.type === 'ComparisonError' &&
          condition.message.includes(`dist/${CLUSTER}/${name === APPS.root ? 'argocd' : 'mandelbrot'}: app path does not exist`),
      );
    const gone = await awaitApplications(
      '9. cluster removal',
      'the root and the Mandelbrot Application report a ComparisonError for their vanished paths',
      [APPS.root, APPS.mandelbrot],
      (byName) => [APPS.root, APPS.mandelbrot].every((name) => pathGone(name, byName[name])),
      120_000,
    );
    log(`cluster removal: ${Object.values(gone).map(describeApplication).join(' | ')}`);
    // One more reconciliation of each after the error: automated prune, had it anything to act on, would act in it.
    for (const name of [APPS.root, APPS.mandelbrot]) await apps.refresh(name);
    await awaitApplications(
      '9. cluster removal',
      'both refreshed again, still with the ComparisonError',
      [APPS.root, APPS.mandelbrot],
      (byName) =>
        [APPS.root, APPS.mandelbrot].every(
          (name) => byName[name]?.metadata.annotations?.['argocd.argoproj.io/refresh'] === undefined && pathGone(name, byName[name]),
        ),
      60_000,
    );
    expect(await apps.get(APPS.root)).toBeDefined();
    expect(await apps.get(APPS.mandelbrot)).toBeDefined();
    expect(await apps.get(APPS.rollouts)).toBeDefined();
    expect(await cluster!.api.get('/apis/argoproj.io/v1alpha1/namespaces/argocd/appprojects/trinity')).toBeDefined();
    expect((await live.snapshot()).rollout.status?.phase).toBe('Healthy');
    expect(await cluster!.api.get(`/api/v1/namespaces/${NAMESPACE}/services/${ROLLOUT}`)).toBeDefined();
  },
);
