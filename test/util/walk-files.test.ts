import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { walkFiles } from '../../lib/util/walk-files.js';
import { makeTempDir } from '../support/synth-process.js';

describe('walkFiles', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    temp = makeTempDir('walk-files');
    for (const folder of ['b/deep', 'a', 'skipped/inner']) mkdirSync(join(temp.path, folder), { recursive: true });
    for (const file of ['z.yaml', 'b/deep/x.yaml', 'a/y.yaml', 'B.yaml', 'skipped/inner/n.yaml'])
      writeFileSync(join(temp.path, file), file);
    symlinkSync('b', join(temp.path, 'link'));
  });
  afterEach(() => temp.cleanup());

  test('lists every entry but folders, by /-separated relative path, in code-unit order', () => {
    const paths = walkFiles(temp.path).map((file) => file.path);
    expect(paths).toEqual(['B.yaml', 'a/y.yaml', 'b/deep/x.yaml', 'link', 'skipped/inner/n.yaml', 'z.yaml']);
  });

  test('reports a symbolic link as one and does not follow it', () => {
    const link = walkFiles(temp.path).find((file) => file.path === 'link');
    expect(link).toEqual({ path: 'link', absolutePath: join(temp.path, 'link'), type: 'symlink' });
  });

  test('leaves out what skip names, without reading a skipped folder', () => {
    const seen: string[] = [];
    const files = walkFiles(temp.path, { skip: (path) => (seen.push(path), path === 'skipped' || path === 'z.yaml') });
    expect(files.map((file) => file.path)).toEqual(['B.yaml', 'a/y.yaml', 'b/deep/x.yaml', 'link']);
    expect(seen).not.toContain('skipped/inner');
  });

  test('reads only the folder itself when not recursive, listing its folders as entries', () => {
    const entries = walkFiles(temp.path, { recursive: false }).map((file) => `${file.path} ${file.type}`);
    expect(entries).toEqual(['B.yaml file', 'a directory', 'b directory', 'link symlink', 'skipped directory', 'z.yaml file']);
  });

  test('fails if the folder does not exist, with the system error', () => {
    expect(() => walkFiles(join(temp.path, 'missing'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
