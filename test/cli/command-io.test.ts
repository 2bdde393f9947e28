import { type EntryProcess, runIfEntryPoint } from '../../lib/cli/command-io.js';

/** A process started as `node scripts/run.cjs bin/tool.ts`, capturing what it writes and its exit code. */
function fakeProcess(): EntryProcess & { out: string; err: string } {
  const running = {
    argv: ['node', '/project/bin/tool.ts', '--flag'],
    env: {},
    out: '',
    err: '',
    stdout: { write: (text: string) => (running.out += text) },
    stderr: { write: (text: string) => (running.err += text) },
    cwd: () => '/project',
    exitCode: undefined as number | string | undefined,
  };
  return running;
}

/** Lets the command's promise settle. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('runIfEntryPoint', () => {
  test("sets the command's exit code when the process was started with the entry point", async () => {
    const running = fakeProcess();
    runIfEntryPoint('bin/tool.ts', (argv) => Promise.resolve(argv.length), running);
    await settle();
    expect(running.exitCode).toBe(1);
  });

  test('runs nothing when the process was started with another entry point', async () => {
    const running = fakeProcess();
    runIfEntryPoint('bin/other.ts', () => Promise.resolve(5), running);
    await settle();
    expect(running.exitCode).toBeUndefined();
  });

  test('fails if the command has a bug: exit 3, the error and its stack, which no user error has', async () => {
    const running = fakeProcess();
    runIfEntryPoint('bin/tool.ts', () => Promise.reject(new TypeError('x is undefined')), running);
    await settle();
    expect(running.exitCode).toBe(3);
    const [first, second] = running.err.split('\n');
    expect(first).toBe('error: bin/tool.ts failed unexpectedly (a bug; please report it with the trace below): x is undefined');
    expect(second).toBe('TypeError: x is undefined');
  });
});
