import { KubectlClient, KubectlCommandError, KubectlMissingError, lastLine, shellQuote } from '../../lib/operator/kubectl-client.js';

describe('KubectlClient', () => {
  test('shows commands as a shell needs them', () => {
    const kubectl = new KubectlClient({ run: () => Promise.resolve({ stdout: '', stderr: '', exitCode: 0 }) });
    expect(kubectl.display(['patch', 'application', 'x', '--patch', '{"operation":{}}', '--context', "it's"])).toBe(
      `kubectl patch application x --patch '{"operation":{}}' --context 'it'\\''s'`,
    );
    expect(shellQuote('--watch=true')).toBe('--watch=true');
    expect(shellQuote('')).toBe("''");
  });

  test('fails if kubectl cannot be found, naming the executable', async () => {
    const kubectl = new KubectlClient({ executable: '/nowhere/kubectl' });
    await expect(kubectl.run(['version'])).rejects.toThrow(new KubectlMissingError('/nowhere/kubectl'));
  });

  test('fails if a checked command exits non-zero, with the last thing kubectl said', async () => {
    const kubectl = new KubectlClient({
      run: () =>
        Promise.resolve({
          stdout: '',
          stderr: 'E1129 memcache.go:265] noise\nError from server (NotFound): rollouts.argoproj.io "x" not found\n',
          exitCode: 1,
        }),
    });
    const error = await kubectl.check(['get', 'rollout', 'x']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KubectlCommandError);
    expect((error as Error).message).toBe(
      'kubectl get rollout x exited 1: Error from server (NotFound): rollouts.argoproj.io "x" not found',
    );
  });

  test('gives every command the default time limit unless it names its own', async () => {
    const limits: (number | undefined)[] = [];
    const kubectl = new KubectlClient({
      commandTimeoutMs: 5_000,
      run: (_file, _args, options) => {
        limits.push(options.timeoutMs);
        return Promise.resolve({ stdout: '', stderr: '', exitCode: -1 });
      },
    });
    await kubectl.run(['get']);
    await kubectl.run(['argo'], { timeoutMs: 9_000 });
    expect(limits).toEqual([5_000, 9_000]);
    await expect(kubectl.check(['get', 'crd'])).rejects.toThrow('kubectl get crd was killed after its time limit');
  });

  test('lastLine skips blank lines', () => {
    expect(lastLine('a\n\n  b  \n\n')).toBe('b');
    expect(lastLine('')).toBe('');
  });
});
