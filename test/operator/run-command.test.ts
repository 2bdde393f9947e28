import { runWithTinyexec } from '../../lib/operator/run-command.js';

describe('runWithTinyexec', () => {
  test('returns output and exit code, and does not throw on a non-zero exit', async () => {
    const result = await runWithTinyexec(process.execPath, ['-e', 'console.log("out"); console.error("err"); process.exit(3)'], {});
    expect(result).toEqual({ stdout: 'out\n', stderr: 'err\n', exitCode: 3 });
  });

  test('kills a process that outlives its time limit, reporting exit code -1', async () => {
    const result = await runWithTinyexec(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { timeoutMs: 200 });
    expect(result.exitCode).toBe(-1);
  });
});
