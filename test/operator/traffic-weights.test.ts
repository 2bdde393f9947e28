import { KubectlClient } from '../../lib/operator/kubectl-client.js';
import type { Clock } from '../../lib/operator/poll-until.js';
import type { RolloutObject } from '../../lib/operator/rollout-summary.js';
import type { RunCommand } from '../../lib/operator/run-command.js';
import { renderTrafficLines } from '../../lib/operator/status-table.js';
import { describeTrafficWeights, readTrafficWeights, WEIGHT_MISMATCH_GRACE_MS } from '../../lib/operator/traffic-weights.js';

const ROLLOUT = { name: 'mandelbrot', namespace: 'mandelbrot' };
const API_PATH = '/api/v1/namespaces/traefik/pods/traefik-abc:8080/proxy/api/http/services/mandelbrot-mandelbrot@kubernetescrd';

/** A Rollout routed through the TraefikService `mandelbrot` whose controller last set `weight` for the canary. */
const routed = (weight: number): RolloutObject => ({
  spec: {
    strategy: {
      canary: { canaryService: 'mandelbrot-canary', trafficRouting: { traefik: { weightedTraefikServiceName: 'mandelbrot' } } },
    },
  },
  status: { canary: { weights: { canary: { weight } } } },
});

/** Traefik's API answer for stable and canary weights, as the controller writes them. */
const traefikAnswer = (stable: number | undefined, canary: number | undefined) =>
  JSON.stringify({
    weighted: {
      services: [
        { name: 'mandelbrot-mandelbrot-stable-80', ...(stable === undefined ? {} : { weight: stable }) },
        { name: 'mandelbrot-mandelbrot-canary-80', ...(canary === undefined ? {} : { weight: canary }) },
      ],
    },
  });

/** A kubectl that answers the Traefik pod list and, in turn, each of `answers` from Traefik's API; and a clock that only advances. */
function fakeCluster(answers: string[]) {
  const calls: string[] = [];
  let now = 0;
  const answer = (args: readonly string[]) => {
    calls.push(args.join(' '));
    if (args[1] === 'pods')
      return {
        exitCode: 0,
        stderr: '',
        stdout: JSON.stringify({ items: [{ metadata: { name: 'traefik-abc' }, status: { phase: 'Running' } }] }),
      };
    if (args[0] === 'get' && args[1] === '--raw' && args[2] === API_PATH) {
      const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
      return { exitCode: 0, stderr: '', stdout: answer };
    }
    return { exitCode: 1, stderr: 'Error from server (NotFound)', stdout: '' };
  };
  const run: RunCommand = (_file, args) => Promise.resolve(answer(args));
  const clock: Clock = { now: () => now, sleep: (ms) => Promise.resolve(void (now += ms)) };
  return { kubectl: new KubectlClient({ run }), clock, calls, elapsed: () => now };
}

describe('readTrafficWeights', () => {
  test("reads the applied weight from Traefik's API through the pod proxy, not from the Rollout", async () => {
    const cluster = fakeCluster([traefikAnswer(90, 10)]);
    const weights = await readTrafficWeights(cluster.kubectl, cluster.clock, 'aws', ROLLOUT, routed(10));
    expect(weights).toEqual({ traefikService: 'mandelbrot', desired: 10, applied: 10, mismatch: false });
    expect(cluster.calls).toEqual([
      'get pods --namespace traefik --selector app.kubernetes.io/name=traefik --output json --context aws',
      `get --raw ${API_PATH} --context aws`,
    ]);
  });

  test('a mismatch that Traefik resolves within the grace period is no warning', async () => {
    const cluster = fakeCluster([traefikAnswer(90, 10), traefikAnswer(50, 50)]);
    const weights = await readTrafficWeights(cluster.kubectl, cluster.clock, 'aws', ROLLOUT, routed(50));
    expect(weights).toMatchObject({ desired: 50, applied: 50, mismatch: false });
    expect(cluster.elapsed()).toBeLessThan(WEIGHT_MISMATCH_GRACE_MS);
  });

  test(`fails if Traefik still applies another weight after ${WEIGHT_MISMATCH_GRACE_MS / 1000} s: a weight patched by hand`, async () => {
    const cluster = fakeCluster([traefikAnswer(60, 40)]);
    const weights = await readTrafficWeights(cluster.kubectl, cluster.clock, 'aws', ROLLOUT, routed(10));
    expect(weights).toEqual({ traefikService: 'mandelbrot', desired: 10, applied: 40, mismatch: true });
    expect(cluster.elapsed()).toBeGreaterThanOrEqual(WEIGHT_MISMATCH_GRACE_MS);
    expect(describeTrafficWeights('aws', weights!)).toBe(
      'warning: aws: Traefik applies canary weight 40, the Rollout wants 10 (TraefikService mandelbrot), still after 5 s: the weights were changed outside the controller, or Traefik does not read them',
    );
  });

  test('a weight Traefik has not been given counts as 1, as Traefik counts it: half each before the controller writes', async () => {
    const cluster = fakeCluster([traefikAnswer(undefined, undefined)]);
    expect(await readTrafficWeights(cluster.kubectl, cluster.clock, 'aws', ROLLOUT, routed(0), 0)).toMatchObject({ applied: 50 });
  });

  test('says why the applied weight is unknown when Traefik has no such service', async () => {
    const cluster = fakeCluster(['{}']);
    const weights = await readTrafficWeights(cluster.kubectl, cluster.clock, 'aws', ROLLOUT, routed(10));
    expect(describeTrafficWeights('aws', weights!)).toBe(
      "aws: traffic: canary weight 10 desired, applied unknown: Traefik's API has no weighted service mandelbrot-mandelbrot@kubernetescrd",
    );
  });

  test('a Rollout without a traffic router reads nothing more', async () => {
    const cluster = fakeCluster([]);
    expect(
      await readTrafficWeights(cluster.kubectl, cluster.clock, 'aws', ROLLOUT, { spec: { strategy: { canary: {} } } }),
    ).toBeUndefined();
    expect(cluster.calls).toEqual([]);
  });
});

describe('renderTrafficLines', () => {
  test('one line per cluster whose Rollout routes through Traefik, desired beside applied', () => {
    const weights = { traefikService: 'mandelbrot', desired: 10, applied: 10, mismatch: false };
    const outcome = (name: string, traffic?: typeof weights) => ({
      cluster: { name, cloud: name, context: name },
      notes: [],
      state: traffic && ({ traffic } as never),
    });
    expect(renderTrafficLines([outcome('aws', weights), outcome('gcp')] as never)).toEqual([
      'aws: traffic: canary weight 10 desired, 10 applied by Traefik (TraefikService mandelbrot)',
    ]);
  });
});
