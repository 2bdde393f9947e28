import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../lib/core/errors.js';
import { GitTrainRepository } from '../../lib/operator/git-train-repository.js';
import { runWithTinyexec } from '../../lib/operator/run-command.js';
import { synthFixture } from '../support/fixture-project.js';
import { diffIn } from '../diff/synthesized-repo.js';
import { ReleaseFolder } from './release-folder.js';

// The train's Git against a real repository and a bare remote standing in for the one Argo CD pulls.

let project: ReleaseFolder;
let remote: string;
const git = (cwd: string, ...args: string[]) => {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
};

beforeEach(() => {
  project = ReleaseFolder.create();
  remote = mkdtempSync(join(tmpdir(), 'trinity-train-remote-'));
  git(remote, 'init', '-q', '--bare', '-b', 'main');
  git(project.root, 'init', '-q', '-b', 'main');
  for (const [key, value] of [
    ['user.name', 'Trinity Tests'],
    ['user.email', 'tests@example.com'],
    ['commit.gpgsign', 'false'],
  ])
    git(project.root, 'config', key!, value!);
  writeFileSync(join(project.root, '.gitignore'), 'scripts\n');
  git(project.root, 'add', '-A');
  git(project.root, 'commit', '-q', '-m', 'the fixture project');
  git(project.root, 'remote', 'add', 'origin', remote);
});
afterEach(() => {
  project.cleanup();
  rmSync(remote, { recursive: true, force: true });
});

function repository(): GitTrainRepository {
  return new GitTrainRepository({
    cwd: project.root,
    run: runWithTinyexec,
    workload: 'mandelbrot',
    release: 'faster-cycles',
    releaseField: (cluster) => ({ file: `overlays/${cluster.name}.yaml`, path: ['workloads', 'mandelbrot', 'release'] }),
    outdir: 'dist',
    synthesize: async () => {
      const result = await synthFixture([], project.root);
      if (result.status !== 0) throw new Error(result.stderr);
    },
    remote: 'origin',
    branch: 'main',
  });
}

describe('the release train in Git', () => {
  test("pins one cluster's overlay in a commit of its own, pushed to the branch Argo CD follows, that npm run diff explains", async () => {
    const commit = await repository().pin({ name: 'gcp', cloud: 'gcp', context: 'gcp' }, '2/3');
    expect(git(remote, 'rev-parse', 'main')).toBe(commit);
    expect(git(project.root, 'log', '-1', '--format=%s')).toBe('Release mandelbrot "faster-cycles" to gcp (release train 2/3)');
    const files = git(project.root, 'show', '--name-only', '--format=', commit).split('\n');
    expect(files).toContain('overlays/gcp.yaml');
    expect(files.filter((file) => file.startsWith('dist/') && !file.startsWith('dist/gcp/'))).toEqual([]);
    const diff = await diffIn(project.root, ['--base', 'HEAD~1', '--head', 'HEAD']);
    expect(diff.status).toBe(0);
    expect(diff.stdout).toContain('1 cluster: 1 changed, 1 canary');
    expect(diff.stdout).toContain('cluster gcp: 1 changed, 1 canary');
    expect(diff.stdout).toContain('env[name=MANDELBROT_RELEASE].value: "continuous" → "faster-cycles"');
  });

  test('Argo CD at the pinned commit or a later one has it; at an earlier one it has not', async () => {
    const before = git(project.root, 'rev-parse', 'HEAD');
    const repo = repository();
    const commit = await repo.pin({ name: 'aws', cloud: 'aws', context: 'aws' }, '1/3');
    await expect(repo.includes(commit, commit)).resolves.toBe(true);
    await expect(repo.includes(before, commit)).resolves.toBe(false);
    await expect(repo.head()).resolves.toBe(commit);
  });

  test('fails if what the train commits has uncommitted changes, naming the files', async () => {
    writeFileSync(join(project.root, 'overlays', 'aws.yaml'), '# edited\n', { flag: 'a' });
    await expect(repository().assertClean(['overlays', 'platform.yaml', 'dist'])).rejects.toThrow(
      new UsageError('uncommitted changes in overlays/aws.yaml; commit or stash them first: each train commit holds its own release only'),
    );
  });
});
