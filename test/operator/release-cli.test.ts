import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYamlObject } from '../support/yaml.js';
import { releaseCommand } from '../../lib/operator/release-command.js';
import { mandelbrot } from '../../lib/workloads/mandelbrot/mandelbrot.js';
import { type RunCommand, runWithTinyexec } from '../../lib/operator/run-command.js';
import { ReleaseFolder } from './release-folder.js';
import { releaseSynthInProcess } from '../support/fixture-project.js';
import { type CommandResult, plainEnv, runCommand } from '../support/run-command.js';
import { FAST, FIXTURE, StandInKubectl, tableRows } from './stand-in-kubectl.js';

// `npm run release` rewrites platform.yaml or an overlay and dist/, so it runs in a copy of them,
// in process. Its synth runs in process too, except in the first test, where it is the real
// process (`node scripts/run.cjs main.ts`) in that folder, as an operator's is.
let project: ReleaseFolder;
/** A fresh copy for each test of the calling describe block. */
function copyPerTest(): void {
  beforeEach(() => {
    project = ReleaseFolder.create();
  });
  afterEach(() => project.cleanup());
}

/** `npm run release -- <args>` in process, in the release folder; `run` starts its synth and kubectl. */
function release(args: readonly string[], run: RunCommand = releaseSynthInProcess([mandelbrot])): Promise<CommandResult> {
  // synth runs in the tests' own environment, without colour or the cdk8s CLI's folder.
  return runCommand(releaseCommand, args, { cwd: project.root, env: plainEnv(), run, workloads: [mandelbrot] });
}

function read(path: string): string {
  return readFileSync(join(project.root, path), 'utf8');
}

/** MANDELBROT_RELEASE in one cluster's synthesized Rollout. */
function releaseOf(cluster: string): string {
  const rollout = parseYamlObject(read(`dist/${cluster}/mandelbrot/rollout-mandelbrot.yaml`));
  return rollout.spec.template.spec.containers[0].env.find((variable: { name: string }) => variable.name === 'MANDELBROT_RELEASE').value;
}

/** `text` with the line holding `from` replaced by `to`: what an edit of one field may change, and nothing else. */
function withLine(text: string, from: RegExp, to: string): string {
  const lines = text.split('\n');
  const index = lines.findIndex((line) => from.test(line));
  expect(index).toBeGreaterThanOrEqual(0);
  lines[index] = to;
  return lines.join('\n');
}

