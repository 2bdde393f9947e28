import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clustersBehindGit, FAST, FIXTURE, type StandInKubectl, tableRows } from './stand-in-kubectl.js';

// The operations' failures, in process: kubectl is answered by the stand-in without starting a process.

const standIns: StandInKubectl[] = [];
function standIn(knobs: ConstructorParameters<typeof StandInKubectl>[0] = {}): StandInKubectl {
  const kubectl = clustersBehindGit(knobs);
  standIns.push(kubectl);
  return kubectl;
}
afterEach(() => standIns.splice(0).forEach((kubectl) => kubectl.cleanup()));

describe('deadlines', () => {
  test('fails if the CRD never becomes Established, saying what it waited for and what it saw', async () => {
    const kubectl = standIn({ CRD: 'pending' });
    const result = await kubectl.rollout(['sync', '--cluster', 'aws', '--timeout', '500ms', ...FAST]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'aws failed: timed out after 500ms waiting for CRD rollouts.argoproj.io to exist and be Established; last seen: the CRD exists, Established is False',
    );
    // It polled, and never asked Argo CD to sync the workload.
    expect(kubectl.commandsFor('aws').filter((command) => command.startsWith('get crd')).length).toBeGreaterThan(1);
    expect(kubectl.commandsFor('aws').some((command) => command.includes('trinity-mandelbrot-aws'))).toBe(false);
  });

  test('waits for a CRD that appears late', async () => {
    const kubectl = standIn({ CRD: 'after:3' });
    const result = await kubectl.rollout(['sync', '--cluster', 'aws', ...FAST]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('[aws]   seen: the CRD does not exist yet');
    expect(kubectl.commandsFor('aws').filter((command) => command.startsWith('get crd'))).toHaveLength(4);
    expect(tableRows(result.stdout).get('aws')!.slice(2, 4)).toEqual(['Paused', '1/3']);
  });

  test('fails if status --watch reaches its --timeout, with the last status it printed', async () => {
    const kubectl = standIn({ STUCK: 'azure' });
    await kubectl.rollout(['sync', '--cluster', 'azure', ...FAST]);
    const result = await kubectl.rollout(['promote', '--cluster', 'azure', '--timeout', '500ms', ...FAST]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'azure failed: timed out after 500ms waiting for Rollout mandelbrot to be Healthy (kubectl argo rollouts status --watch); last seen: Paused - CanaryPauseStep',
    );
    expect(tableRows(result.stdout).get('azure')!.slice(2, 4)).toEqual(['Paused', '1/3']);
  });
});

describe('one cluster failing among three', () => {
  test('fails if one cluster is unreachable, after the others finish, reporting every cluster', async () => {
    const kubectl = standIn({ UNREACHABLE: 'gcp' });
    const result = await kubectl.rollout(['sync', '--cluster', 'all', ...FAST]);
    expect(result.status).toBe(1);
    const rows = tableRows(result.stdout);
    expect(rows.get('aws')!.slice(2, 4)).toEqual(['Paused', '1/3']);
    expect(rows.get('azure')!.slice(2, 4)).toEqual(['Paused', '1/3']);
    expect(rows.get('gcp')).toEqual(['gcp', 'gcp', 'unknown', '-', '-', '-', '-', '-']);
    expect(result.stderr).toContain(
      'gcp failed: kubectl get application trinity-dev-gcp-root --namespace argocd --output json --context gcp exited 1: ' +
        'The connection to the server gcp.example:443 was refused - did you specify the right host or port?',
    );
    expect(result.stderr).toContain('sync failed on 1 of 3 clusters');
  });

  test('fails if one cluster cannot be read; status still shows the others', async () => {
    const kubectl = standIn({ UNREACHABLE: 'aws' });
    const result = await kubectl.rollout(['status', '--cluster', 'all']);
    expect(result.status).toBe(1);
    expect([...tableRows(result.stdout).values()].map((row) => row[2])).toEqual(['unknown', 'Healthy', 'Healthy']);
    expect(result.stderr).toMatch(
      /^aws failed: kubectl get rollout mandelbrot .* exited 1: The connection to the server aws.example:443 was refused/m,
    );
  });

  test("fails if Argo CD's sync fails, with Argo CD's message", async () => {
    const kubectl = standIn({ SYNC_FAILS: 'azure' });
    const result = await kubectl.rollout(['sync', '--cluster', 'all', ...FAST]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'azure failed: Argo CD\'s sync of trinity-mandelbrot-azure ended Failed: one or more objects failed to apply, reason: admission webhook "validate.example" denied the request',
    );
    expect(tableRows(result.stdout).get('azure')!.slice(2, 4)).toEqual(['Healthy', '3/3']);
    expect(tableRows(result.stdout).get('aws')!.slice(2, 4)).toEqual(['Paused', '1/3']);
  });

  test('fails if a kube context does not exist, for that cluster only', async () => {
    const kubectl = standIn({ CONTEXTS: 'aws,azure' });
    const result = await kubectl.rollout(['restart', '--cluster', 'all', ...FAST]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'gcp failed: kubectl argo rollouts --context gcp restart mandelbrot --namespace mandelbrot exited 1: Error in configuration: context was not found for specified context: gcp',
    );
    expect(kubectl.commandsFor('aws')).toContain('argo rollouts --context aws restart mandelbrot --namespace mandelbrot');
  });
});

describe('kube contexts', () => {
  test("uses the overlay's context, not the cluster's name", async () => {
    const folder = mkdtempSync(join(tmpdir(), 'trinity-overlays-'));
    try {
      cpSync(join(FIXTURE.root, 'overlays'), folder, { recursive: true });
      writeFileSync(
        join(folder, 'aws.yaml'),
        'cloud: aws\nregion: us-east-1\ncontext: eks-main\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n',
      );
      const kubectl = standIn({ CONTEXTS: 'eks-main=aws,azure,gcp' });
      const result = await kubectl.rollout(['abort', '--cluster', 'aws', '--overlays', folder, ...FAST]);
      expect(result.status).toBe(0);
      expect(kubectl.commandsFor('eks-main')).toContain('argo rollouts --context eks-main abort mandelbrot --namespace mandelbrot');
      const dryRun = await kubectl.rollout(['sync', '--cluster', 'aws', '--overlays', folder, '--dry-run']);
      expect(dryRun.stdout).toContain('aws (context eks-main):');
      expect(dryRun.stdout).toContain('patch application trinity-dev-aws-root --namespace argocd');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('bad input fails at once with exit code 2, and nothing runs on any cluster', () => {
  test.each([
    [
      ['deploy', '--cluster', 'aws'],
      "error: command-argument value 'deploy' is invalid for argument 'operation'. Allowed choices are status, sync, promote, promote-full, abort, undo, restart.",
    ],
    [['status'], "error: required option '--cluster <name>' not specified"],
    [
      ['status', '--cluster', 'mars'],
      'error: --cluster "mars" is not a cluster; expected "all" or one of aws, azure, gcp (from overlays/)',
    ],
    [
      ['undo', '--cluster', 'aws', '--to-revision', 'two'],
      'error: --to-revision "two" is not a Rollout revision; expected a whole number of at least 1',
    ],
    [['undo', '--cluster', 'aws', '--to-revision', '0'], 'error: --to-revision "0" is not a Rollout revision'],
    [['undo', '--cluster', 'aws', '--to-revision', '-1'], 'error: --to-revision "-1" is not a Rollout revision'],
    [['promote', '--cluster', 'aws', '--to-revision', '2'], 'error: --to-revision applies to undo only, not to promote'],
    [
      ['sync', '--cluster', 'aws', '--timeout', '10'],
      'error: --timeout "10" is not a duration; expected a positive whole number with a unit: ms, s, m or h (30s, 10m, 1m30s)',
    ],
    [['sync', '--cluster', 'aws', '--timeout', '0s'], 'error: --timeout "0s" is not a duration'],
    [['sync', '--cluster', 'aws', '--timeout', '1d'], 'error: --timeout "1d" is not a duration'],
    [['sync', '--cluster', 'aws', '--poll-interval', 'often'], 'error: --poll-interval "often" is not a duration'],
    [['abort', '--cluster', 'aws', '--force'], 'error: --force applies to promote only, not to abort'],
    [
      ['status', '--cluster', 'aws', '--workload', 'mandelbrt'],
      'error: --workload "mandelbrt" is not a workload that runs a Rollout; expected mandelbrot',
    ],
  ])('fails if given %j', async (args, message) => {
    const kubectl = standIn();
    const result = await kubectl.rollout(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
    expect(kubectl.calls()).toEqual([]);
  });

  test('fails if the kubectl executable cannot be found', async () => {
    const kubectl = standIn();
    const missing = join(tmpdir(), 'trinity-no-such-folder', 'kubectl');
    const result = await kubectl.rollout(['status', '--cluster', 'all', '--kubectl', missing]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `error: ${missing} was not found; install kubectl (and the kubectl-argo-rollouts plugin) or pass --kubectl <path>\n`,
    );
    expect(kubectl.calls()).toEqual([]);
  });

  test('fails if the kubectl-argo-rollouts plugin is missing', async () => {
    const kubectl = standIn({ NO_PLUGIN: '1' });
    const result = await kubectl.rollout(['promote', '--cluster', 'all']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      'error: the kubectl-argo-rollouts plugin is missing or does not run: kubectl argo rollouts version exited 1: Error: unknown command "argo" for "kubectl". Install kubectl-argo-rollouts v1.9.0',
    );
    expect(kubectl.calls()).toEqual([['argo', 'rollouts', 'version']]);
  });

  test.each(['status', 'sync'])('%s runs without the kubectl-argo-rollouts plugin: kubectl alone carries it out', async (operation) => {
    const kubectl = standIn({ NO_PLUGIN: '1' });
    const result = await kubectl.rollout([operation, '--cluster', 'all', ...FAST]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(kubectl.calls()[0]).toEqual(['version', '--client']);
    expect(kubectl.calls().filter((argv) => argv[0] === 'argo')).toEqual([]);
  });
});

describe('the stand-in kubectl', () => {
  test('fails if flags come before the plugin name, as real kubectl does', async () => {
    const kubectl = standIn();
    const result = await kubectl.call(['--context', 'aws', 'argo', 'rollouts', 'get', 'rollout', 'mandelbrot']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe('Error: flags cannot be placed before plugin name: --context\n');
    // The call is still recorded, and the tests' own check would catch it too.
    expect(kubectl.misplacedContexts()).toEqual(['--context aws argo rollouts get rollout mandelbrot']);
  });

  test('fails if a boolean flag has its value without "=", as the plugin does', async () => {
    const kubectl = standIn();
    const result = await kubectl.call([
      'argo',
      'rollouts',
      '--context',
      'aws',
      'status',
      'mandelbrot',
      '--namespace',
      'mandelbrot',
      '--watch',
      'false',
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('unexpected argument "false"');
  });
});
