import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { FAST, PROJECT_ROOT, runEntry, runRollout, StandInKubectl, tableRows } from './stand-in-kubectl.js';

// `npm run release` rewrites platform.yaml or an overlay and dist/, so it runs in a copy of the project.
const COPIED = ['main.ts', 'lib', 'imports', 'overlays', 'platform.yaml', 'services', 'scripts', 'bin', 'package.json', 'tsconfig.json', 'dist'];

class ProjectCopy {
  public readonly root = mkdtempSync(join(tmpdir(), 'trinity-release-'));

  constructor() {
    for (const entry of COPIED) cpSync(join(PROJECT_ROOT, entry), join(this.root, entry), { recursive: true });
    // The dependencies are shared, but not the bundle cache, which lives in node_modules/.cache.
    mkdirSync(join(this.root, 'node_modules'));
    for (const entry of readdirSync(join(PROJECT_ROOT, 'node_modules')).filter((name) => name !== '.cache')) {
      symlinkSync(join(PROJECT_ROOT, 'node_modules', entry), join(this.root, 'node_modules', entry));
    }
  }

  public release(args: readonly string[]) {
    return runEntry('bin/release.ts', args, { cwd: this.root });
  }

  public read(path: string): string {
    return readFileSync(join(this.root, path), 'utf8');
  }

  /** MANDELBROT_RELEASE in one cluster's synthesized Rollout. */
  public releaseOf(cluster: string): string {
    const rollout = parse(this.read(`dist/${cluster}/mandelbrot/rollout-mandelbrot.yaml`));
    return rollout.spec.template.spec.containers[0].env.find((variable: { name: string }) => variable.name === 'MANDELBROT_RELEASE').value;
  }