describe('npm run release', () => {
  copyPerTest();

  test('sets the platform default, keeps every comment, re-synthesizes dist/ and names the clusters that start a canary', async () => {
    const platformBefore = read('platform.yaml');
    const result = await release(['faster-cycles'], runWithTinyexec);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(read('platform.yaml')).toBe(withLine(platformBefore, /^ {4}release: /, '    release: faster-cycles'));
    for (const cluster of ['aws', 'azure', 'gcp']) expect(releaseOf(cluster)).toBe('faster-cycles');
    expect(result.stdout).toContain(
      'mandelbrot release "continuous" → "faster-cycles" (platform.yaml, workloads.mandelbrot.release); dist/ re-synthesized',
    );
    expect(result.stdout).toContain('Clusters that will start a canary when synced: aws, azure, gcp');
    expect(result.stdout).toContain(
      '  gcp: Rollout mandelbrot/mandelbrot: pod template changed: a new ReplicaSet and a 50% canary (1 of 2 pods) that pauses for an operator to promote or abort',
    );
    // Only the release changed in dist/: the generated workflow and the rest stay as committed.
    expect(read('dist/aws/mandelbrot/rollout-mandelbrot.yaml')).toBe(
      readFileSync(join(FIXTURE.root, 'dist/aws/mandelbrot/rollout-mandelbrot.yaml'), 'utf8').replace(
        'value: continuous',
        'value: faster-cycles',
      ),
    );
  });

  test("--cluster sets that cluster's overlay only, and only that cluster starts a canary", async () => {
    const overlayBefore = read('overlays/gcp.yaml');
    const platformBefore = read('platform.yaml');
    const result = await release(['west-only', '--cluster', 'gcp']);
    expect(result.status).toBe(0);
    expect(read('overlays/gcp.yaml')).toBe(`${overlayBefore}    release: west-only\n`);
    expect(read('overlays/gcp.yaml')).toMatch(/^# GKE in us-central1\n/);
    expect(read('platform.yaml')).toBe(platformBefore);
    expect([releaseOf('aws'), releaseOf('azure'), releaseOf('gcp')]).toEqual(['continuous', 'continuous', 'west-only']);
    expect(result.stdout).toContain(
      'mandelbrot release (continuous, the platform default) → "west-only" (overlays/gcp.yaml, workloads.mandelbrot.release)',
    );
    expect(result.stdout).toContain('Clusters that will start a canary when synced: gcp\n');
    expect(result.stdout).toContain('npm run rollout -- sync --cluster gcp');

    // A new platform default leaves the cluster with its own release alone, and says so.
    const next = await release(['faster-cycles']);
    expect(next.status).toBe(0);
    expect(next.stdout).toContain('gcp keeps its own release "west-only" (overlays/gcp.yaml)');
    expect(next.stdout).toContain('Clusters that will start a canary when synced: aws, azure\n');
    expect(releaseOf('gcp')).toBe('west-only');
  });

  test('quotes a name YAML would read as something else', async () => {
    const result = await release(['123']);
    expect(result.status).toBe(0);
    expect(read('platform.yaml')).toContain('    release: "123"\n');
    expect(releaseOf('aws')).toBe('123');
  });

  test('the same release again starts no canary', async () => {
    const result = await release(['continuous']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('mandelbrot release is already "continuous"');
    expect(result.stdout).toContain('No cluster starts a canary: no pod template changed.');
  });

  test('fails if the synth fails, and puts the YAML file back', async () => {
    const platformBefore = read('platform.yaml');
    for (const file of readdirSync(join(project.root, 'services', 'mandelbrot')))
      rmSync(join(project.root, 'services', 'mandelbrot', file), { recursive: true });
    const result = await release(['broken']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('error: synth failed, so the release was not changed:');
    expect(result.stderr).toContain('services/mandelbrot: no source files');
    expect(read('platform.yaml')).toBe(platformBefore);
    expect(releaseOf('aws')).toBe('continuous');
  });

  test('fails if two clusters share a kube context, changing nothing: every command would act on one cluster twice', async () => {
    writeFileSync(
      join(project.root, 'overlays', 'gcp.yaml'),
      'cloud: gcp\nregion: us-central1\ncontext: aws\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n',
    );
    const platformBefore = read('platform.yaml');
    const result = await release(['faster-cycles']);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'error: overlays/gcp.yaml: field "context": "aws" is also the kube context of overlays/aws.yaml; each cluster needs its own, or operations on one cluster would reach the other',
    );
    expect(read('platform.yaml')).toBe(platformBefore);
    expect(releaseOf('gcp')).toBe('continuous');
  });
});

// These fail before any change, so they share one copy: a change would fail the test that made it.
describe('npm run release fails at once on bad input, with exit code 2', () => {
  beforeAll(() => {
    project = ReleaseFolder.create();
  });
  afterAll(() => project.cleanup());

  test.each([
    ['', 'error: release name "": expected a non-empty release name'],
    ['two\nlines', 'error: release name "two\\nlines": expected printable characters on one line, without leading or trailing spaces'],
    [' padded', 'error: release name " padded": expected printable characters on one line'],
    ['tab\there', 'error: release name "tab\\there": expected printable characters on one line'],
    ['x'.repeat(64), 'expected a release name of at most 63 characters'],
  ])('fails if the name is %j, changing nothing', async (name, message) => {
    const result = await release([name]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
    expect(read('platform.yaml')).toBe(readFileSync(join(FIXTURE.root, 'platform.yaml'), 'utf8'));
  });

  test('fails if the cluster is unknown, changing nothing', async () => {
    const result = await release(['x', '--cluster', 'mars']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('error: --cluster "mars" is not a cluster; expected one of aws, azure, gcp (from overlays/)\n');
    expect(read('platform.yaml')).toBe(readFileSync(join(FIXTURE.root, 'platform.yaml'), 'utf8'));
    expect(readdirSync(join(project.root, 'overlays')).map((file) => read(join('overlays', file)))).toEqual(
      readdirSync(join(FIXTURE.root, 'overlays')).map((file) => readFileSync(join(FIXTURE.root, 'overlays', file), 'utf8')),
    );
  });
});

describe('the release drill, end to end', () => {
  copyPerTest();

  test('release, sync all: every canary pauses with one stable and one canary pod; promote all: Healthy at 3/3', async () => {
    const kubectl = new StandInKubectl({ DIST: join(project.root, 'dist') });
    try {
      // The clusters run what Git held before the release.
      const before = await kubectl.rollout(['status', '--cluster', 'all']);
      expect([...tableRows(before.stdout).values()].map((row) => row.slice(2, 5))).toEqual(Array(3).fill(['Healthy', '3/3', '100']));

      expect((await release(['faster-cycles'])).status).toBe(0);
      const sync = await kubectl.rollout(['sync', '--cluster', 'all', ...FAST]);
      expect(sync.status).toBe(0);
      for (const [cluster, row] of tableRows(sync.stdout)) {
        expect(row.slice(2)).toEqual(['Paused', '1/3', '50', '2', '2', tableRows(before.stdout).get(cluster)![7]]);
      }

      const promote = await kubectl.rollout(['promote', '--cluster', 'all', ...FAST]);
      expect(promote.status).toBe(0);
      for (const [cluster, row] of tableRows(promote.stdout)) {
        expect(row.slice(2, 7)).toEqual(['Healthy', '3/3', '100', '2', '2']);
        expect(row[7]).not.toBe(tableRows(before.stdout).get(cluster)![7]);
      }
    } finally {
      kubectl.cleanup();
    }
  });
});

describe('npm run release --train, before it touches anything', () => {
  copyPerTest();

  test('fails if --resume is given without --train', async () => {
    const result = await release(['faster-cycles', '--resume']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('error: --resume continues a release train; it needs --train\n');
  });

  test('fails if platform.yaml has no releaseTrain, naming the field to add, and changes nothing', async () => {
    const before = read('platform.yaml');
    const result = await release(['faster-cycles', '--train']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('error: --train: platform.yaml has no releaseTrain; expected one such as releaseTrain: [aws, gcp, azure]\n');
    expect(read('platform.yaml')).toBe(before);
  });

  test('fails if --timeout is not a duration', async () => {
    const result = await release(['faster-cycles', '--train', '--timeout', 'soon']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^error: --timeout "soon" is not a duration; expected a positive whole number with a unit/);
  });
});
