import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../lib/core/config-error.js';
import { readFolderFiles } from '../../lib/config/workload-files.js';
import { makeTempDir } from '../support/synth-process.js';

describe('readFolderFiles', () => {
  const folder = makeTempDir('workload-files');
  const problemsOf = (): readonly string[] => {
    try {
      readFolderFiles(folder.path, 'services/notes');
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };

  beforeEach(() => writeFileSync(join(folder.path, 'server.js'), "console.log('ok');\n"));
  afterAll(() => folder.cleanup());

  test('reads each text file byte for byte, a byte-order mark included', () => {
    writeFileSync(join(folder.path, 'notes.txt'), '\uFEFFnaïve\r\n');
    expect(readFolderFiles(folder.path)).toEqual({ 'notes.txt': '\uFEFFnaïve\r\n', 'server.js': "console.log('ok');\n" });
  });

  test('fails if a file is binary, naming each in one line, rather than mangling it', () => {
    writeFileSync(join(folder.path, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    writeFileSync(join(folder.path, 'table.bin'), Buffer.from('ab\0cd'));
    const expected = (file: string) =>
      `services/notes/${file}: a binary file (not UTF-8 text, or holding a NUL byte); the workload's files reach its pods as ConfigMap text, which reviewers can read: remove it, or ship it in the image`;
    expect(problemsOf()).toEqual([expected('logo.png'), expected('table.bin')]);
  });
});
