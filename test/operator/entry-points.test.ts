import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReleaseFolder } from './release-folder.js';
import { clustersBehindGit, FAST, FIXTURE, runEntry, runRollout, type StandInKubectl, tableRows } from './stand-in-kubectl.js';

// The commands as processes, as operators and the workflow start them (`node scripts/run.cjs bin/...`),
// with the stand-in `kubectl` program first on PATH: exit codes, what reaches stdout and stderr, and
// a real process for every kubectl call. What the commands do is tested in process beside this file.

const standIns: StandInKubectl[] = [];
afterEach(() => standIns.splice(0).forEach((kubectl) => kubectl.cleanup()));
function standIn(kubectl: StandInKubectl): StandInKubectl {
  standIns.push(kubectl);
  return kubectl;
}

describe('npm run rollout', () => {
  test('runs an operation with kubectl from PATH, one process per call, and exits 0', async () => {
    const kubectl = standIn(clustersBehindGit());
    const result = await runRollout(['sync', '--cluster', 'aws', ...FAST], kubectl.env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(tableRows(result.stdout).get('aws')!.slice(2, 5)).toEqual(['Paused', '1/3', '50']);
    // The canary came from Git: state kept between the stand-in's processes carried the sync through.
    expect(kubectl.state('aws').podHash).not.toBe(kubectl.state('aws').stableHash);
    expect(kubectl.calls()[0]).toEqual(['version', '--client']);
    expect(kubectl.misplacedContexts()).toEqual([]);
  });

  test('fails if a cluster fails, with exit code 1 and the failure on stderr', async () => {
    const kubectl = standIn(clustersBehindGit({ UNREACHABLE: 'gcp' }));
    const result = await runRollout(['status', '--cluster', 'gcp'], kubectl.env);
    expect(result.code).toBe(1);
    expect(tableRows(result.stdout).get('gcp')!.slice(2, 3)).toEqual(['unknown']);
    expect(result.stderr).toMatch(
      /^\ngcp failed: kubectl get rollout mandelbrot .* exited 1: The connection to the server gcp\.example:443 was refused/,
    );
    expect(result.stderr.trimEnd().split('\n').at(-1)).toBe('status failed on 1 of 1 cluster');
  });

  test('fails if kubectl is not on PATH, with exit code 2 and one line, without a stack trace', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'trinity-empty-path-'));
    try {
      const kubectl = standIn(clustersBehindGit());
      const result = await runRollout(['status', '--cluster', 'all'], { ...kubectl.env, PATH: empty });
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        'error: kubectl was not found; install kubectl (and the kubectl-argo-rollouts plugin) or pass --kubectl <path>\n',
      );
      expect(result.stdout).toBe('');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  test('fails if an option is missing, with exit code 2 and commander’s one line', async () => {
    const kubectl = standIn(clustersBehindGit());
    const result = await runRollout(['status'], kubectl.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: required option '--cluster <name>' not specified\n");
    expect(kubectl.calls()).toEqual([]);
  });
});

describe('npm run release', () => {
  let folder: ReleaseFolder;
  beforeEach(() => {
    folder = ReleaseFolder.create();
  });
  afterEach(() => folder.cleanup());

  test('cuts a release with its synth as a process, and exits 0', async () => {
    const result = await runEntry('bin/release.ts', ['faster-cycles'], { cwd: folder.root });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Clusters that will start a canary when synced: aws, azure, gcp');
    expect(readFileSync(join(folder.root, 'dist/aws/mandelbrot/rollout-mandelbrot.yaml'), 'utf8')).toContain('value: faster-cycles');
  });

  test('fails if the release name is empty, with exit code 2 and one line, changing nothing', async () => {
    const result = await runEntry('bin/release.ts', [''], { cwd: folder.root });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: release name "": expected a non-empty release name\n');
    expect(readFileSync(join(folder.root, 'platform.yaml'), 'utf8')).toBe(readFileSync(join(FIXTURE.root, 'platform.yaml'), 'utf8'));
  });
});
