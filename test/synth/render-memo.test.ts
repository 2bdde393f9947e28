import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { synthCommand } from '../../main.js';
import { RenderMemo, yamlRenderMemoFile } from '../../lib/synth/render-memo.js';
import { FIXTURE_WORKLOADS, writeFixtureConfig } from '../support/fixture-project.js';
import { runCommand } from '../support/run-command.js';
import { makeTempDir, PROJECT_ROOT, readTree } from '../support/synth-process.js';

describe('RenderMemo', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => (temp = makeTempDir('render-memo')));
  afterEach(() => temp.cleanup());

  test('a later run gets what an earlier one rendered without rendering it again', () => {
    const file = join(temp.path, 'memo.json');
    const first = RenderMemo.load(file);
    expect(first.get('{"a":1}', () => 'a: 1\n')).toBe('a: 1\n');
    first.save();
    const rendered: string[] = [];
    const second = RenderMemo.load(file);
    expect(second.get('{"a":1}', () => (rendered.push('a'), 'other'))).toBe('a: 1\n');
    expect(second.get('{"b":2}', () => (rendered.push('b'), 'b: 2\n'))).toBe('b: 2\n');
    expect(rendered).toEqual(['b']);
  });

  test('keeps the entries a run used first, then earlier ones up to its limit, and writes nothing when it rendered nothing', () => {
    const file = join(temp.path, 'memo.json');
    const first = RenderMemo.load(file);
    for (let index = 0; index < RenderMemo.MAX_ENTRIES; index++) first.get(`old ${index}`, () => `old result ${index}`);
    first.save();
    const second = RenderMemo.load(file);
    second.get('new', () => 'new result');
    second.save();
    const kept = Object.values(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>);
    expect(kept).toHaveLength(RenderMemo.MAX_ENTRIES);
    expect(kept.slice(0, 2)).toEqual(['new result', 'old result 0']);
    expect(kept).not.toContain(`old result ${RenderMemo.MAX_ENTRIES - 1}`);
    const before = readFileSync(file, 'utf8');
    const third = RenderMemo.load(file);
    third.get('new', () => 'rendered again');
    third.save();
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  test('in memory, every run shares what one rendered, nothing is written, and it starts over when full', () => {
    const memo = RenderMemo.inMemory();
    const rendered: string[] = [];
    const render = (result: string) => () => (rendered.push(result), result);
    expect(memo.get('{"a":1}', render('a: 1\n'))).toBe('a: 1\n');
    memo.save();
    expect(memo.get('{"a":1}', render('other'))).toBe('a: 1\n');
    expect(rendered).toEqual(['a: 1\n']);
    expect(readdirSync(temp.path)).toEqual([]);

    for (let index = 1; index < RenderMemo.MAX_ENTRIES; index++) memo.get(`entry ${index}`, () => `result ${index}`);
    expect(memo.get('{"a":1}', render('not rendered'))).toBe('a: 1\n');
    memo.get('one too many', () => 'result');
    expect(memo.get('{"a":1}', render('rendered again'))).toBe('rendered again');
  });

  test('fails if a damaged memo file is trusted: it renders anew', () => {
    const file = join(temp.path, 'memo.json');
    for (const damaged of ['{"truncated', '[1, 2]', 'null']) {
      writeFileSync(file, damaged);
      expect(RenderMemo.load(file).get('x', () => 'rendered')).toBe('rendered');
    }
  });

  test('the memo file is named after the versions of cdk8s, of the yaml library and of js-yaml', () => {
    expect(yamlRenderMemoFile('/cache', PROJECT_ROOT)).toMatch(
      /^\/cache\/yaml-renders-cdk8s-\d+\.\d+\.\d+-yaml-\d+\.\d+\.\d+-cdk8s-yaml-\d+\.\d+\.\d+-js-yaml-\d+\.\d+\.\d+\.json$/,
    );
  });

  test('synth with a render cache or a memo in memory writes the same tree as without one, the first time and the next', async () => {
    const cache = join(temp.path, 'cache');
    const synthIn = async (name: string, renderMemo?: () => RenderMemo) => {
      const folder = join(temp.path, name);
      mkdirSync(folder);
      const { platformFile, overlaysDirectory } = writeFixtureConfig(folder);
      const command = synthCommand(PROJECT_ROOT, FIXTURE_WORKLOADS, { renderMemo });
      const files = `mandelbrot=${join(PROJECT_ROOT, 'services', 'mandelbrot')}`;
      const args = ['--platform', platformFile, '--overlays', overlaysDirectory, '--files', files, '--outdir', join(folder, 'dist')];
      const result = await runCommand(command, args, { cwd: folder });
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
      return readTree(join(folder, 'dist'));
    };
    const fromFile = () => RenderMemo.load(yamlRenderMemoFile(cache, PROJECT_ROOT));
    const plain = await synthIn('plain');
    expect(existsSync(cache)).toBe(false);
    expect(await synthIn('first', fromFile)).toEqual(plain);
    expect(readdirSync(cache)).toEqual([expect.stringMatching(/^yaml-renders-.*\.json$/)]);
    expect(await synthIn('next', fromFile)).toEqual(plain);
    const memo = RenderMemo.inMemory();
    expect(await synthIn('in-memory', () => memo)).toEqual(plain);
    expect(await synthIn('in-memory-again', () => memo)).toEqual(plain);
  });
});
