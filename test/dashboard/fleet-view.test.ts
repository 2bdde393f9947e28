import type { RunCommand } from '../../lib/operator/run-command.js';
import { rolloutCommand } from '../../lib/operator/rollout-command.js';
import {
  buildFleetView,
  type ClusterObjects,
  type ClusterView,
  type WatchedWorkload,
  type WorkloadRow,
} from '../../lib/dashboard/fleet-view.js';
import { parseGetRollout } from '../operator/plugin-output.js';
import { pluginFixture } from '../operator/plugin-fixtures.js';
import { tableRows } from '../operator/stand-in-kubectl.js';
import { runCommand } from '../support/run-command.js';
import { makeTempDir } from '../support/synth-process.js';
import { FIXTURE_WORKLOADS } from '../support/fixture-project.js';
import {
  NAMESPACE,
  pod,
  RECORDED_STAGES,
  recordedCluster,
  RELEASE_VARIABLE,
  replicaSet,
  ROLLOUT,
  writeProject,
} from './recorded-cluster.js';

const WORKLOAD: WatchedWorkload = {
  name: 'mandelbrot',
  rollout: { name: ROLLOUT, namespace: NAMESPACE },
  application: 'trinity-mandelbrot-aws',
  releaseVariable: RELEASE_VARIABLE,
  gitRelease: 'e2e-canary',
};

function cluster(name: string, objects: ClusterObjects, extra: Partial<ClusterView> = {}): ClusterView {
  return { name, cloud: 'aws', workloads: [WORKLOAD], objects, ...extra };
}

function onlyRow(objects: ClusterObjects): WorkloadRow {
  const [row, ...others] = buildFleetView([cluster('aws', objects)]);
  expect(others).toEqual([]);
  return row!;
}

describe('the fleet view, from the objects the release drill recorded', () => {
  test('a release paused at step 1: waiting for a person since the pause began, one stable and one canary pod, both releases', () => {
    const objects = recordedCluster('release-paused', { stable: 'continuous', canary: 'e2e-canary' });
    const row = onlyRow(objects);
    const plugin = parseGetRollout(pluginFixture('release-paused').getRollout);
    const pause = (objects.rollouts[0]!.status!.pauseConditions ?? [])[0];

    expect(row.rollout).toMatchObject({
      status: 'Paused',
      message: 'CanaryPauseStep',
      step: '1/3',
      desiredWeight: '50',
      ready: 2,
      desired: 2,
    });
    expect(row.rollout?.appliedWeight).toBeUndefined();
    expect(row.waitingForPerson).toBe(true);
    expect(row.pausedSince).toBe(pause?.startTime);
    expect(row.revisions.map(({ role, hash, pods, ready }) => ({ role, name: `${ROLLOUT}-${hash}`, pods, ready }))).toEqual([
      { role: 'stable', name: plugin.stableReplicaSet, pods: 1, ready: 1 },
      { role: 'canary', name: plugin.canaryReplicaSet, pods: 1, ready: 1 },
    ]);
    expect(row.releases).toEqual({ stable: 'continuous', canary: 'e2e-canary', git: 'e2e-canary' });
  });

  test('a promoted release is Healthy at step 3/3 with no canary and no one waiting', () => {
    const row = onlyRow(recordedCluster('promoted-healthy', { stable: 'e2e-canary' }));
    expect(row.rollout).toMatchObject({ status: 'Healthy', step: '3/3', desiredWeight: '100' });
    expect(row.waitingForPerson).toBe(false);
    expect(row.pausedSince).toBeUndefined();
    expect(row.releases).toEqual({ stable: 'e2e-canary', canary: undefined, git: 'e2e-canary' });
  });

  test('rows waiting for a person come first, whatever the cluster order', () => {
    const rows = buildFleetView([
      cluster('aws', recordedCluster('promoted-healthy')),
      cluster('azure', recordedCluster('aborted')),
      cluster('gcp', recordedCluster('release-paused')),
    ]);
    expect(rows.map((row) => [row.cluster, row.waitingForPerson])).toEqual([
      ['gcp', true],
      ['aws', false],
      ['azure', false],
    ]);
  });

  test('an unreachable cluster keeps its last objects and says since when', () => {
    const [row] = buildFleetView([cluster('aws', recordedCluster('release-paused'), { unreachableSince: '2026-12-07T05:00:00.000Z' })]);
    expect(row?.unreachableSince).toBe('2026-12-07T05:00:00.000Z');
    expect(row?.rollout?.status).toBe('Paused');
  });

  test('a cluster without the Rollout has a row with no rollout, and its Application', () => {
    const application = {
      metadata: { name: 'trinity-mandelbrot-aws', namespace: 'argocd' },
      status: { sync: { status: 'OutOfSync' }, health: { status: 'Missing' } },
    };
    const row = onlyRow({ rollouts: [], replicaSets: [], pods: [], analysisRuns: [], applications: [application] });
    expect(row.rollout).toBeUndefined();
    expect(row.application).toEqual({ name: 'trinity-mandelbrot-aws', sync: 'OutOfSync', health: 'Missing' });
  });

  test("with traffic routing, the applied weight is the router's; without, none is claimed", () => {
    const recorded = recordedCluster('release-paused');
    const rollout = recorded.rollouts[0]!;
    const routed = {
      ...rollout,
      spec: { ...rollout.spec, strategy: { canary: { ...rollout.spec!.strategy!.canary, trafficRouting: {} } } },
      status: { ...rollout.status, canary: { weights: { canary: { weight: 30 } } } },
    };
    expect(onlyRow({ ...recorded, rollouts: [routed] }).rollout).toMatchObject({ desiredWeight: '50', appliedWeight: '30' });
    expect(onlyRow(recorded).rollout?.appliedWeight).toBeUndefined();
  });

  test("the canary's newest analysis run, each measurement beside its metric's threshold", () => {
    const recorded = recordedCluster('release-paused');
    const rollout = recorded.rollouts[0]!;
    const canary = rollout.status!.currentPodHash!;
    const analysed = { ...rollout, spec: { ...rollout.spec, strategy: { canary: { ...rollout.spec!.strategy!.canary, analysis: {} } } } };
    const run = (name: string, created: string, value: string) => ({
      metadata: { name, namespace: NAMESPACE, creationTimestamp: created, labels: { 'rollouts-pod-template-hash': canary } },
      spec: { metrics: [{ name: 'success-rate', successCondition: 'result[0] >= 0.99' }] },
      status: { phase: 'Running', metricResults: [{ name: 'success-rate', measurements: [{ phase: 'Successful', value }] }] },
    });
    const row = onlyRow({
      ...recorded,
      rollouts: [analysed],
      analysisRuns: [run('older', '2026-12-07T05:00:00Z', '[0.5]'), run('newer', '2026-12-07T05:01:00Z', '[0.997]')],
    });
    expect(row.analysis).toEqual({
      name: 'newer',
      phase: 'Running',
      message: '',
      measurements: [{ metric: 'success-rate', phase: 'Successful', value: '[0.997]', threshold: 'result[0] >= 0.99' }],
    });
  });

  test('pods being deleted and revisions scaled to nothing are left out', () => {
    const recorded = recordedCluster('promoted-healthy');
    const stable = recorded.rollouts[0]!.status!.stableRS!;
    const leaving = {
      ...pod('mandelbrot-old-x', stable, true),
      metadata: { ...pod('mandelbrot-old-x', stable, true).metadata, deletionTimestamp: '2026-12-07T05:00:00Z' },
    };
    const row = onlyRow({ ...recorded, replicaSets: [...recorded.replicaSets, replicaSet('0ld0ld')], pods: [...recorded.pods, leaving] });
    expect(row.revisions.map((revision) => [revision.role, revision.pods])).toEqual([['stable', 2]]);
  });
});

