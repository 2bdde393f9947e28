import { exitCodeOf } from '../../lib/cli/command-line-errors.js';
import { ConfigError } from '../../lib/core/config-error.js';
import { CommandFailedError, GitInputError, ManifestParseError, SynthValidationError, UsageError } from '../../lib/core/errors.js';

/** How exitCodeOf ends `run`: the exit code and the lines printed. */
async function ending(run: Promise<number | void>): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await exitCodeOf(run, (line) => lines.push(line));
  return { code, lines };
}

describe('exitCodeOf', () => {
  test("the command's own exit code, or 0", async () => {
    expect(await ending(Promise.resolve(3))).toEqual({ code: 3, lines: [] });
    expect(await ending(Promise.resolve())).toEqual({ code: 0, lines: [] });
  });

  test.each([
    ['a usage error', new UsageError('--cluster "x" is not a cluster'), 2, 'error: --cluster "x" is not a cluster'],
    ['a git input error from the diff', new GitInputError('not a git repository'), 2, 'error: not a git repository'],
    ['a tree that does not parse', new ManifestParseError('dist/a.yaml: not YAML'), 2, 'error: dist/a.yaml: not YAML'],
    [
      'a configuration error, one line per problem',
      new ConfigError(['a.yaml: one', 'b.yaml: two']),
      1,
      'error: a.yaml: one\nerror: b.yaml: two',
    ],
    ['a failed command', new CommandFailedError('synth failed'), 1, 'error: synth failed'],
    [
      'constructs that fail validation',
      new SynthValidationError(['mandelbrot-source: retain is 0']),
      1,
      'error: synth stopped: 1 problem in the constructs:\n  mandelbrot-source: retain is 0',
    ],
    [
      'a file that cannot be written',
      Object.assign(new Error("EACCES: permission denied, open 'dist/x'"), { syscall: 'open' }),
      1,
      "error: EACCES: permission denied, open 'dist/x'",
    ],
  ])('%s ends with one line and its exit code', async (_name, error, code, line) => {
    expect(await ending(Promise.reject(error))).toEqual({ code, lines: [line] });
  });

  test('fails if the error is a bug: it rejects with the error itself, so its stack is printed', async () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'name')");
    const lines: string[] = [];
    await expect(exitCodeOf(Promise.reject(bug), (line) => lines.push(line))).rejects.toBe(bug);
    expect(lines).toEqual([]);
  });
});
