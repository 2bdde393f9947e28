import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_OVERLAYS, FIXTURE_PLATFORM_YAML, writeFixtureOverlays } from '../support/fixture-project.js';
import { makeTempDir } from '../support/synth-process.js';
import { CLUSTERS, clustersBehindGit, FAST, FIXTURE, StandInKubectl, tableRows } from './stand-in-kubectl.js';

// The operations end to end, in process: the command line as npm run rollout reads it, with every
// kubectl call answered by the stand-in. Git (dist/) is ahead of the live clusters by one release,
// as after merging a release change.

let kubectl: StandInKubectl;
beforeEach(() => {
  kubectl = clustersBehindGit();
});
afterEach(() => kubectl.cleanup());

describe('rollout status', () => {
  test('prints one row per cluster, read from the Rollout JSON: Healthy at 3/3 with weight 100', async () => {
    const result = await kubectl.rollout(['status', '--cluster', 'all']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const rows = tableRows(result.stdout);
    expect([...rows.keys()]).toEqual(CLUSTERS);
    for (const cluster of CLUSTERS) {
      expect(rows.get(cluster)).toEqual([
        cluster,
        cluster,
        'Healthy',
        '3/3',
        '100',
        '2',
        '2',
        `mandelbrot-${kubectl.state(cluster).stableHash}`,
      ]);
    }
    // kubectl's own check first (status reads only, so no plugin), then the clusters, read at the same time.
    const [first, ...reads] = kubectl.calls().map((argv) => argv.join(' '));
    expect(first).toBe('version --client');
    expect(reads.sort()).toEqual(
      CLUSTERS.map((cluster) => `get rollout mandelbrot --namespace mandelbrot --output json --context ${cluster}`),
    );
  });

  test('reads one cluster only when one is named', async () => {
    const result = await kubectl.rollout(['status', '--cluster', 'gcp']);
    expect(result.status).toBe(0);
    expect([...tableRows(result.stdout).keys()]).toEqual(['gcp']);
    expect(kubectl.commandsFor('aws')).toEqual([]);
  });
});

describe('the release drill: sync, inspect the paused canary, promote', () => {
  test('sync all pauses every canary at step 1/3 with one stable and one canary pod, then promote all makes them Healthy at 3/3', async () => {
    const before = Object.fromEntries(CLUSTERS.map((cluster) => [cluster, '']));
    const status = await kubectl.rollout(['status', '--cluster', 'all']);
    for (const cluster of CLUSTERS) before[cluster] = tableRows(status.stdout).get(cluster)![7]!;

    const sync = await kubectl.rollout(['sync', '--cluster', 'all', ...FAST]);
    expect(sync.stderr).toBe('');
    expect(sync.status).toBe(0);
    const paused = tableRows(sync.stdout);
    for (const cluster of CLUSTERS) {
      // The stable ReplicaSet still serves beside the canary: desired 2, ready 2, weight 50.
      expect(paused.get(cluster)).toEqual([cluster, cluster, 'Paused', '1/3', '50', '2', '2', before[cluster]]);
      expect(kubectl.state(cluster).podHash).not.toBe(kubectl.state(cluster).stableHash);
      const commands = kubectl.commandsFor(cluster);
      const rootSync = commands.indexOf(
        `patch application trinity-dev-${cluster}-root --namespace argocd --type merge --patch {"operation":{"sync":{"syncStrategy":{"hook":{}}}}} --context ${cluster}`,
      );
      const crdRead = commands.indexOf(`get crd rollouts.argoproj.io --output json --context ${cluster}`);
      const appSync = commands.indexOf(
        `patch application trinity-mandelbrot-${cluster} --namespace argocd --type merge --patch {"operation":{"sync":{"syncStrategy":{"hook":{}}}}} --context ${cluster}`,
      );
      expect(rootSync).toBeGreaterThanOrEqual(0);
      expect(crdRead).toBeGreaterThan(rootSync);
      expect(appSync).toBeGreaterThan(crdRead);
    }
    expect(sync.stdout).toMatch(/\[aws\] waiting for Argo CD to finish syncing trinity-mandelbrot-aws/);
    // The first read after the sync is stale (generation not yet observed); the wait must not stop there.
    expect(sync.stdout).toMatch(/\[aws\]\s+seen: Progressing \(waiting for rollout spec update to be observed\)/);

    const promote = await kubectl.rollout(['promote', '--cluster', 'all', ...FAST]);
    expect(promote.stderr).toBe('');
    expect(promote.status).toBe(0);
    const healthy = tableRows(promote.stdout);
    for (const cluster of CLUSTERS) {
      expect(healthy.get(cluster)).toEqual([
        cluster,
        cluster,
        'Healthy',
        '3/3',
        '100',
        '2',
        '2',
        `mandelbrot-${kubectl.state(cluster).podHash}`,
      ]);
      expect(healthy.get(cluster)![7]).not.toBe(before[cluster]);
      expect(kubectl.commandsFor(cluster)).toEqual(
        expect.arrayContaining([
          `argo rollouts --context ${cluster} promote mandelbrot --namespace mandelbrot`,
          `argo rollouts --context ${cluster} status mandelbrot --namespace mandelbrot --watch=true --timeout 10m`,
        ]),
      );
      expect(kubectl.state(cluster).skippedSteps).toEqual([]);
    }
    expect(kubectl.misplacedContexts()).toEqual([]);
  });

  test('a sync with nothing new in Git leaves a Healthy Rollout Healthy', async () => {
    const settled = new StandInKubectl({ DIST: join(FIXTURE.root, 'dist') });
    try {
      const result = await settled.rollout(['sync', '--cluster', 'aws', ...FAST]);
      expect(result.status).toBe(0);
      expect(tableRows(result.stdout).get('aws')!.slice(2, 5)).toEqual(['Healthy', '3/3', '100']);
    } finally {
      settled.cleanup();
    }
  });
});

describe('rollout promote', () => {
  test('fails if the Rollout is not Paused at a pause step, saying what it found, and promotes nothing', async () => {
    const result = await kubectl.rollout(['promote', '--cluster', 'aws', ...FAST]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('aws failed: refusing to promote: the Rollout is Healthy at step 3/3');
    expect(result.stderr).toContain('not Paused at a pause step');
    expect(result.stderr).toContain('--force');
    expect(kubectl.commandsFor('aws').filter((command) => command.includes(' promote '))).toEqual([]);
  });

  test('--force promotes anyway', async () => {
    const result = await kubectl.rollout(['promote', '--cluster', 'aws', '--force', ...FAST]);
    expect(result.status).toBe(0);
    expect(kubectl.commandsFor('aws')).toContain('argo rollouts --context aws promote mandelbrot --namespace mandelbrot');
    // What the guard exists for: the plugin skipped the current step.
    expect(kubectl.state('aws').skippedSteps).toEqual([3]);
  });

  test('promote-full runs promote --full=true and waits with status --watch --timeout', async () => {
    await kubectl.rollout(['sync', '--cluster', 'gcp', ...FAST]);
    const result = await kubectl.rollout(['promote-full', '--cluster', 'gcp', '--timeout', '2m', ...FAST]);
    expect(result.status).toBe(0);
    expect(kubectl.commandsFor('gcp').slice(-3)).toEqual([
      'argo rollouts --context gcp promote mandelbrot --namespace mandelbrot --full=true',
      'argo rollouts --context gcp status mandelbrot --namespace mandelbrot --watch=true --timeout 2m',
      'get rollout mandelbrot --namespace mandelbrot --output json --context gcp',
    ]);
    expect(tableRows(result.stdout).get('gcp')!.slice(2, 5)).toEqual(['Healthy', '3/3', '100']);
  });
});

describe('rollout --dry-run', () => {
  test.each(['status', 'sync', 'promote', 'promote-full', 'abort', 'undo', 'restart'])(
    "%s prints every cluster's commands and runs nothing",
    async (operation) => {
      const result = await kubectl.rollout([operation, '--cluster', 'all', '--dry-run']);
      expect(result.status).toBe(0);
      expect(kubectl.calls()).toEqual([]);
      for (const cluster of CLUSTERS) {
        expect(result.stdout).toContain(`${cluster} (context ${cluster}):`);
        expect(result.stdout).toContain(`kubectl get rollout mandelbrot --namespace mandelbrot --output json --context ${cluster}`);
      }
    },
  );

  test('prints the exact, copyable commands', async () => {
    const result = await kubectl.rollout(['promote', '--cluster', 'aws', '--dry-run', '--timeout', '90s']);
    expect(result.stdout.split('\n')).toEqual([
      'dry run: promote on aws (environment dev); nothing is run',
      'aws (context aws):',
      '  kubectl get rollout mandelbrot --namespace mandelbrot --output json --context aws  # promote only if the Rollout is Paused at a pause step (--force skips this check)',
      '  kubectl argo rollouts --context aws promote mandelbrot --namespace mandelbrot',
      '  kubectl argo rollouts --context aws status mandelbrot --namespace mandelbrot --watch=true --timeout 90s  # until Healthy; a canary with a later pause step is polled with `kubectl get rollout` until Paused there instead',
      '  kubectl get rollout mandelbrot --namespace mandelbrot --output json --context aws  # shows the state',
      '',
    ]);
    const sync = await kubectl.rollout(['sync', '--cluster', 'gcp', '--dry-run']);
    expect(sync.stdout).toContain(
      `  kubectl patch application trinity-dev-gcp-root --namespace argocd --type merge --patch '{"operation":{"sync":{"syncStrategy":{"hook":{}}}}}' --context gcp` +
        "  # with the Application's syncOptions added to the operation, read first with `kubectl get application trinity-dev-gcp-root --namespace argocd --output json --context gcp`\n",
    );
    expect(kubectl.calls()).toEqual([]);
  });
});

describe('rollout status with a release train', () => {
  // aws carries the platform's release in Git; gcp and azure keep an older one of their own.
  let folder: ReturnType<typeof makeTempDir>;
  let args: string[];
  beforeEach(() => {
    folder = makeTempDir('train-status');
    writeFileSync(join(folder.path, 'platform.yaml'), `${FIXTURE_PLATFORM_YAML}releaseTrain: [aws, gcp, azure]\n`);
    const overlays = writeFixtureOverlays(folder.path);
    for (const cluster of ['gcp', 'azure'])
      writeFileSync(join(overlays, `${cluster}.yaml`), `${FIXTURE_OVERLAYS[cluster]}    release: old\n`);
    args = ['--platform', join(folder.path, 'platform.yaml'), '--overlays', overlays];
  });
  afterEach(() => folder.cleanup());

  /** The lines from the train's heading on. */
  const trainLines = (stdout: string) => stdout.slice(stdout.indexOf('release train ')).trimEnd().split('\n');

  test("shows each stop's release in Git and live, the next cluster, and what it waits for, as the first cluster's canary moves", async () => {
    const before = await kubectl.rollout(['status', '--cluster', 'all', ...args]);
    expect(before.status).toBe(0);
    expect(trainLines(before.stdout)).toEqual([
      'release train aws → gcp → azure: "continuous"',
      'stop  cluster  in Git      live    status',
      '1/3   aws      continuous  stable  Healthy',
      '2/3   gcp      old         stable  Healthy  next',
      '3/3   azure    old         stable  Healthy',
      'gcp waits for aws: Argo CD has not brought "continuous" to its Rollout yet',
    ]);

    expect((await kubectl.rollout(['sync', '--cluster', 'aws', ...FAST, ...args])).status).toBe(0);
    const paused = await kubectl.rollout(['status', '--cluster', 'all', ...args]);
    expect(trainLines(paused.stdout)[2]).toBe('1/3   aws      continuous  continuous  Paused');
    expect(trainLines(paused.stdout).at(-1)).toBe(
      'gcp waits for aws: its canary waits for an operator (npm run rollout -- promote --cluster aws)',
    );

    expect((await kubectl.rollout(['promote', '--cluster', 'aws', ...FAST, ...args])).status).toBe(0);
    const promoted = await kubectl.rollout(['status', '--cluster', 'all', ...args]);
    expect(trainLines(promoted.stdout).at(-1)).toBe(
      'aws is Healthy with "continuous"; gcp is next: npm run release -- continuous --train --resume',
    );
  });

  test('is not shown for one cluster, nor without a train', async () => {
    expect((await kubectl.rollout(['status', '--cluster', 'aws', ...args])).stdout).not.toContain('release train');
    expect((await kubectl.rollout(['status', '--cluster', 'all'])).stdout).not.toContain('release train');
  });
});
