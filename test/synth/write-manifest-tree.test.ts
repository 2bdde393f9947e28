import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { ManifestChart } from '../../lib/synth/manifest-chart.js';
import { compareOutput } from '../../lib/synth/output-changes.js';
import { manifestFileName, renderManifestTree, writeManifestTree } from '../../lib/synth/write-manifest-tree.js';
import { withRepository } from '../support/fixture-project.js';
import { makeTempDir, readTree, synth, synthProcess, writeFixtureOverlays } from '../support/synth-process.js';
import { SynthValidationError } from '../../lib/core/errors.js';

const { KubeConfigMap } = k8s;

describe('renderManifestTree', () => {
  test('writes one object per file, named by kind and name, with no construct-path hashes', () => {
    const app = new App();
    const chart = new ManifestChart(app, 'Chart', { folder: 'aws/things', namespace: 'things' });
    new KubeConfigMap(chart, 'Zeta', { metadata: { name: 'zeta' }, data: { b: '2', a: '1' } });
    new KubeConfigMap(chart, 'Alpha', { metadata: { name: 'alpha' } });

    const files = renderManifestTree(app);
    expect(files.map((file) => file.path)).toEqual(['aws/things/configmap-alpha.yaml', 'aws/things/configmap-zeta.yaml']);
    expect(files[1]?.content).toBe(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: zeta\n  namespace: things\ndata:\n  a: "1"\n  b: "2"\n',
    );
  });

  test('names files after kind and name', () => {
    expect(manifestFileName({ kind: 'AppProject', metadata: { name: 'trinity' } })).toBe('appproject-trinity.yaml');
  });

  test('fails if two objects would share a file', () => {
    const app = new App();
    const chart = new ManifestChart(app, 'Chart', { folder: 'aws' });
    new KubeConfigMap(chart, 'One', { metadata: { name: 'same' } });
    new KubeConfigMap(chart, 'Two', { metadata: { name: 'same' } });
    expect(() => renderManifestTree(app)).toThrow('a second object would be written to aws/configmap-same.yaml');
  });

  test('fails if an object is outside any ManifestChart, which would give it no folder', () => {
    const app = new App();
    new KubeConfigMap(new Chart(app, 'Plain'), 'Stray', { metadata: { name: 'stray' } });
    expect(() => renderManifestTree(app)).toThrow('[Plain/Stray] ConfigMap stray is outside any ManifestChart, so it has no folder');
  });

  test('reports every failing validation at once, with where it failed', () => {
    const app = new App();
    const chart = new ManifestChart(app, 'Chart', { folder: 'aws' });
    chart.node.addValidation({ validate: () => ['first problem', 'second problem'] });
    expect(() => renderManifestTree(app)).toThrow(SynthValidationError);
    expect(() => renderManifestTree(app)).toThrow('2 problems in the constructs:\n  [Chart] first problem\n  [Chart] second problem');
  });

  test('fails if a chart folder is not a clean relative path', () => {
    expect(() => new ManifestChart(new App(), 'Chart', { folder: '../escape' })).toThrow(
      'chart Chart: folder "../escape" must be lower-case path segments',
    );
  });
});

