import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { entryPointCommand } from '../../lib/util/entry-point.js';
import { PROJECT_ROOT } from '../support/synth-process.js';

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'runner');

/** Runs a fixture entry point through scripts/run.cjs, as every npm script runs its entry point. */
function runFixture(file: string) {
  const { command, args } = entryPointCommand(PROJECT_ROOT, join('test', 'fixtures', 'runner', file));
  const result = spawnSync(command, args, { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('scripts/run.cjs', () => {
  test("a crash's stack trace names the TypeScript lines, in the entry point and in the module it imports", () => {
    const { status, stderr } = runFixture('crash.ts');
    expect(status).toBe(1);
    expect(stderr).toContain("TypeError: Cannot read properties of null (reading 'name')");
    expect(stderr).toContain(`at nameOf (${join(FIXTURES, 'name-of.ts')}:3:`);
    expect(stderr).toContain(`(${join(FIXTURES, 'crash.ts')}:4:`);
    // The source line Node quotes above the error is the bundle's own code, which is not minified.
    const longest = Math.max(...stderr.split('\n').map((line) => line.length));
    expect(longest).toBeLessThan(200);
  });

  test("import.meta.url, .dirname and .filename are the source file's own, after a top-level await", () => {
    const { status, stdout, stderr } = runFixture('import-meta.ts');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const file = join(FIXTURES, 'import-meta.ts');
    expect(JSON.parse(stdout)).toEqual({ answer: 42, url: pathToFileURL(file).href, path: file, dirname: FIXTURES, filename: file });
  });

  test("V8's code cache is written beside the bundle by the first run, and the next run uses it as it is", () => {
    const cacheDir = join(PROJECT_ROOT, 'node_modules', '.cache', 'trinity-delivery');
    const codeCache = () =>
      readdirSync(cacheDir).find((file) => file.startsWith('test-fixtures-runner-hello-ts-') && file.endsWith('.v8cache'));
    expect(runFixture('hello.ts')).toEqual({ status: 0, stdout: 'hello\n', stderr: '' });
    const written = codeCache();
    expect(written).toBeDefined();
    const { mtimeMs, size } = statSync(join(cacheDir, written!));
    expect(size).toBeGreaterThan(0);
    expect(runFixture('hello.ts')).toEqual({ status: 0, stdout: 'hello\n', stderr: '' });
    // A rejected cache would be written again.
    expect(statSync(join(cacheDir, written!)).mtimeMs).toBe(mtimeMs);
  });

  test('fails if an entry point uses any other part of import.meta, with one line naming the file, line and column', () => {
    const { status, stdout, stderr } = runFixture('import-meta-resolve.ts');
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `${join('test', 'fixtures', 'runner', 'import-meta-resolve.ts')}:2:13: error: only import.meta.url, import.meta.dirname and import.meta.filename are supported here\n`,
    );
  });
});
