import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { diffGitRevisions } from '../../lib/diff/git-diff.js';
import { entryPointCommand } from '../../lib/util/entry-point.js';
import { copyOverlays, makeTempDir, PROJECT_ROOT } from '../support/synth-process.js';
import { TempGitRepo } from './git-repo.js';
import { codesOf, documentsOf, objectsOf, summaryOf, withKeysReversed } from './trees.js';

interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run diff -- <args>` as npm runs it, in `cwd`, without colour settings from this process. */
function runDiff(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const { FORCE_COLOR, NO_COLOR, ...inherited } = process.env;
  void FORCE_COLOR;
  void NO_COLOR;
  const { command, args: argv } = entryPointCommand(PROJECT_ROOT, 'bin/diff.ts', args);
  const result = spawnSync(command, argv, {
    cwd,
    encoding: 'utf8',
    env: { ...inherited, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Synthesizes into the repository, run from it: outputs written relative to the working folder
 * (such as generated workflows) land in the repository, never in the project.
 */
function synth(repo: TempGitRepo, ...args: string[]): void {
  const inputs = ['--platform', platform, '--service', join(PROJECT_ROOT, 'services/mandelbrot')];
  const { command, args: argv } = entryPointCommand(PROJECT_ROOT, 'main.ts', ['--outdir', 'dist', ...inputs, ...args]);
  const result = spawnSync(command, argv, {
    cwd: repo.path,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`synth failed: ${result.stderr}`);
}

const scratch = makeTempDir('diff-inputs');
const overlays = copyOverlays(scratch.path);
// The project's settings with a stage route that stays valid when the azure cluster is removed.
const platform = join(scratch.path, 'platform.yaml');
writeFileSync(platform, 'workloads:\n  mandelbrot:\n    stageRoute: [aws, gcp]\n');
let template: TempGitRepo;
const repos: TempGitRepo[] = [];

/** A repository whose first commit holds dist/ as synthesized from the project's overlays. */
function synthesizedRepo(): TempGitRepo {
  const repo = template.copy();
  repos.push(repo);
  return repo;
}

beforeAll(() => {
  template = TempGitRepo.create('diff-template');
  synth(template, '--overlays', overlays);
  template.commit('synthesize dist/');
});

afterAll(() => {
  for (const repo of [template, ...repos]) repo?.cleanup();
  scratch.cleanup();
});

describe('diff between two commits of a real repository', () => {
  test('a release change in one cluster: a canary in that cluster only', async () => {
    const repo = synthesizedRepo();
    const releaseOverlays = join(scratch.path, 'release-overlays');
    cpSync(overlays, releaseOverlays, { recursive: true });
    writeFileSync(join(releaseOverlays, 'aws.yaml'), `${readFileSync(join(overlays, 'aws.yaml'), 'utf8')}    release: faster-cycles\n`);
    synth(repo, '--overlays', releaseOverlays);
    repo.commit('release faster-cycles in aws');

    const diff = await diffGitRevisions({ directory: repo.path, base: 'HEAD~1', head: 'HEAD' });
    expect(summaryOf(diff)).toEqual(['changed Rollout mandelbrot @aws']);
    expect(diff.totals.canaries).toBe(1);
    expect(diff.clusters[0]).toMatchObject({ cluster: 'aws', counts: { canaries: 1 } });
    expect(objectsOf(diff)[0].fields.map((field) => [field.text, field.old, field.new])).toEqual([
      ['spec.template.spec.containers[name=mandelbrot].env[name=MANDELBROT_RELEASE].value', 'continuous', 'faster-cycles'],
    ]);
    expect(diff.base).toMatch(/^HEAD~1 \([0-9a-f]{7}\)$/);
  });

  test('a source change: a new content-addressed ConfigMap and a canary in every cluster, no silent pod change', async () => {
    const repo = synthesizedRepo();
    const service = join(scratch.path, 'service');
    cpSync(join(PROJECT_ROOT, 'services/mandelbrot'), service, { recursive: true });
    writeFileSync(join(service, 'server.js'), `${readFileSync(join(service, 'server.js'), 'utf8')}// a source change\n`);
    synth(repo, '--overlays', overlays, '--service', service);
    repo.commit('change the service source');

    const diff = await diffGitRevisions({ directory: repo.path, base: 'HEAD~1', head: 'HEAD' });
    expect(diff.clusters.map((cluster) => cluster.cluster)).toEqual(['aws', 'azure', 'gcp']);
    expect(diff.totals.canaries).toBe(3);
    for (const cluster of diff.clusters) {
      const objects = cluster.groups.flatMap((group) => group.objects);
      const added = objects.filter((object) => object.change === 'added');
      expect(added.map((object) => object.kind)).toEqual(['ConfigMap']);
      const rollout = objects.find((object) => object.kind === 'Rollout')!;
      expect(rollout.meanings.map((meaning) => meaning.code)).toEqual(['canary-started']);
      expect(rollout.fields.map((field) => [field.text, field.new])).toContainEqual([
        'spec.template.spec.volumes[name=source].configMap.name',
        added[0].name,
      ]);
      expect(objects.flatMap((object) => object.meanings).map((meaning) => meaning.code)).not.toContain('config-without-canary');
    }
  });

  test('a mounted ConfigMap edited in place: running pods change without a canary, and the immutable object is rejected', async () => {
    const repo = synthesizedRepo();
    const path = repo
      .git('ls-files', 'dist/gcp/mandelbrot')
      .split('\n')
      .find((file) => file.includes('/configmap-mandelbrot-source-'))!;
    const configMap = parse(repo.read(path));
    configMap.data['server.js'] += '// edited in place\n';
    repo.write(path, stringify(configMap));
    repo.commit('edit the source ConfigMap in place');

    const diff = await diffGitRevisions({ directory: repo.path, base: 'HEAD~1', head: 'HEAD' });
    expect(summaryOf(diff)).toEqual([`changed ConfigMap ${configMap.metadata.name} @gcp`]);
    expect(codesOf(diff, 'gcp', 'ConfigMap', configMap.metadata.name)).toEqual(['immutable-changed']);
    expect(diff.totals).toMatchObject({ canaries: 0, warnings: 1 });
  });

  test('an AppProject widening is flagged prominently in every format', () => {
    const repo = synthesizedRepo();
    const project = parse(repo.read('dist/gcp/argocd/appproject-trinity.yaml'));
    project.spec.sourceRepos.push('https://example.com/untrusted.git');
    project.spec.destinations.push({ server: 'https://kubernetes.default.svc', namespace: 'kube-system' });
    repo.write('dist/gcp/argocd/appproject-trinity.yaml', stringify(project));
    repo.commit('widen the gcp project');

    const widened =
      'permissions widened: sourceRepos + https://example.com/untrusted.git; destinations + namespace kube-system on https://kubernetes.default.svc';
    const text = runDiff(repo.path, ['--base', 'HEAD~1', '--head', 'HEAD']);
    expect(text.status).toBe(0);
    expect(text.stdout.split('\n')[2]).toBe(`!! gcp: AppProject argocd/trinity: ${widened}`);
    const markdown = runDiff(repo.path, ['--base', 'HEAD~1', '--head', 'HEAD', '--format', 'markdown']).stdout;
    expect(markdown).toContain('> [!CAUTION]');
    expect(markdown).toContain('| `gcp` | 0 | 1 | 0 | 0 | 🚨 widened (1) |');
    const json = JSON.parse(runDiff(repo.path, ['--base', 'HEAD~1', '--head', 'HEAD', '--format', 'json']).stdout);
    expect(objectsOf(json)[0].meanings).toEqual([{ code: 'permissions-widened', severity: 'danger', message: widened }]);
  });

  test('a removed cluster: every object of it is listed with who prunes it', async () => {
    const repo = synthesizedRepo();
    const twoClusters = join(scratch.path, 'two-clusters');
    cpSync(overlays, twoClusters, { recursive: true });
    rmSync(join(twoClusters, 'azure.yaml'));
    synth(repo, '--overlays', twoClusters);
    repo.commit('remove the azure cluster');

    const azureFiles = repo
      .git('ls-tree', '-r', '--name-only', 'HEAD~1', 'dist')
      .split('\n')
      .filter((file) => /^dist\/(azure\/|bootstrap\/.*-azure-)/.test(file));
    const diff = await diffGitRevisions({ directory: repo.path, base: 'HEAD~1', head: 'HEAD' });
    expect(diff.clusters.map((cluster) => cluster.cluster)).toEqual(['azure']);
    const removed = objectsOf(diff);
    expect(removed.map((object) => `dist/${object.file}`).sort()).toEqual(azureFiles.sort());
    expect(removed.every((object) => object.change === 'removed' && object.meanings[0].code === 'prune')).toBe(true);
    const root = removed.find((object) => object.name === 'trinity-dev-azure-root')!;
    expect(root.meanings[0]).toMatchObject({
      severity: 'danger',
      message: expect.stringMatching(
        /^nothing deletes the live Application trinity-dev-azure-root: it is applied by hand\. Its source path dist\/azure\/argocd no longer exists, so Argo CD reports a ComparisonError for it and stops syncing/,
      ),
    });
    const rollout = removed.find((object) => object.kind === 'Rollout')!;
    expect(rollout.meanings[0].message).toBe(
      'Application trinity-mandelbrot-azure leaves Git but stays in the cluster: Application trinity-dev-azure-root, which synced it, stays too and cannot prune it; ' +
        'the source path of trinity-dev-azure-root, dist/azure/argocd, no longer exists, so Argo CD reports a ComparisonError for it and it stops syncing; ' +
        'the source path of trinity-mandelbrot-azure, dist/azure/mandelbrot, no longer exists, so Argo CD reports a ComparisonError for it and it stops syncing; ' +
        'nothing deletes this object, it keeps running',
    );
    const text = runDiff(repo.path, ['--base', 'HEAD~1', '--head', 'HEAD']).stdout;
    expect(text).toContain(`cluster azure: ${azureFiles.length} removed`);
  });

  test('an object moved between files, or two objects merged into one file, is no change', async () => {
    const repo = synthesizedRepo();
    repo.git('mv', 'dist/aws/mandelbrot/service-mandelbrot.yaml', 'dist/aws/mandelbrot/renamed.yaml');
    const rollout = repo.read('dist/gcp/mandelbrot/rollout-mandelbrot.yaml');
    repo.remove('dist/gcp/mandelbrot/rollout-mandelbrot.yaml');
    repo.write('dist/gcp/mandelbrot/service-mandelbrot.yaml', `${repo.read('dist/gcp/mandelbrot/service-mandelbrot.yaml')}---\n${rollout}`);
    repo.commit('move objects between files');
    expect(documentsOf(repo.read('dist/gcp/mandelbrot/service-mandelbrot.yaml')).map((object) => object.kind)).toEqual([
      'Service',
      'Rollout',
    ]);

    const diff = await diffGitRevisions({ directory: repo.path, base: 'HEAD~1', head: 'HEAD' });
    expect(diff.clusters).toEqual([]);
    const result = runDiff(repo.path, ['--base', 'HEAD~1', '--head', 'HEAD', '--exit-code']);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toContain('No object changed.');
  });

  test('reordered keys and different indentation are no change', async () => {
    const repo = synthesizedRepo();
    for (const file of repo.git('ls-files', 'dist').trim().split('\n'))
      repo.write(file, stringify(withKeysReversed(parse(repo.read(file))), { indent: 4 }));
    repo.commit('reorder keys');
    expect(repo.git('diff', '--stat', 'HEAD~1', 'HEAD')).not.toBe('');

    const diff = await diffGitRevisions({ directory: repo.path, base: 'HEAD~1', head: 'HEAD' });
    expect(diff.clusters).toEqual([]);
  });

  test('Secret values are masked in every format', () => {
    const repo = synthesizedRepo();
    const secret = (password: string, extra: Record<string, string> = {}) =>
      stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db', namespace: 'mandelbrot' },
        type: 'Opaque',
        data: { password, ...extra },
      });
    repo.write('dist/aws/mandelbrot/secret-db.yaml', secret('b2xkLXBhc3N3b3Jk'));
    repo.commit('add a Secret');
    repo.write('dist/aws/mandelbrot/secret-db.yaml', secret('bmV3LXBhc3N3b3Jk', { user: 'YWRtaW4tdXNlcg==' }));
    repo.write('dist/gcp/mandelbrot/secret-db.yaml', secret('Z2NwLXBhc3N3b3Jk'));
    repo.commit('change the Secret, add another');

    for (const format of ['text', 'markdown', 'json']) {
      const { stdout, status } = runDiff(repo.path, ['--base', 'HEAD~1', '--head', 'HEAD', '--format', format]);
      expect(status).toBe(0);
      for (const value of ['b2xkLXBhc3N3b3Jk', 'bmV3LXBhc3N3b3Jk', 'YWRtaW4tdXNlcg==', 'Z2NwLXBhc3N3b3Jk'])
        expect(stdout).not.toContain(value);
      expect(stdout).toContain('(masked)');
      expect(stdout).toContain('data.user');
    }
  });

  test('Markdown is cut below 60,000 characters by whole objects, saying what was cut', () => {
    const repo = synthesizedRepo();
    for (let index = 0; index < 250; index++) {
      const data = Object.fromEntries(Array.from({ length: 10 }, (_, key) => [`key-${key}`, `value ${index}.${key}`]));
      repo.write(
        `dist/aws/mandelbrot/configmap-bulk-${index}.yaml`,
        stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `bulk-${index}`, namespace: 'mandelbrot' }, data }),
      );
    }
    repo.commit('add many ConfigMaps');

    const { stdout, status } = runDiff(repo.path, ['--base', 'HEAD~1', '--head', 'HEAD', '--format', 'markdown']);
    expect(status).toBe(0);
    expect(stdout.length).toBeLessThan(60000);
    const shown = (stdout.match(/^\*\*➕ added\*\* `ConfigMap mandelbrot\/bulk-\d+`/gm) ?? []).length;
    expect(stdout).toContain(`**What was cut** to keep this comment short enough for GitHub: the details of ${250 - shown} objects.`);
    expect(stdout).toContain('| `aws` | 250 | 0 | 0 | 0 | — | 0 |');
  });

  test('compares with the working tree when --head is not given', async () => {
    const repo = synthesizedRepo();
    repo.remove('dist/gcp/mandelbrot/service-mandelbrot.yaml');
    const diff = await diffGitRevisions({ directory: repo.path, base: 'HEAD' });
    expect(diff.head).toBe('working tree');
    expect(summaryOf(diff)).toEqual(['removed Service mandelbrot @gcp']);
  });
});

