import { KubeConfig } from '@kubernetes/client-node';
import { join } from 'node:path';
import { ClusterWatch, describeError } from '../../lib/dashboard/cluster-watch.js';
import { FakeKubeApi, type FakeObject } from '../support/fake-kube-api.js';
import { makeTempDir } from '../support/synth-process.js';
import { pod } from './recorded-cluster.js';

const PODS = '/api/v1/namespaces/mandelbrot/pods';
const ROLLOUTS = '/apis/argoproj.io/v1alpha1/namespaces/mandelbrot/rollouts';

/** Resolves once `check` holds, looking after every change the watch reports; fails after 5 s. */
function until(changes: { wait: () => Promise<void> }, check: () => boolean): Promise<void> {
  return (async () => {
    const deadline = Date.now() + 5000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('the watch did not report the change within 5 s');
      await changes.wait();
    }
  })();
}

describe('ClusterWatch against an API server', () => {
  let api: FakeKubeApi;
  let folder: { path: string; cleanup: () => void };
  let watch: ClusterWatch | undefined;
  let notify: () => void = () => {};
  const changes = {
    wait: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        notify = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
  };

  beforeEach(async () => {
    api = new FakeKubeApi();
    await api.start();
    folder = makeTempDir('cluster-watch');
  });

  afterEach(async () => {
    await watch?.stop();
    await api.stop();
    folder.cleanup();
  });

  function startWatch(now?: () => Date): ClusterWatch {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(api.writeKubeconfig(join(folder.path, 'kubeconfig'), ['aws']));
    watch = new ClusterWatch({ kubeConfig, namespaces: ['mandelbrot'], onChange: () => notify(), retryMs: 50, now });
    watch.start();
    return watch;
  }

  test('lists first, then sees additions, changes and deletions as the API server reports them', async () => {
    api.put('aws', PODS, pod('mandelbrot-a-1', 'a', true) as FakeObject);
    const cluster = startWatch();
    await until(changes, () => cluster.objects.pods.length === 1);

    api.put('aws', ROLLOUTS, { metadata: { name: 'mandelbrot', namespace: 'mandelbrot' }, status: { phase: 'Paused' } });
    await until(changes, () => cluster.objects.rollouts.length === 1);
    api.put('aws', ROLLOUTS, { metadata: { name: 'mandelbrot', namespace: 'mandelbrot' }, status: { phase: 'Healthy' } });
    await until(changes, () => cluster.objects.rollouts[0]?.status?.phase === 'Healthy');
    api.remove('aws', PODS, 'mandelbrot-a-1');
    await until(changes, () => cluster.objects.pods.length === 0);
    // One list and one watch per kind: nothing polls.
    expect(api.requests.filter((request) => request === `aws ${PODS}`).length).toBe(2);
    expect(cluster.unreachableSince).toBeUndefined();
  });

  test('an API server that stops answering: the last objects stay, "unreachable since" is set, and cleared once it answers again', async () => {
    api.put('aws', ROLLOUTS, { metadata: { name: 'mandelbrot', namespace: 'mandelbrot' }, status: { phase: 'Paused' } });
    const lost = new Date('2026-12-07T05:00:00.000Z');
    const cluster = startWatch(() => lost);
    await until(changes, () => cluster.objects.rollouts.length === 1);

    api.setUnreachable('aws', true);
    await until(changes, () => cluster.unreachableSince !== undefined);
    expect(cluster.unreachableSince).toBe(lost.toISOString());
    expect(cluster.objects.rollouts.map((rollout) => rollout.status?.phase)).toEqual(['Paused']);

    api.setUnreachable('aws', false);
    api.put('aws', ROLLOUTS, { metadata: { name: 'mandelbrot', namespace: 'mandelbrot' }, status: { phase: 'Healthy' } });
    await until(changes, () => cluster.unreachableSince === undefined && cluster.objects.rollouts[0]?.status?.phase === 'Healthy');
  });
});

describe('describeError', () => {
  test("an API server's refusal is its code and its own message, on one line", () => {
    const refusal = Object.assign(new Error('HTTP-Code: 429\nMessage: Unknown API Status Code!\nBody: ...'), {
      code: 429,
      body: JSON.stringify({ kind: 'Status', message: 'storage is (re)initializing', code: 429 }),
    });
    expect(describeError(refusal)).toBe('HTTP 429: storage is (re)initializing');
  });

  test('a network failure is its first line', () => {
    expect(describeError(new Error('request to https://127.0.0.1:1/api failed, reason: connect ECONNREFUSED\nmore'))).toBe(
      'request to https://127.0.0.1:1/api failed, reason: connect ECONNREFUSED',
    );
  });
});
