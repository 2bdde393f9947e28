import { spawnSync } from 'node:child_process';
import { entryPointCommand } from '../../lib/util/entry-point.js';
import { plainEnv } from '../support/run-command.js';
import { PROJECT_ROOT } from '../support/synth-process.js';

// bench/index.ts measures as soon as it runs, so its command line is tested as a process; none of
// these measures anything.
function bench(args: readonly string[]) {
  const { command, args: argv } = entryPointCommand(PROJECT_ROOT, 'bench/index.ts', args);
  return spawnSync(command, argv, { cwd: PROJECT_ROOT, encoding: 'utf8', env: plainEnv(), timeout: 60_000, killSignal: 'SIGKILL' });
}

describe('npm run bench', () => {
  test('--help lists the areas and options, and exits 0', () => {
    const help = bench(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run bench /);
    for (const word of ['synth', 'service-load', '--markdown', '--write <file>']) expect(help.stdout).toContain(word);
  });

  test('fails if a flag is misspelt, naming the nearest one, with the usage exit code 2', () => {
    const typo = bench(['--markdwn']);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toBe("error: unknown option '--markdwn'\n(Did you mean --markdown?)\n");
  });
});
