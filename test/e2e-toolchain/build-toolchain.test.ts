import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryPointCommand } from '../../lib/util/entry-point.js';
import { PROJECT_ROOT } from '../support/synth-process.js';

/** `npm run e2e:toolchain` as a real process, with `env` over the test's own environment. */
function buildToolchain(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const { command, args: argv } = entryPointCommand(PROJECT_ROOT, 'test/e2e/support/build-toolchain.ts', args);
  return spawnSync(command, argv, {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

let cache: string;
beforeEach(() => {
  cache = mkdtempSync(join(tmpdir(), 'toolchain-cli-'));
});
afterEach(() => rmSync(cache, { recursive: true, force: true }));

describe('npm run e2e:toolchain', () => {
  test('fails if a component is unknown, in one line listing the components', () => {
    const result = buildToolchain(['etcd', 'kubelet'], { XDG_CACHE_HOME: cache });

    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'error: unknown component kubelet: expected any of etcd, kubernetes, kwok, argo-rollouts, helm, kustomize, argo-cd, traefik, pause\n',
    );
  });

  test('fails if Go is missing, in one line with the version needed and no stack', () => {
    const result = buildToolchain(['etcd'], { XDG_CACHE_HOME: cache, PATH: join(cache, 'no-bin') });

    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^error: Go is not installed \(no `go` command\): the e2e toolchain needs Go \d+\.\d+(\.\d+)? or later \(the go directive of test\/e2e\/toolchain\/etcd\/go\.mod\)\n$/,
    );
    expect(result.stdout).toBe('');
    expect(existsSync(join(cache, 'trinity-delivery'))).toBe(false);
  });
});
