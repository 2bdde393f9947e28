import { type RolloutObject, summarizeRollout } from '../../lib/operator/rollout-summary.js';
import { pluginFixture } from './plugin-fixtures.js';
import { clustersBehindGit, type StandInKubectl } from './stand-in-kubectl.js';

// The stand-in kubectl plays the Rollout's life for the operator tool's tests. Here it is held
// against what the real controller and plugin did in the release drill (npm run e2e).

const ROLLOUT = ['--namespace', 'mandelbrot', '--context', 'aws'];
const PLUGIN = (subcommand: string, ...flags: string[]) => [
  'argo',
  'rollouts',
  '--context',
  'aws',
  subcommand,
  'mandelbrot',
  '--namespace',
  'mandelbrot',
  ...flags,
];

/** The Rollout once the stand-in's controller has caught up (its first read after a change is stale on purpose). */
async function settledRollout(kubectl: StandInKubectl): Promise<RolloutObject> {
  await kubectl.call(['get', 'rollout', 'mandelbrot', '--output', 'json', ...ROLLOUT]);
  return JSON.parse((await kubectl.call(['get', 'rollout', 'mandelbrot', '--output', 'json', ...ROLLOUT])).stdout);
}

/** A Git release applied, as Argo CD's sync does: the canary pauses. */
async function syncRelease(kubectl: StandInKubectl): Promise<void> {
  const app = ['application', 'trinity-mandelbrot-aws', '--namespace', 'argocd', '--context', 'aws'];
  await kubectl.call(['patch', ...app, '--type', 'merge', '--patch', '{"operation":{"sync":{}}}']);
  await kubectl.call(['get', ...app, '--output', 'json']);
  await kubectl.call(['get', ...app, '--output', 'json']);
}

/** What the status table shows, and what decides the operator's next move. */
const shown = (rollout: RolloutObject) => {
  const { status, message, step, weight, desired, ready, pausedAtPauseStep } = summarizeRollout(rollout);
  return {
    status,
    message: message.replace(/revision \d+/, 'revision N'),
    step,
    weight,
    desired,
    ready,
    pausedAtPauseStep,
    canary: summarizeRollout(rollout).canaryReplicaSet !== undefined,
  };
};

/** `status --watch=false` output with revision numbers left out: the stand-in counts revisions from 1. */
const statusOutput = (text: string) => text.replace(/revision \d+/g, 'revision N').replace(/^# stderr, exit \d+\n/m, '');

describe('the stand-in kubectl against the recorded plugin and controller', () => {
  let kubectl: StandInKubectl;
  beforeEach(() => {
    kubectl = clustersBehindGit();
  });
  afterEach(() => kubectl.cleanup());

  test('a Healthy Rollout, then a release Paused at its pause step', async () => {
    expect(shown(await settledRollout(kubectl))).toEqual(shown(pluginFixture('first-revision-healthy').rollout));
    await syncRelease(kubectl);
    expect(shown(await settledRollout(kubectl))).toEqual(shown(pluginFixture('release-paused').rollout));
    const status = await kubectl.call(PLUGIN('status', '--watch=false'));
    expect(statusOutput(status.stdout)).toBe(statusOutput(pluginFixture('release-paused').status));
  });

  test('promote from the pause: Healthy at 3/3', async () => {
    await syncRelease(kubectl);
    await settledRollout(kubectl);
    expect((await kubectl.call(PLUGIN('promote'))).stdout).toBe("rollout 'mandelbrot' promoted\n");
    expect(shown(await settledRollout(kubectl))).toEqual(shown(pluginFixture('promoted-healthy').rollout));
    expect((await kubectl.call(PLUGIN('status', '--watch=false'))).stdout).toBe(pluginFixture('promoted-healthy').status);
  });

  test('abort from the pause: Degraded at 0/3, weight 0; status prints Degraded alone and the message as the error', async () => {
    await syncRelease(kubectl);
    await settledRollout(kubectl);
    expect((await kubectl.call(PLUGIN('abort'))).stdout).toBe("rollout 'mandelbrot' aborted\n");
    expect(shown(await settledRollout(kubectl))).toEqual(shown(pluginFixture('aborted').rollout));
    const status = await kubectl.call(PLUGIN('status', '--watch=false'));
    expect(status.exitCode).toBe(1);
    expect(statusOutput(`${status.stdout}${status.stderr}`)).toBe(statusOutput(pluginFixture('aborted').status));
  });
});
