import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { entryPointCommand } from '../../lib/util/entry-point.js';
import { ProjectCopy } from '../check/project-copy.js';
import { FIXTURE_OVERLAYS, synthFixture, withRepository } from '../support/fixture-project.js';
import { makeTempDir, readTree } from '../support/synth-process.js';
import { ALIAS_BOMB } from '../support/hostile-yaml.js';
import { plainEnv } from '../support/run-command.js';

// `npm run synth` on a copy of the project, in process unless the process is the subject: what it
// refuses, and what it leaves behind when it fails. Each test puts back what it changed in the copy.
let project: ProjectCopy;
let committed: Map<string, string>;
beforeAll(async () => {
  project = ProjectCopy.fixture();
  await project.synth();
  committed = readTree(join(project.root, 'dist'));
});
afterAll(() => project.cleanup());

/** `npm run synth -- <args>` in the copy, run in process. */
async function synth(args: readonly string[]) {
  const result = await synthFixture(args, project.root);
  return { status: result.status, stderr: result.stderr, lines: result.stderr.trim().split('\n') };
}

/** `npm run synth -- <args>` in the copy as a process, stopped if it runs for a minute (a FIFO once hung it for good). */
function synthProcess(args: readonly string[]) {
  const env = plainEnv();
  const { command, args: argv } = entryPointCommand(project.root, 'main.ts', args);
  const result = spawnSync(command, argv, { cwd: project.root, encoding: 'utf8', env, timeout: 60_000, killSignal: 'SIGKILL' });
  return { status: result.status, stderr: result.stderr, lines: result.stderr.trim().split('\n') };
}

/** A copy of the overlays to break, passed with --overlays. */
function overlaysCopy(name: string): string {
  const folder = join(project.root, 'test-output', name);
  cpSync(join(project.root, 'overlays'), folder, { recursive: true });
  return folder;
}

afterEach(() => rmSync(join(project.root, 'test-output'), { recursive: true, force: true }));

test('fails if --outdir is the project folder, leaving every file of the project in place', () => {
  const before = readdirSync(project.root).sort();
  const result = synthProcess(['--outdir', '.']);
  expect(result.status).toBe(1);
  expect(result.lines).toEqual([
    'error: --outdir .: is the project folder; synth replaces its output folder whole, so it must be a folder of its own such as dist',
  ]);
  expect(readdirSync(project.root).sort()).toEqual(before);
  expect(readTree(join(project.root, 'dist'))).toEqual(committed);
});

test('fails if --outdir holds files synth does not write, unless --force is given', async () => {
  // Outside the project: a folder inside it other than repository.distPath is refused for that alone.
  const scratch = makeTempDir('synth-force');
  try {
    const outdir = join(scratch.path, 'notes');
    mkdirSync(outdir, { recursive: true });
    writeFileSync(join(outdir, 'plan.md'), 'keep me\n');
    const refused = await synth(['--outdir', outdir]);
    expect(refused.status).toBe(1);
    expect(refused.lines).toEqual([
      `error: --outdir ${outdir}: holds plan.md, which synth does not write, so it does not look like an earlier output; choose another folder, or pass --force to replace it whole`,
    ]);
    expect(readdirSync(outdir)).toEqual(['plan.md']);

    const forced = await synth(['--outdir', outdir, '--history', 'dist', '--workflows-dir', join(scratch.path, 'workflows'), '--force']);
    expect(forced.stderr).toBe('');
    expect(forced.status).toBe(0);
    expect(readTree(outdir)).toEqual(committed);
  } finally {
    scratch.cleanup();
  }
});

test('fails if repository.distPath is not the folder synth writes, naming platform.yaml and the field', async () => {
  const platform = join(project.root, 'platform.yaml');
  const original = readFileSync(platform, 'utf8');
  writeFileSync(platform, original.replace(/distPath: dist$/m, 'distPath: deploy'));
  try {
    const result = await synth([]);
    expect(result.lines).toEqual([
      'error: platform.yaml: field "repository.distPath": "deploy" is not the folder synth writes (dist); expected dist, or synth\'s --outdir deploy, so that Argo CD reads what synth writes and the diff reviews',
    ]);
    expect(result.status).toBe(1);
    writeFileSync(platform, original.replace(/distPath: dist$/m, 'distPath: test-output/deploy'));
    const agreeing = await synth(['--outdir', 'test-output/deploy', '--history', 'dist', '--workflows-dir', 'test-output/workflows']);
    expect(agreeing.stderr).toBe('');
    expect(agreeing.status).toBe(0);
  } finally {
    writeFileSync(platform, original);
  }
  expect(readTree(join(project.root, 'dist'))).toEqual(committed);
});

test('removes the staging folders a killed synth left behind', async () => {
  for (const leftover of ['.dist.new-0badf00d', '.dist.old-0badf00d']) mkdirSync(join(project.root, leftover, 'aws'), { recursive: true });
  const result = await synth([]);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(readdirSync(project.root).filter((name) => name.startsWith('.dist'))).toEqual([]);
  expect(readTree(join(project.root, 'dist'))).toEqual(committed);
});