describe('the page and `npm run rollout -- status` agree', () => {
  test.each(RECORDED_STAGES)('at %s: status, step, weight, desired, ready and stable ReplicaSet', async (stage) => {
    const project = makeTempDir('dashboard-agree');
    try {
      writeProject(project.path, [{ name: 'aws', cloud: 'aws' }]);
      const fixture = pluginFixture(stage);
      const kubectl: RunCommand = (_file, args) => {
        const stdout = args.includes('version')
          ? 'kubectl-argo-rollouts: v1.9.0+838d4e7\n'
          : args[0] === 'get' && args[1] === 'rollout'
            ? JSON.stringify(fixture.rollout)
            : '{"items": []}';
        return Promise.resolve({ exitCode: 0, stdout, stderr: '' });
      };
      const result = await runCommand(rolloutCommand, ['status', '--cluster', 'aws'], {
        cwd: project.path,
        run: kubectl,
        workloads: FIXTURE_WORKLOADS,
      });
      expect(result.stderr).toBe('');
      const [, , status, step, weight, desired, ready, stable] = tableRows(result.stdout).get('aws')!;
      const row = onlyRow(recordedCluster(stage));
      expect({ status, step, weight, desired, ready, stable }).toEqual({
        status: row.rollout!.status,
        step: row.rollout!.step,
        weight: row.rollout!.desiredWeight,
        desired: String(row.rollout!.desired),
        ready: String(row.rollout!.ready),
        stable: row.rollout!.stableReplicaSet,
      });
    } finally {
      project.cleanup();
    }
  });
});

describe('the release train on the fleet view', () => {
  const TRAIN = { clusters: ['aws', 'gcp'], workload: 'mandelbrot' };
  const gcp = (objects: ClusterObjects, extra: Partial<ClusterView> = {}) =>
    cluster('gcp', objects, { workloads: [{ ...WORKLOAD, application: 'trinity-mandelbrot-gcp', gitRelease: 'continuous' }], ...extra });

  test("marks each train cluster's row with its stop, the next cluster, and what it waits for", () => {
    const rows = buildFleetView(
      [
        cluster('aws', recordedCluster('release-paused', { stable: 'continuous', canary: 'e2e-canary' })),
        gcp(recordedCluster('promoted-healthy', { stable: 'continuous' })),
      ],
      TRAIN,
    );
    const byCluster = new Map(rows.map((row) => [row.cluster, row.train]));
    expect(byCluster.get('aws')).toEqual({ position: '1/2', next: false, blocker: undefined });
    expect(byCluster.get('gcp')).toEqual({
      position: '2/2',
      next: true,
      blocker: 'gcp waits for aws: its canary waits for an operator (npm run rollout -- promote --cluster aws)',
    });
  });

  test('an unreachable first cluster blocks the next one, said so', () => {
    const rows = buildFleetView(
      [
        cluster('aws', recordedCluster('release-paused', { stable: 'continuous', canary: 'e2e-canary' }), {
          unreachableSince: '2026-01-01T00:00:00Z',
        }),
        gcp(recordedCluster('promoted-healthy', { stable: 'continuous' })),
      ],
      TRAIN,
    );
    expect(rows.find((row) => row.cluster === 'gcp')?.train?.blocker).toBe('gcp waits for aws: its Rollout cannot be read');
  });

  test('rows carry no train without one', () => {
    expect(buildFleetView([cluster('aws', recordedCluster('promoted-healthy', { stable: 'continuous' }))])[0]?.train).toBeUndefined();
  });
});
