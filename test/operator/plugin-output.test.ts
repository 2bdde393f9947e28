import { readdirSync } from 'node:fs';
import { summarizeRollout } from '../../lib/operator/rollout-summary.js';
import { parseGetRollout, parseStatusLine } from './plugin-output.js';
import { PLUGIN_FIXTURES, pluginFixture } from './plugin-fixtures.js';

// What kubectl-argo-rollouts v1.9.0 printed, and the Rollout JSON it read, at each stage of the
// release drill on a real cluster (npm run e2e): the status logic is held against these.
/** Every stage the drill recorded: each one is held against the status logic, so a new recording is checked too. */
const STAGES = readdirSync(PLUGIN_FIXTURES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe('the status table against the recorded plugin', () => {
  test.each(STAGES)('%s: status, step, weight and stable ReplicaSet are what the plugin printed', (stage) => {
    const fixture = pluginFixture(stage);
    const plugin = parseGetRollout(fixture.getRollout);
    const summary = summarizeRollout(fixture.rollout);
    expect({
      status: summary.status,
      message: summary.message,
      step: summary.step,
      weight: summary.weight,
      stable: summary.stableReplicaSet,
    }).toEqual({
      status: plugin.status,
      message: plugin.message,
      step: plugin.step,
      weight: plugin.setWeight,
      stable: plugin.stableReplicaSet,
    });
    expect({ desired: summary.desired, ready: summary.ready }).toEqual({ desired: plugin.desired, ready: plugin.ready });
    expect(summary.canaryReplicaSet).toBe(plugin.canaryReplicaSet);
    // `status --watch=false` prints Healthy and Degraded alone; Degraded's message goes to the error instead.
    const alone = summary.status === 'Healthy' || summary.status === 'Degraded';
    expect(parseStatusLine(fixture.status)).toEqual({ status: summary.status, message: alone ? '' : summary.message });
    if (summary.status === 'Degraded')
      expect(fixture.status).toContain(`Error: The rollout is in a degraded state with message: ${summary.message}`);
  });
});

describe('parseGetRollout', () => {
  test('reads the fields and the ReplicaSets of the tree', () => {
    const view = parseGetRollout(pluginFixture('release-paused').getRollout);
    expect(view).toMatchObject({
      status: 'Paused',
      message: 'CanaryPauseStep',
      step: '1/3',
      setWeight: '50',
      actualWeight: '50',
      desired: 2,
      ready: 2,
    });
    expect(view.replicaSets.map((replicaSet) => replicaSet.info)).toEqual(expect.arrayContaining(['canary', 'stable']));
  });

  test("fails if the output is not the plugin's", () => {
    expect(() => parseGetRollout('Error: rollouts.argoproj.io "mandelbrot" not found\n')).toThrow('no "Status:" line');
  });
});