test('fails if the workflow cannot be written, leaving dist/ as it was rather than replaced', async () => {
  const overlays = overlaysCopy('more-replicas');
  writeFileSync(
    join(overlays, 'aws.yaml'),
    'cloud: aws\nregion: us-east-1\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n    replicas: 3\n',
  );
  // A file where the workflow's folder must go: the last write of the synth fails.
  const result = await synth(['--overlays', overlays, '--workflows-dir', join(project.root, 'platform.yaml', 'workflows')]);
  expect(result.status).toBe(1);
  expect(result.lines).toHaveLength(1);
  expect(result.lines[0]).toMatch(/^error: ENOTDIR: not a directory, mkdir .*platform\.yaml\/workflows'$/);
  expect(readTree(join(project.root, 'dist'))).toEqual(committed);
  expect(readdirSync(project.root).filter((name) => name.startsWith('.dist'))).toEqual([]);
});

test('fails if an overlay is a FIFO or a folder, or has an alias bomb, with one line each naming the file, without hanging', () => {
  const overlays = overlaysCopy('hostile');
  spawnSync('mkfifo', [join(overlays, 'pipe.yaml')]);
  mkdirSync(join(overlays, 'folder.yaml'));
  writeFileSync(join(overlays, 'bomb.yaml'), ALIAS_BOMB);
  const result = synthProcess(['--overlays', 'test-output/hostile']);
  expect(result.lines).toEqual([
    'error: test-output/hostile/bomb.yaml: aliases repeat nodes more than 100 times, which would exhaust memory (an alias bomb); expected plain values',
    'error: test-output/hostile/folder.yaml: is a folder; expected a YAML file',
    'error: test-output/hostile/pipe.yaml: is a FIFO; expected a YAML file',
  ]);
  expect(result.status).toBe(1);
  expect(readTree(join(project.root, 'dist'))).toEqual(committed);
});

test('fails if an overlay is 10 MB, with one line, before parsing it', async () => {
  const overlays = overlaysCopy('large');
  writeFileSync(
    join(overlays, 'aws.yaml'),
    `cloud: aws\nregion: us-east-1\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n${'# padding\n'.repeat(1_000_000)}`,
  );
  const result = await synth(['--overlays', 'test-output/large']);
  expect(result.lines).toEqual(['error: test-output/large/aws.yaml: the file is 9.5 MiB, more than the 64 KiB accepted']);
  expect(result.status).toBe(1);
});

test('fails with every problem of every bad overlay and platform.yaml, one line each', async () => {
  const overlays = overlaysCopy('several');
  writeFileSync(join(overlays, 'aws.yaml'), 'cloud: aws\nregion: us-east-1\nworkloads:\n  mandelbrot:\n    image: node:latest\n');
  writeFileSync(
    join(overlays, 'gcp.yaml'),
    'cloud: gcp\nregion: us-central1\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n    replicas: 1\n',
  );
  const platform = join(project.root, 'test-output', 'platform.yaml');
  writeFileSync(platform, withRepository('repository:\n  revison: main\n'));
  const result = await synth(['--overlays', 'test-output/several', '--platform', 'test-output/platform.yaml']);
  expect(result.lines).toEqual([
    'error: test-output/platform.yaml: unknown field "repository.revison"; expected repoURL, and optionally revision and distPath',
    'error: test-output/several/aws.yaml: field "workloads.mandelbrot.image": expected a pinned image: a tag other than "latest" (node:22-alpine) or a digest (node@sha256:...)',
    'error: test-output/several/gcp.yaml: field "workloads.mandelbrot.replicas": expected at least 2: with fewer, a 50% canary has no stable pod beside it',
  ]);
  expect(result.status).toBe(1);
  expect(readTree(join(project.root, 'dist'))).toEqual(committed);
});

test('says in one line what it did: clusters, objects, files changed and time', async () => {
  const unchanged = await synthFixture([], project.root);
  expect(unchanged.stdout).toMatch(/^synth: 3 clusters, (\d+) objects, 0 files changed in dist\/ and the rollout workflow, \d+\.\d\d s\n$/);
  const objects = /(\d+) objects/.exec(unchanged.stdout)?.[1];
  writeFileSync(
    join(project.root, 'overlays', 'gcp.yaml'),
    'cloud: gcp\nregion: us-east4\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n',
  );
  try {
    const changed = await synthFixture([], project.root);
    // The region reaches gcp's Rollout (CLOUD_REGION) and the workflow's sign-in.
    expect(changed.stdout).toMatch(
      new RegExp(`^synth: 3 clusters, ${objects} objects, 2 files changed in dist/ and the rollout workflow, `),
    );
  } finally {
    writeFileSync(join(project.root, 'overlays', 'gcp.yaml'), FIXTURE_OVERLAYS.gcp ?? '');
    await synthFixture([], project.root);
  }
});
