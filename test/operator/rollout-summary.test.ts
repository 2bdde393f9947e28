import {
  calculateRolloutPhase,
  type CanaryStepObject,
  describeRolloutSummary,
  type RolloutObject,
  rolloutPhase,
  summarizeRollout,
} from '../../lib/operator/rollout-summary.js';
import { pluginFixture } from './plugin-fixtures.js';
import { parseGetRollout } from './plugin-output.js';

// The platform's canary: 2 replicas, steps setWeight 50, pause, setWeight 100, no traffic router.
// States the drill does not reach are built from it, by the rules of kubectl-argo-rollouts v1.9.0.
const spec = {
  replicas: 2,
  strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }, { setWeight: 100 }] } },
};
const metadata = { name: 'mandelbrot', generation: 2, annotations: { 'rollout.argoproj.io/revision': '2' } };
const condition = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message });

// The Rollout as the API server returned it at each stage of the release drill on a real cluster
// (npm run e2e), beside what kubectl-argo-rollouts v1.9.0 printed for it.
const recorded = (stage: string) => {
  const fixture = pluginFixture(stage);
  return { rollout: fixture.rollout, plugin: parseGetRollout(fixture.getRollout) };
};
const promoted = recorded('promoted-healthy');
const paused = recorded('release-paused');
const abortedStage = recorded('aborted');
const healthy = promoted.rollout;
const pausedAtHalf = paused.rollout;
const aborted = abortedStage.rollout;

describe('summarizeRollout', () => {
  test('a Healthy Rollout after promote: step 3/3, weight 100, no canary', () => {
    expect(summarizeRollout(healthy)).toEqual({
      status: 'Healthy',
      message: '',
      step: '3/3',
      weight: '100',
      desired: 2,
      ready: 2,
      stableReplicaSet: promoted.plugin.stableReplicaSet,
      canaryReplicaSet: undefined,
      revision: '2',
      pausedAtPauseStep: false,
    });
    expect(promoted.plugin).toMatchObject({ status: 'Healthy', step: '3/3', setWeight: '100', canaryReplicaSet: undefined });
  });

  test('a canary paused at the pause step: step 1/3, weight 50, the canary beside the stable ReplicaSet', () => {
    expect(summarizeRollout(pausedAtHalf)).toMatchObject({
      status: 'Paused',
      message: 'CanaryPauseStep',
      step: '1/3',
      weight: '50',
      desired: 2,
      ready: 2,
      stableReplicaSet: paused.plugin.stableReplicaSet,
      canaryReplicaSet: paused.plugin.canaryReplicaSet,
      pausedAtPauseStep: true,
    });
    expect(describeRolloutSummary(summarizeRollout(pausedAtHalf))).toBe(
      `Paused (CanaryPauseStep) at step 1/3: weight 50, 2/2 ready, stable ${paused.plugin.stableReplicaSet}, canary ${paused.plugin.canaryReplicaSet}, revision 2`,
    );
  });

  test('an aborted canary: Degraded, step 0/3, weight 0, the stable ReplicaSet serving', () => {
    expect(summarizeRollout(aborted)).toMatchObject({
      status: 'Degraded',
      message: abortedStage.plugin.message,
      step: '0/3',
      weight: '0',
      stableReplicaSet: abortedStage.plugin.stableReplicaSet,
      pausedAtPauseStep: false,
    });
    expect(abortedStage.plugin.message).toMatch(/^RolloutAborted: Rollout aborted update to revision \d+$/);
  });

  test('a spec the controller has not observed yet is Progressing, whatever the stale status says', () => {
    const stale = { ...healthy, metadata: { ...healthy.metadata, generation: Number(healthy.status!.observedGeneration) + 1 } };
    expect(rolloutPhase(stale)).toEqual({ phase: 'Progressing', message: 'waiting for rollout spec update to be observed' });
    expect(summarizeRollout(stale).pausedAtPauseStep).toBe(false);
  });

  test('a promote the controller has not acted on yet is Progressing, not Paused', () => {
    const unpausing = { ...pausedAtHalf, status: { ...pausedAtHalf.status, pauseConditions: undefined } };
    expect(rolloutPhase(unpausing)).toEqual({ phase: 'Progressing', message: 'waiting for rollout to unpause' });
  });

  test('Paused somewhere other than a pause step does not count as paused at a pause step', () => {
    const manuallyPaused: RolloutObject = {
      metadata,
      spec: { ...spec, paused: true },
      status: {
        ...pausedAtHalf.status,
        currentStepIndex: 0,
        phase: 'Paused',
        message: 'manually paused',
        pauseConditions: [{ reason: 'PausedByUser' }],
      },
    };
    expect(summarizeRollout(manuallyPaused)).toMatchObject({ status: 'Paused', step: '0/3', weight: '50', pausedAtPauseStep: false });
  });

  test('weight: the nearest setWeight at or before the current step, 0 before any, 100 past the last step', () => {
    const at = (index: number, steps: readonly CanaryStepObject[] = spec.strategy.canary.steps) =>
      summarizeRollout({
        metadata,
        spec: { replicas: 2, strategy: { canary: { steps } } },
        status: { currentStepIndex: index, observedGeneration: '2', phase: 'Progressing' },
      }).weight;
    expect([at(0), at(1), at(2), at(3)]).toEqual(['50', '50', '100', '100']);
    expect(at(0, [{ pause: {} }, { setWeight: 20 }])).toBe('0');
    expect(summarizeRollout({ spec: { strategy: { canary: { steps: [] } } }, status: {} })).toMatchObject({ step: '-', weight: '100' });
  });

  test('defaults follow the API: 1 desired replica, 0 ready, no stable ReplicaSet', () => {
    expect(summarizeRollout({ metadata: { name: 'demo' }, spec: { strategy: { blueGreen: {} } }, status: {} })).toMatchObject({
      desired: 1,
      ready: 0,
      step: '-',
      weight: '-',
      stableReplicaSet: '-',
    });
  });
});

