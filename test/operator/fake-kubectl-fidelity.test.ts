import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { type RolloutObject, summarizeRollout } from '../../lib/operator/rollout-summary.js';
import { pluginFixture } from './plugin-fixtures.js';
import { clustersBehindGit, STAND_IN_FOLDER, type StandInKubectl } from './stand-in-kubectl.js';

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

function call(kubectl: StandInKubectl, args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(join(STAND_IN_FOLDER, 'kubectl'), args, { env: { ...process.env, ...kubectl.env }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The Rollout once the stand-in's controller has caught up (its first read after a change is stale on purpose). */
function settledRollout(kubectl: StandInKubectl): RolloutObject {
  call(kubectl, ['get', 'rollout', 'mandelbrot', '--output', 'json', ...ROLLOUT]);
  return JSON.parse(call(kubectl, ['get', 'rollout', 'mandelbrot', '--output', 'json', ...ROLLOUT]).stdout);
}

/** A Git release applied, as Argo CD's sync does: the canary pauses. */
function syncRelease(kubectl: StandInKubectl): void {
  const app = ['application', 'trinity-mandelbrot-aws', '--namespace', 'argocd', '--context', 'aws'];
  call(kubectl, ['patch', ...app, '--type', 'merge', '--patch', '{"operation":{"sync":{}}}']);
  call(kubectl, ['get', ...app, '--output', 'json']);
  call(kubectl, ['get', ...app, '--output', 'json']);
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

  test('a Healthy Rollout, then a release Paused at its pause step', () => {
    expect(shown(settledRollout(kubectl))).toEqual(shown(pluginFixture('first-revision-healthy').rollout));
    syncRelease(kubectl);
    expect(shown(settledRollout(kubectl))).toEqual(shown(pluginFixture('release-paused').rollout));
    const status = call(kubectl, PLUGIN('status', '--watch=false'));
    expect(statusOutput(status.stdout)).toBe(statusOutput(pluginFixture('release-paused').status));
  });

  test('promote from the pause: Healthy at 3/3', () => {
    syncRelease(kubectl);
    settledRollout(kubectl);
    expect(call(kubectl, PLUGIN('promote')).stdout).toBe("rollout 'mandelbrot' promoted\n");
    expect(shown(settledRollout(kubectl))).toEqual(shown(pluginFixture('promoted-healthy').rollout));
    expect(call(kubectl, PLUGIN('status', '--watch=false')).stdout).toBe(pluginFixture('promoted-healthy').status);
  });

  test('abort from the pause: Degraded at 0/3, weight 0; status prints Degraded alone and the message as the error', () => {
    syncRelease(kubectl);
    settledRollout(kubectl);
    expect(call(kubectl, PLUGIN('abort')).stdout).toBe("rollout 'mandelbrot' aborted\n");
    expect(shown(settledRollout(kubectl))).toEqual(shown(pluginFixture('aborted').rollout));
    const status = call(kubectl, PLUGIN('status', '--watch=false'));
    expect(status.code).toBe(1);
    expect(statusOutput(`${status.stdout}${status.stderr}`)).toBe(statusOutput(pluginFixture('aborted').status));
  });
});