describe('writeManifestTree', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => (temp = makeTempDir('write-tree')));
  afterEach(() => temp.cleanup());

  test('replaces the folder with exactly the new files: files no longer produced disappear', () => {
    const outdir = join(temp.path, 'dist');
    writeManifestTree(outdir, [
      { path: 'aws/a.yaml', content: 'a\n' },
      { path: 'gone/b.yaml', content: 'b\n' },
    ]);
    writeManifestTree(outdir, [{ path: 'aws/a.yaml', content: 'a2\n' }]);
    expect(readTree(outdir)).toEqual(new Map([['aws/a.yaml', 'a2\n']]));
    expect(readdirSync(temp.path)).toEqual(['dist']);
  });

  test('keeps an unchanged file as it is (the same inode) and writes a changed one anew', () => {
    const outdir = join(temp.path, 'dist');
    writeManifestTree(outdir, [
      { path: 'aws/same.yaml', content: 'same\n' },
      { path: 'aws/changed.yaml', content: 'old\n' },
    ]);
    const before = { same: statSync(join(outdir, 'aws/same.yaml')).ino, changed: statSync(join(outdir, 'aws/changed.yaml')).ino };
    writeManifestTree(outdir, [
      { path: 'aws/same.yaml', content: 'same\n' },
      { path: 'aws/changed.yaml', content: 'new\n' },
    ]);
    expect(statSync(join(outdir, 'aws/same.yaml')).ino).toBe(before.same);
    expect(statSync(join(outdir, 'aws/changed.yaml')).ino).not.toBe(before.changed);
    expect(readTree(outdir)).toEqual(
      new Map([
        ['aws/changed.yaml', 'new\n'],
        ['aws/same.yaml', 'same\n'],
      ]),
    );
  });

  test('leaves an identical output where it is: the same folder, no write', () => {
    const outdir = join(temp.path, 'dist');
    const workflow = join(temp.path, 'workflow.yml');
    const files = [
      { path: 'aws/a.yaml', content: 'a\n' },
      { path: 'aws/mandelbrot/b.yaml', content: 'b\n' },
    ];
    const companions = [{ path: workflow, content: 'w\n' }];
    writeManifestTree(outdir, files, { companions });
    const folder = statSync(outdir).ino;
    // What a killed run left is removed all the same.
    mkdirSync(join(temp.path, '.dist.new-0123abcd'));
    const current = compareOutput(outdir, files, companions);
    expect(current).toEqual({ changed: 0, unchangedFiles: new Set(['aws/a.yaml', 'aws/mandelbrot/b.yaml']), identical: true });
    writeManifestTree(outdir, files, { companions, current });
    expect(statSync(outdir).ino).toBe(folder);
    expect(readdirSync(temp.path).sort()).toEqual(['dist', 'workflow.yml']);
  });

  test.each([
    ['a changed file', (outdir: string) => writeFileSync(join(outdir, 'aws/a.yaml'), 'changed\n'), 1],
    ['a file no longer produced', (outdir: string) => writeFileSync(join(outdir, 'aws/extra.yaml'), 'x\n'), 1],
    ['a folder no file needs', (outdir: string) => mkdirSync(join(outdir, 'empty')), 0],
    ['a symbolic link', (outdir: string) => symlinkSync('a.yaml', join(outdir, 'aws/link.yaml')), 0],
    ['a changed companion', (_outdir: string, workflow: string) => writeFileSync(workflow, 'changed\n'), 1],
  ])('fails if %s counts as an identical output; the write then makes the folder exactly the new files', (_, change, changed) => {
    const outdir = join(temp.path, 'dist');
    const workflow = join(temp.path, 'workflow.yml');
    const files = [{ path: 'aws/a.yaml', content: 'a\n' }];
    const companions = [{ path: workflow, content: 'w\n' }];
    writeManifestTree(outdir, files, { companions });
    change(outdir, workflow);
    const current = compareOutput(outdir, files, companions);
    expect({ identical: current.identical, changed: current.changed }).toEqual({ identical: false, changed });
    writeManifestTree(outdir, files, { companions, current });
    expect(readTree(outdir)).toEqual(new Map([['aws/a.yaml', 'a\n']]));
    expect([readdirSync(outdir), readdirSync(join(outdir, 'aws'))]).toEqual([['aws'], ['a.yaml']]);
    expect(readFileSync(workflow, 'utf8')).toBe('w\n');
  });

  test('leaves the old tree whole when writing fails part-way', () => {
    const outdir = join(temp.path, 'dist');
    writeManifestTree(outdir, [{ path: 'aws/a.yaml', content: 'old\n' }]);
    // A file where a folder must go makes a later write fail after earlier ones succeeded.
    expect(() =>
      writeManifestTree(outdir, [
        { path: 'aws/a.yaml', content: 'new\n' },
        { path: 'aws/a.yaml/inner.yaml', content: 'x\n' },
      ]),
    ).toThrow();
    expect(readTree(outdir)).toEqual(new Map([['aws/a.yaml', 'old\n']]));
    expect(readdirSync(temp.path)).toEqual(['dist']);
  });
});

