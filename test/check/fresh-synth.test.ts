import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProjectLinkError, synthesizeFresh, type SynthRunner } from '../../lib/check/fresh-synth.js';
import { makeTempDir } from '../support/synth-process.js';

/** A stand-in synth in process: writes `out/generated.txt` in the folder it runs in, through whatever `out` is. */
const writeThroughOut: SynthRunner = (root) => {
  writeFileSync(join(root, 'out/generated.txt'), 'fresh\n');
  return Promise.resolve({ exitCode: 0, stdout: '', stderr: '' });
};

describe('synthesizeFresh', () => {
  let project: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    project = makeTempDir('fresh-synth');
    mkdirSync(join(project.path, 'generated'));
  });
  afterEach(() => project.cleanup());

  test('keeps symlinks inside the project as they are, so synth in the copy never writes into the project', async () => {
    symlinkSync('generated', join(project.path, 'out'));
    const fresh = await synthesizeFresh({ projectRoot: project.path, env: {}, synth: writeThroughOut });
    try {
      expect(readFileSync(join(fresh.root, 'generated/generated.txt'), 'utf8')).toBe('fresh\n');
      expect(existsSync(join(project.path, 'generated/generated.txt'))).toBe(false);
    } finally {
      fresh.cleanup();
    }
  });

  test('fails if a symlink points out of the project, naming each such link, before synth runs', async () => {
    const outside = makeTempDir('fresh-synth-outside');
    try {
      symlinkSync(outside.path, join(project.path, 'out'));
      mkdirSync(join(project.path, 'dist/aws'), { recursive: true });
      symlinkSync('../../../elsewhere', join(project.path, 'dist/aws/config.yaml'));
      const run = synthesizeFresh({ projectRoot: project.path, env: {}, synth: writeThroughOut });
      await expect(run).rejects.toThrow(ProjectLinkError);
      await expect(run).rejects.toThrow(
        [
          "dist/aws/config.yaml: a symlink to ../../../elsewhere, outside the project: synth in the check's copy would read or write through it; replace it with the file or folder",
          `out: a symlink to ${outside.path}, outside the project: synth in the check's copy would read or write through it; replace it with the file or folder`,
        ].join('\n'),
      );
      expect(existsSync(join(outside.path, 'generated.txt'))).toBe(false);
    } finally {
      outside.cleanup();
    }
  });
});