describe('calculateRolloutPhase, when the controller has not written a phase', () => {
  const canary = (status: NonNullable<RolloutObject['status']>, extra: Partial<NonNullable<RolloutObject['spec']>> = {}) =>
    calculateRolloutPhase({ spec: { ...spec, ...extra }, status });

  test.each<[string, NonNullable<RolloutObject['status']>, string, string]>([
    [
      'InvalidSpec wins',
      { conditions: [condition('InvalidSpec', 'True', 'InvalidSpec', 'The Rollout "mandelbrot" is invalid')] },
      'Degraded',
      'InvalidSpec: The Rollout "mandelbrot" is invalid',
    ],
    [
      'an abort',
      { conditions: [condition('Progressing', 'False', 'RolloutAborted', 'Rollout aborted update to revision 2')] },
      'Degraded',
      'RolloutAborted: Rollout aborted update to revision 2',
    ],
    [
      'a progress deadline',
      { conditions: [condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'ReplicaSet "x" has timed out progressing.')] },
      'Degraded',
      'ProgressDeadlineExceeded: ReplicaSet "x" has timed out progressing.',
    ],
    ['a pause condition', { pauseConditions: [{ reason: 'CanaryPauseStep' }] }, 'Paused', 'CanaryPauseStep'],
    ['too few updated pods', { updatedReplicas: 1, availableReplicas: 2 }, 'Progressing', 'more replicas need to be updated'],
    [
      'updated pods not yet available',
      { updatedReplicas: 2, availableReplicas: 1 },
      'Progressing',
      'updated replicas are still becoming available',
    ],
    [
      'old pods still running',
      { updatedReplicas: 2, availableReplicas: 2, replicas: 3 },
      'Progressing',
      'old replicas are pending termination',
    ],
    [
      'steps left',
      { updatedReplicas: 2, availableReplicas: 2, replicas: 2, stableRS: 'a', currentPodHash: 'b' },
      'Progressing',
      'waiting for all steps to complete',
    ],
    ['everything done', { updatedReplicas: 2, availableReplicas: 2, replicas: 2, stableRS: 'a', currentPodHash: 'a' }, 'Healthy', ''],
  ])('%s', (_, status, phase, message) => {
    expect(canary(status)).toEqual({ phase, message });
  });

  test('a manual pause, and a pending restart', () => {
    expect(canary({}, { paused: true })).toEqual({ phase: 'Paused', message: 'manually paused' });
    expect(canary({ restartedAt: '2025-01-01T00:00:00Z' }, { restartAt: '2025-01-02T00:00:00Z' })).toEqual({
      phase: 'Progressing',
      message: 'rollout is restarting',
    });
  });

  test('status.phase from the controller is used as it is', () => {
    expect(rolloutPhase({ metadata, spec, status: { observedGeneration: '2', phase: 'Healthy' } })).toEqual({
      phase: 'Healthy',
      message: '',
    });
  });
});