describe('writeManifestTree, all or nothing', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => (temp = makeTempDir('write-tree-swap')));
  afterEach(() => temp.cleanup());

  test('replaces the companion files in the same step as the tree', () => {
    const outdir = join(temp.path, 'dist');
    const workflow = join(temp.path, '.github', 'workflows', 'rollout.yml');
    writeManifestTree(outdir, [{ path: 'aws/a.yaml', content: 'old\n' }], { companions: [{ path: workflow, content: 'old workflow\n' }] });
    writeManifestTree(outdir, [{ path: 'aws/a.yaml', content: 'new\n' }], { companions: [{ path: workflow, content: 'new workflow\n' }] });
    expect(readTree(outdir)).toEqual(new Map([['aws/a.yaml', 'new\n']]));
    expect(readFileSync(workflow, 'utf8')).toBe('new workflow\n');
    expect(readdirSync(join(temp.path, '.github', 'workflows'))).toEqual(['rollout.yml']);
  });

  test('fails if a companion cannot be replaced, putting the old tree and the companions already replaced back', () => {
    const outdir = join(temp.path, 'dist');
    const first = join(temp.path, 'first.yml');
    const blocked = join(temp.path, 'blocked.yml');
    writeManifestTree(outdir, [{ path: 'aws/a.yaml', content: 'old\n' }], { companions: [{ path: first, content: 'old first\n' }] });
    // A folder where the second companion goes: renaming a file over it fails after the tree and the first moved in.
    mkdirSync(join(blocked, 'in-the-way'), { recursive: true });
    expect(() =>
      writeManifestTree(outdir, [{ path: 'aws/a.yaml', content: 'new\n' }], {
        companions: [
          { path: first, content: 'new first\n' },
          { path: blocked, content: 'new blocked\n' },
        ],
      }),
    ).toThrow();
    expect(readTree(outdir)).toEqual(new Map([['aws/a.yaml', 'old\n']]));
    expect(readFileSync(first, 'utf8')).toBe('old first\n');
    expect(readdirSync(temp.path).sort()).toEqual(['blocked.yml', 'dist', 'first.yml']);
  });

  test('warns, and keeps the new tree, if the old tree cannot be removed after the swap', () => {
    const outdir = join(temp.path, 'dist');
    writeManifestTree(outdir, [{ path: 'aws/a.yaml', content: 'old\n' }]);
    const result = writeManifestTree(outdir, [{ path: 'aws/a.yaml', content: 'new\n' }], {
      remove: (path) => {
        if (path.includes('.dist.old-')) throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' });
        rmSync(path, { recursive: true, force: true });
      },
    });
    expect(readTree(outdir)).toEqual(new Map([['aws/a.yaml', 'new\n']]));
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(
      /^.*\/\.dist\.old-[0-9a-f]{8} could not be removed \(EPERM\); delete it by hand, or let the next synth try again$/,
    );
  });

  test('removes what killed runs left beside the tree and its companions, and nothing else', () => {
    const outdir = join(temp.path, 'dist');
    const workflow = join(temp.path, 'rollout.yml');
    for (const leftover of ['.dist.new-12ab34cd', '.dist.old-12ab34cd']) mkdirSync(join(temp.path, leftover, 'aws'), { recursive: true });
    writeFileSync(join(temp.path, '.rollout.yml.new-0badf00d'), 'partial');
    writeFileSync(join(temp.path, '.dist.lock'), '1\n');
    writeFileSync(join(temp.path, '.dist.new-notes'), 'not ours');
    writeManifestTree(outdir, [{ path: 'aws/a.yaml', content: 'a\n' }], { companions: [{ path: workflow, content: 'w\n' }] });
    expect(readdirSync(temp.path).sort()).toEqual(['.dist.lock', '.dist.new-notes', 'dist', 'rollout.yml']);
  });
});

describe('npm run synth', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeAll(() => (temp = makeTempDir('synth')));
  afterAll(() => temp.cleanup());

  test('gives byte-identical output whatever the process, time zone or locale', () => {
    const first = join(temp.path, 'first');
    const second = join(temp.path, 'second');
    expect(synthProcess(['--outdir', first], { TZ: 'UTC', LANG: 'C', LC_ALL: 'C' }).status).toBe(0);
    expect(synthProcess(['--outdir', second], { TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' }).status).toBe(0);
    expect(readTree(second)).toEqual(readTree(first));
  });

  test('drops the files of a removed cluster and adds those of a new one, with no code change', async () => {
    const overlays = writeFixtureOverlays(join(temp.path, 'clusters'));
    const outdir = join(temp.path, 'clusters-dist');
    expect((await synth(['--outdir', outdir, '--overlays', overlays])).status).toBe(0);
    expect(existsSync(join(outdir, 'azure'))).toBe(true);

    unlinkSync(join(overlays, 'azure.yaml'));
    writeFileSync(join(overlays, 'aws-west.yaml'), 'cloud: aws\nregion: us-west-2\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n');
    // The stage route may only name clouds that clusters run on. In a folder of its own: an output
    // inside the platform file's folder must be its repository.distPath.
    mkdirSync(join(temp.path, 'settings'));
    const platform = join(temp.path, 'settings', 'platform.yaml');
    writeFileSync(platform, withRepository('workloads:\n  mandelbrot:\n    stageRoute: [aws, gcp]\n'));
    expect((await synth(['--outdir', outdir, '--overlays', overlays, '--platform', platform])).status).toBe(0);

    const paths = [...readTree(outdir).keys()];
    expect(paths.filter((path) => path.includes('azure'))).toEqual([]);
    expect(paths).toEqual(
      expect.arrayContaining([
        'aws-west/argocd/application-trinity-mandelbrot-aws-west.yaml',
        'aws-west/argocd/application-trinity-rollouts-aws-west.yaml',
        'aws-west/argocd/appproject-trinity.yaml',
        'aws-west/mandelbrot/rollout-mandelbrot.yaml',
        'bootstrap/application-trinity-dev-aws-west-root.yaml',
      ]),
    );
  });

  test('--help lists every option', async () => {
    const result = await synth(['--help']);
    expect(result.status).toBe(0);
    for (const option of ['--outdir', '--overlays', '--platform', '--files', '--history', '--workflows-dir'])
      expect(result.stdout).toContain(option);
  });

  test('fails if a folder cannot be read, with one line naming it', async () => {
    const result = await synth(['--outdir', join(temp.path, 'unused'), '--overlays', join(temp.path, 'no-such-folder')]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      `error: ${join(temp.path, 'no-such-folder')}: cannot be read (ENOENT); expected a folder of <cluster>.yaml files`,
    );
  });

  test('fails if an option is unknown, naming it and the nearest one and exiting 2 as every entry point does, as a process', () => {
    const result = synthProcess(['--out-dir', 'x']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe("error: unknown option '--out-dir'\n(Did you mean --outdir?)");
  });
});
