import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, PROJECT_ROOT } from '../support/synth-process.js';

// The unit suite's own runner, as a process: jest with scripts/jest-runner.mjs and the workers'
// setup, on test files written here. Each file is a fresh module, so a hang is the only way to
// see a deadline.
describe('the unit tests runner', () => {
  let folder: ReturnType<typeof makeTempDir>;
  beforeAll(() => {
    folder = makeTempDir('jest-runner');
    const config = {
      rootDir: folder.path,
      testMatch: ['**/*.test.ts'],
      runner: join(PROJECT_ROOT, 'scripts', 'jest-runner.mjs'),
      setupFilesAfterEnv: [join(PROJECT_ROOT, 'scripts', 'jest-worker-setup.mjs')],
      maxWorkers: 2,
      cacheDirectory: join(folder.path, '.jest-cache'),
    };
    writeFileSync(join(folder.path, 'jest.config.json'), JSON.stringify(config));
    // ES modules, as the project's own TypeScript is.
    writeFileSync(join(folder.path, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(folder.path, 'hangs.test.ts'),
      [
        "test('never settles', (): Promise<void> => new Promise(() => {}), 300);",
        "test.each([1, 2])('settles %i', async (value: number) => expect(value).toBeGreaterThan(0), 300);",
      ].join('\n'),
    );
    for (const name of ['a', 'b'])
      writeFileSync(join(folder.path, `${name}.test.ts`), `test('${name} runs its TypeScript', () => expect(<number>1).toBe(1));\n`);
    writeFileSync(
      join(folder.path, 'c.test.ts'),
      "test('c runs in a worker with one V8 background thread', () => expect(process.execArgv).toContain('--v8-pool-size=1'));\n",
    );
  });
  afterAll(() => folder.cleanup());

  test('runs every file in its workers, and fails a test at its deadline while the others pass', () => {
    const result = spawnSync(
      process.execPath,
      [join(PROJECT_ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--config', join(folder.path, 'jest.config.json')],
      { cwd: folder.path, encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' },
    );
    expect(result.signal).toBeNull();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('test "never settles" did not finish within 300 ms');
    expect(result.stderr).toMatch(/Tests: +1 failed, 5 passed, 6 total/);
    expect(result.stderr).toMatch(/Test Suites: +1 failed, 3 passed, 4 total/);
  });
});