describe('npm run diff', () => {
  let repo: TempGitRepo;
  beforeAll(() => {
    repo = synthesizedRepo();
    const rollout = parse(repo.read('dist/aws/mandelbrot/rollout-mandelbrot.yaml'));
    rollout.spec.replicas = 3;
    repo.write('dist/aws/mandelbrot/rollout-mandelbrot.yaml', stringify(rollout));
    repo.commit('three replicas in aws');
  });

  test('--exit-code exits 1 when anything changed, 0 when nothing did; without it, 0', () => {
    expect(runDiff(repo.path, ['--base', 'HEAD~1', '--head', 'HEAD', '--exit-code']).status).toBe(1);
    expect(runDiff(repo.path, ['--base', 'HEAD~1', '--head', 'HEAD']).status).toBe(0);
    expect(runDiff(repo.path, ['--base', 'HEAD', '--exit-code']).status).toBe(0);
  });

  test('text is plain when not on a terminal or when NO_COLOR is set, coloured on a terminal', () => {
    const plain = runDiff(repo.path, ['--base', 'HEAD~1']);
    expect(plain.stdout).toContain('~ Rollout mandelbrot/mandelbrot');
    expect(plain.stdout).not.toContain('\x1b[');
    // `script` gives the command a pseudo-terminal.
    const onTerminal = (env: Record<string, string>) => {
      const diff = entryPointCommand(PROJECT_ROOT, 'bin/diff.ts', ['--base', 'HEAD~1']);
      const command = [diff.command, ...diff.args].join(' ');
      const { FORCE_COLOR, NO_COLOR, ...inherited } = process.env;
      void FORCE_COLOR;
      void NO_COLOR;
      return spawnSync('script', ['-qec', command, '/dev/null'], {
        cwd: repo.path,
        encoding: 'utf8',
        env: { ...inherited, TERM: 'xterm', ...env },
      }).stdout;
    };
    expect(onTerminal({})).toContain('\x1b[33m~ Rollout mandelbrot/mandelbrot');
    expect(onTerminal({ NO_COLOR: '1' })).not.toContain('\x1b[');
  });

  test('fails at once with exit 2 for an unknown ref, naming it', () => {
    const result = runDiff(repo.path, ['--base', 'no-such-branch']);
    expect(result).toMatchObject({ status: 2, stdout: '' });
    expect(result.stderr).toBe('error: unknown git ref "no-such-branch": no branch, tag or commit by that name in this repository\n');
  });

  test('fails with exit 2 for an unknown format, listing the formats', () => {
    const result = runDiff(repo.path, ['--base', 'HEAD', '--format', 'xml']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      "error: option '--format <format>' argument 'xml' is invalid. Allowed choices are text, markdown, json.",
    );
  });

  test('fails with exit 2 without --base', () => {
    const result = runDiff(repo.path, []);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("error: required option '--base <ref>' not specified");
  });

  test('fails with exit 2 outside a git repository', () => {
    const outside = makeTempDir('not-a-repo');
    try {
      const result = runDiff(outside.path, ['--base', 'HEAD']);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(
        /^error: .* is not inside a git repository \(fatal: not a git repository.*\); run the diff from a clone of the project\n$/,
      );
    } finally {
      outside.cleanup();
    }
  });
});
