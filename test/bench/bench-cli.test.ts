import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchCommand } from '../../bench/index.js';
import { makeTempDir, PROJECT_ROOT } from '../support/project-root.js';
import { runCommand } from '../support/run-command.js';

// None of these measures anything: each stops at its command line.
const bench = (args: readonly string[]) => runCommand(benchCommand, args, { cwd: PROJECT_ROOT });

describe('npm run bench', () => {
  test('--help lists the areas and options, and exits 0', async () => {
    const help = await bench(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run bench /);
    for (const word of ['synth', 'service-load', '--markdown', '--write <file>']) expect(help.stdout).toContain(word);
  });

  test('fails if a flag is misspelt, naming the nearest one, with the usage exit code 2', async () => {
    const typo = await bench(['--markdwn']);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toBe("error: unknown option '--markdwn'\n(Did you mean --markdown?)\n");
  });

  test('fails if an area is unknown, listing the areas, with the usage exit code 2', async () => {
    const unknown = await bench(['synthh']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^error: command-argument value 'synthh' is invalid for argument 'area'\. Allowed choices are .*synth/);
  });

  test('fails if --write names a file it cannot read, or one without a region for each table, measuring nothing', async () => {
    const folder = makeTempDir('bench-write');
    try {
      const missing = await bench(['synth', '--write', join(folder.path, 'none.md')]);
      expect([missing.status, missing.stdout]).toEqual([2, '']);
      expect(missing.stderr).toBe(`error: --write ${join(folder.path, 'none.md')}: cannot read it (ENOENT); expected a Markdown file\n`);
      const bare = join(folder.path, 'bare.md');
      writeFileSync(bare, '# Figures\n');
      const noRegion = await bench(['synth', '--write', bare]);
      expect([noRegion.status, noRegion.stdout]).toEqual([2, '']);
      expect(noRegion.stderr).toMatch(/^error: .*bare\.md: no region for the bench table synth/);
      expect(noRegion.stderr).not.toContain('bench: measuring');
    } finally {
      folder.cleanup();
    }
  });
});
