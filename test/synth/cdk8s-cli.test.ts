import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { makeTempDir, PROJECT_ROOT, readTree, runSynth } from '../support/synth-process.js';

test('`cdk8s synth` writes the same tree as `npm run synth`', () => {
  const temp = makeTempDir('cdk8s-cli');
  try {
    const cli = spawnSync(join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk8s'), ['synth', '--output', join(temp.path, 'cli', 'dist'), '--check-upgrade', 'false'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });
    expect(cli.status).toBe(0);
    expect(runSynth(['--outdir', join(temp.path, 'npm', 'dist')]).status).toBe(0);

    const cliTree = readTree(join(temp.path, 'cli'));
    expect(cliTree.size).toBeGreaterThan(20);
    expect(cliTree).toEqual(readTree(join(temp.path, 'npm')));
  } finally {
    temp.cleanup();
  }
});