  public cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

let project: ProjectCopy;
beforeEach(() => {
  project = new ProjectCopy();
});
afterEach(() => project.cleanup());

/** `text` with the line holding `from` replaced by `to`: what an edit of one field may change, and nothing else. */
function withLine(text: string, from: RegExp, to: string): string {
  const lines = text.split('\n');
  const index = lines.findIndex((line) => from.test(line));
  expect(index).toBeGreaterThanOrEqual(0);
  lines[index] = to;
  return lines.join('\n');
}

describe('npm run release', () => {
  test('sets the platform default, keeps every comment, re-synthesizes dist/ and names the clusters that start a canary', async () => {
    const platformBefore = project.read('platform.yaml');
    const result = await project.release(['faster-cycles']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(project.read('platform.yaml')).toBe(withLine(platformBefore, /^ {2}release: /, '  release: faster-cycles'));
    for (const cluster of ['aws', 'azure', 'gcp']) expect(project.releaseOf(cluster)).toBe('faster-cycles');
    expect(result.stdout).toContain('MANDELBROT_RELEASE "continuous" → "faster-cycles" (platform.yaml, mandelbrot.release); dist/ re-synthesized');
    expect(result.stdout).toContain('Clusters that will start a canary when synced: aws, azure, gcp');
    expect(result.stdout).toContain('  gcp: Rollout mandelbrot/mandelbrot: pod template changed: a new ReplicaSet and a 50% canary (1 of 2 pods) that pauses for an operator to promote or abort');
    // Only the release changed in dist/: the generated workflow and the rest stay as committed.
    expect(project.read('dist/aws/mandelbrot/rollout-mandelbrot.yaml')).toBe(
      readFileSync(join(PROJECT_ROOT, 'dist/aws/mandelbrot/rollout-mandelbrot.yaml'), 'utf8').replace('value: continuous', 'value: faster-cycles'),
    );
  });

  test("--cluster sets that cluster's overlay only, and only that cluster starts a canary", async () => {
    const overlayBefore = project.read('overlays/gcp.yaml');
    const platformBefore = project.read('platform.yaml');
    const result = await project.release(['west-only', '--cluster', 'gcp']);
    expect(result.code).toBe(0);
    expect(project.read('overlays/gcp.yaml')).toBe(`${overlayBefore}release: west-only\n`);
    expect(project.read('overlays/gcp.yaml')).toMatch(/^# GKE in us-central1\n/);
    expect(project.read('platform.yaml')).toBe(platformBefore);
    expect([project.releaseOf('aws'), project.releaseOf('azure'), project.releaseOf('gcp')]).toEqual(['continuous', 'continuous', 'west-only']);
    expect(result.stdout).toContain('MANDELBROT_RELEASE (continuous, the platform default) → "west-only" (overlays/gcp.yaml, release)');
    expect(result.stdout).toContain('Clusters that will start a canary when synced: gcp\n');
    expect(result.stdout).toContain('npm run rollout -- sync --cluster gcp');

    // A new platform default leaves the cluster with its own release alone, and says so.
    const next = await project.release(['faster-cycles']);
    expect(next.code).toBe(0);
    expect(next.stdout).toContain('gcp keeps its own release "west-only" (overlays/gcp.yaml)');
    expect(next.stdout).toContain('Clusters that will start a canary when synced: aws, azure\n');
    expect(project.releaseOf('gcp')).toBe('west-only');
  });

  test('quotes a name YAML would read as something else', async () => {
    const result = await project.release(['123']);
    expect(result.code).toBe(0);
    expect(project.read('platform.yaml')).toContain('  release: "123"\n');
    expect(project.releaseOf('aws')).toBe('123');
  });

  test('the same release again starts no canary', async () => {
    const result = await project.release(['continuous']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('MANDELBROT_RELEASE is already "continuous"');
    expect(result.stdout).toContain('No cluster starts a canary: no pod template changed.');
  });

  test.each([
    ['', 'error: release name "": expected a non-empty release name'],
    ['two\nlines', 'error: release name "two\\nlines": expected printable characters on one line, without leading or trailing spaces'],
    [' padded', 'error: release name " padded": expected printable characters on one line'],
    ['tab\there', 'error: release name "tab\\there": expected printable characters on one line'],
    ['x'.repeat(64), 'expected a release name of at most 63 characters'],
  ])('fails if the name is %j, changing nothing', async (name, message) => {
    const result = await project.release([name]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(project.read('platform.yaml')).toBe(readFileSync(join(PROJECT_ROOT, 'platform.yaml'), 'utf8'));
  });

  test('fails if the cluster is unknown, changing nothing', async () => {
    const result = await project.release(['x', '--cluster', 'mars']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: --cluster "mars" is not a cluster; expected one of aws, azure, gcp (from overlays/)\n');
  });

  test('fails if the synth fails, and puts the YAML file back', async () => {
    const platformBefore = project.read('platform.yaml');
    for (const file of readdirSync(join(project.root, 'services', 'mandelbrot'))) rmSync(join(project.root, 'services', 'mandelbrot', file), { recursive: true });
    const result = await project.release(['broken']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: synth failed, so the release was not changed:');
    expect(result.stderr).toContain('services/mandelbrot: no source files');
    expect(project.read('platform.yaml')).toBe(platformBefore);
    expect(project.releaseOf('aws')).toBe('continuous');
  });
});

describe('the release drill, end to end', () => {
  test('release, sync all: every canary pauses with one stable and one canary pod; promote all: Healthy at 3/3', async () => {
    const kubectl = new StandInKubectl({ DIST: join(project.root, 'dist') });
    try {
      // The clusters run what Git held before the release.
      const before = await runRollout(['status', '--cluster', 'all'], kubectl.env);
      expect([...tableRows(before.stdout).values()].map((row) => row.slice(2, 5))).toEqual(Array(3).fill(['Healthy', '3/3', '100']));

      expect((await project.release(['faster-cycles'])).code).toBe(0);
      const sync = await runRollout(['sync', '--cluster', 'all', ...FAST], kubectl.env);
      expect(sync.code).toBe(0);
      for (const [cluster, row] of tableRows(sync.stdout)) {
        expect(row.slice(2)).toEqual(['Paused', '1/3', '50', '2', '2', tableRows(before.stdout).get(cluster)![7]]);
      }

      const promote = await runRollout(['promote', '--cluster', 'all', ...FAST], kubectl.env);
      expect(promote.code).toBe(0);
      for (const [cluster, row] of tableRows(promote.stdout)) {
        expect(row.slice(2, 7)).toEqual(['Healthy', '3/3', '100', '2', '2']);
        expect(row[7]).not.toBe(tableRows(before.stdout).get(cluster)![7]);
      }
    } finally {
      kubectl.cleanup();
    }
  });
});

// Keeps the helper honest: a file written in the copy never reaches the project.
test('the project copy is separate from the project', () => {
  writeFileSync(join(project.root, 'platform.yaml'), 'environment: elsewhere\n');
  expect(readFileSync(join(PROJECT_ROOT, 'platform.yaml'), 'utf8')).not.toContain('elsewhere');
});
