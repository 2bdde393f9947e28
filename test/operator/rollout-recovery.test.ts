import { CLUSTERS, clustersBehindGit, FAST, type StandInKubectl, tableRows } from './stand-in-kubectl.js';

// abort, undo and restart end to end, in process: the command line with every kubectl call answered
// by the stand-in, and Git (dist/) one release ahead of the live clusters.

let kubectl: StandInKubectl;
beforeEach(() => {
  kubectl = clustersBehindGit();
});
afterEach(() => kubectl.cleanup());

describe('rollout abort, undo and restart', () => {
  test('abort during a canary leaves the Rollout Degraded with the stable ReplicaSet serving', async () => {
    await kubectl.rollout(['sync', '--cluster', 'all', ...FAST]);
    const stable = kubectl.state('azure').stableHash;
    const result = await kubectl.rollout(['abort', '--cluster', 'all', ...FAST]);
    expect(result.status).toBe(0);
    expect(tableRows(result.stdout).get('azure')).toEqual(['azure', 'azure', 'Degraded', '0/3', '0', '2', '2', `mandelbrot-${stable}`]);
    for (const cluster of CLUSTERS) {
      expect(kubectl.commandsFor(cluster)).toContain(`argo rollouts --context ${cluster} abort mandelbrot --namespace mandelbrot`);
    }
  });

  test('undo during a canary goes back to the previous revision, and says Git will win until it is reverted', async () => {
    await kubectl.rollout(['sync', '--cluster', 'aws', ...FAST]);
    const { stableHash, podHash } = kubectl.state('aws');
    const result = await kubectl.rollout(['undo', '--cluster', 'aws', ...FAST]);
    expect(result.status).toBe(0);
    expect(kubectl.commandsFor('aws')).toContain('argo rollouts --context aws undo mandelbrot --namespace mandelbrot');
    expect(tableRows(result.stdout).get('aws')).toEqual(['aws', 'aws', 'Healthy', '3/3', '100', '2', '2', `mandelbrot-${stableHash}`]);
    expect(kubectl.state('aws').podHash).toBe(stableHash);
    expect(kubectl.state('aws').podHash).not.toBe(podHash);
    expect(result.stdout).toContain('Argo CD self-heal puts the revision in Git back');
    expect(result.stdout).toContain('revert the change in Git, then run: npm run rollout -- sync --cluster aws');
  });

  test('undo --to-revision passes the revision on', async () => {
    await kubectl.rollout(['sync', '--cluster', 'gcp', ...FAST]);
    await kubectl.rollout(['promote', '--cluster', 'gcp', ...FAST]);
    const first = kubectl.state('gcp').revisions.find((revision) => revision.revision === 1)!;
    const result = await kubectl.rollout(['undo', '--cluster', 'gcp', '--to-revision', '1', ...FAST]);
    expect(result.status).toBe(0);
    expect(kubectl.commandsFor('gcp')).toContain('argo rollouts --context gcp undo mandelbrot --namespace mandelbrot --to-revision 1');
    // Revision 1 is older than the stable one now: it comes back as a new canary, paused.
    expect(kubectl.state('gcp').podHash).toBe(first.hash);
    expect(tableRows(result.stdout).get('gcp')!.slice(2, 5)).toEqual(['Paused', '1/3', '50']);
  });

  test("fails if undo has no earlier revision, with the plugin's message", async () => {
    const result = await kubectl.rollout(['undo', '--cluster', 'aws', ...FAST]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'aws failed: kubectl argo rollouts --context aws undo mandelbrot --namespace mandelbrot exited 1: Error: no revision found for rollout "mandelbrot"',
    );
    expect(result.stdout).not.toContain('self-heal');
  });

  test('restart sets restartAt and the Rollout stays Healthy', async () => {
    const result = await kubectl.rollout(['restart', '--cluster', 'all', ...FAST]);
    expect(result.status).toBe(0);
    for (const cluster of CLUSTERS) {
      expect(kubectl.commandsFor(cluster)).toContain(`argo rollouts --context ${cluster} restart mandelbrot --namespace mandelbrot`);
      expect(kubectl.state(cluster).restartAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(tableRows(result.stdout).get(cluster)!.slice(2, 5)).toEqual(['Healthy', '3/3', '100']);
    }
    expect(kubectl.misplacedContexts()).toEqual([]);
  });
});
