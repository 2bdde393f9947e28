import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { defaultCacheDir, ensureToolchain, ToolchainError } from '../e2e/support/toolchain.js';
import { PROJECT_ROOT } from '../support/synth-process.js';

/**
 * A stand-in for the go command: `env GOVERSION` prints `version`; `build` records its folder
 * environment and arguments in builds.log, then writes each name listed in the module's fake-outputs file
 * as a script printing its own argv[0], or fails with `failure` on stderr.
 */
function fakeGo(
  dir: string,
  { version = 'go1.26.8', failure, delay = 0 }: { version?: string; failure?: string; delay?: number } = {},
): string {
  const go = join(dir, 'go');
  writeFileSync(
    go,
    `#!/bin/sh
case "$1" in
  env) echo "${version}" ;;
  build)
    echo "$PWD CGO_ENABLED=$CGO_ENABLED GOTOOLCHAIN=$GOTOOLCHAIN $*" >> "${join(dir, 'builds.log')}"
    sleep ${delay}
    ${failure === undefined ? '' : `echo "${failure}" >&2; exit 1`}
    while [ $# -gt 0 ]; do [ "$1" = -o ] && out="$2"; shift; done
    for name in $(cat fake-outputs); do printf '#!/bin/sh\\nbasename "$0"\\n' > "$out$name"; chmod +x "$out$name"; done ;;
esac
`,
  );
  chmodSync(go, 0o755);
  return go;
}

/** A project holding wrapper modules: component to the go command's outputs for it. */
function project(dir: string, outputs: Record<string, string[]>, goDirective = '1.26.0'): string {
  for (const [component, names] of Object.entries(outputs)) {
    const module = join(dir, 'project', 'test', 'e2e', 'toolchain', component);
    mkdirSync(module, { recursive: true });
    writeFileSync(join(module, 'go.mod'), `module example.com/${component}\n\ngo ${goDirective}\n`);
    writeFileSync(join(module, 'go.sum'), '');
    writeFileSync(join(module, 'fake-outputs'), names.join('\n'));
  }
  return join(dir, 'project');
}

function builds(dir: string): string[] {
  const log = join(dir, 'builds.log');
  return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'toolchain-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ensureToolchain', () => {
  test('builds a component with the pinned tools and static, stripped flags, and returns absolute paths', async () => {
    const projectRoot = project(dir, { etcd: ['etcd'] });
    const lines: string[] = [];
    const toolchain = await ensureToolchain({
      components: ['etcd'],
      projectRoot,
      cacheDir: join(dir, 'cache'),
      go: fakeGo(dir),
      log: (line) => lines.push(line),
    });

    expect(builds(dir)).toEqual([
      expect.stringMatching(
        /\/etcd CGO_ENABLED=0 GOTOOLCHAIN=local build -trimpath -buildvcs=false -mod=readonly -ldflags=-s -w -o \S+\/bin\/ tool$/,
      ),
    ]);
    expect(toolchain.etcd).toBe(join(toolchain.binDir, 'etcd'));
    expect(spawnSync(toolchain.etcd).stdout.toString()).toBe('etcd\n');
    expect(toolchain.binDir.startsWith(join(dir, 'cache'))).toBe(true);
    expect(lines[0]).toMatch(/^etcd: building etcd$/);
    expect(lines.at(-1)).toMatch(/^etcd: built in \d+s$/);
  });

  test('a warm run starts no build', async () => {
    const projectRoot = project(dir, { etcd: ['etcd'], kwok: ['kwok'] });
    const options = { components: ['etcd', 'kwok'] as const, projectRoot, cacheDir: join(dir, 'cache'), go: fakeGo(dir) };
    const cold = await ensureToolchain(options);
    const lines: string[] = [];
    const warm = await ensureToolchain({ ...options, log: (line) => lines.push(line) });

    expect(builds(dir)).toHaveLength(2);
    expect(warm).toEqual(cold);
    expect(lines).toEqual([]);
  });

  test('rebuilds, under a new cache key, when a go.mod changes', async () => {
    const projectRoot = project(dir, { etcd: ['etcd'] });
    const options = { components: ['etcd'] as const, projectRoot, cacheDir: join(dir, 'cache'), go: fakeGo(dir) };
    const before = await ensureToolchain(options);
    writeFileSync(
      join(projectRoot, 'test/e2e/toolchain/etcd/go.mod'),
      'module example.com/etcd\n\ngo 1.26.0\n\nrequire go.etcd.io/etcd/server/v3 v3.6.16\n',
    );
    const after = await ensureToolchain(options);

    expect(builds(dir)).toHaveLength(2);
    expect(readlinkSync(after.etcd)).not.toBe(readlinkSync(before.etcd));
    expect(basename(dirname(dirname(readlinkSync(after.etcd))))).toMatch(/^etcd-[0-9a-f]{12}$/);
  });

  test('builds only the chosen components', async () => {
    const projectRoot = project(dir, { etcd: ['etcd'], kwok: ['kwok'] });
    const toolchain = await ensureToolchain({ components: ['kwok'], projectRoot, cacheDir: join(dir, 'cache'), go: fakeGo(dir) });

    expect(Object.keys(toolchain).sort()).toEqual(['binDir', 'kwok']);
    expect(builds(dir)).toEqual([expect.stringContaining('/toolchain/kwok CGO_ENABLED=0')]);
  });

  test('gives the multi-call argocd binary its role names, which it sees as argv[0]', async () => {
    const projectRoot = project(dir, { 'argo-cd': ['cmd'] });
    const toolchain = await ensureToolchain({ components: ['argo-cd'], projectRoot, cacheDir: join(dir, 'cache'), go: fakeGo(dir) });

    expect(spawnSync(toolchain.argocd).stdout.toString()).toBe('argocd\n');
    expect(spawnSync(toolchain['argocd-repo-server']).stdout.toString()).toBe('argocd-repo-server\n');
    expect(spawnSync(toolchain['argocd-application-controller']).stdout.toString()).toBe('argocd-application-controller\n');
    expect(readlinkSync(readlinkSync(toolchain['argocd-repo-server']))).toBe('argocd');
  });

  test('reports a heartbeat while a component builds', async () => {
    const projectRoot = project(dir, { etcd: ['etcd'] });
    const lines: string[] = [];
    await ensureToolchain({
      components: ['etcd'],
      projectRoot,
      cacheDir: join(dir, 'cache'),
      go: fakeGo(dir, { delay: 0.5 }),
      heartbeatMs: 20,
      log: (line) => lines.push(line),
    });

    expect(lines).toContainEqual(expect.stringMatching(/^etcd: still building, \d+s elapsed$/));
  });

  test('waits for a build of the same key already running instead of building it twice', async () => {
    const projectRoot = project(dir, { etcd: ['etcd'] });
    const options = { components: ['etcd'] as const, projectRoot, cacheDir: join(dir, 'cache'), go: fakeGo(dir, { delay: 1 }) };
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const [first, second] = await Promise.all([ensureToolchain({ ...options, log }), ensureToolchain({ ...options, log })]);

    expect(builds(dir)).toHaveLength(1);
    expect(second).toEqual(first);
    expect(lines.filter((line) => /^etcd: (building|waiting)/.test(line))).toEqual([
      'etcd: building etcd',
      `etcd: waiting for the build by process ${process.pid}`,
    ]);
  });

  test('removes the temporary folder of a build whose process is gone', async () => {
    const projectRoot = project(dir, { etcd: ['etcd'] });
    const ended = spawnSync('true', { stdio: 'ignore' }).pid;
    const abandoned = join(dir, 'cache', `.building-${ended}-etcd-x`);
    mkdirSync(join(abandoned, 'bin'), { recursive: true });
    await ensureToolchain({ components: ['etcd'], projectRoot, cacheDir: join(dir, 'cache'), go: fakeGo(dir) });

    expect(existsSync(abandoned)).toBe(false);
  });

  test('fails if a build fails, in one line naming the component and the end of go output, leaving no cache', async () => {
    const projectRoot = project(dir, { kwok: ['kwok'] });
    const failing = ensureToolchain({
      components: ['kwok'],
      projectRoot,
      cacheDir: join(dir, 'cache'),
      go: fakeGo(dir, { failure: 'pattern dist/app: no matching files found' }),
    });

    await expect(failing).rejects.toThrow(ToolchainError);
    await expect(failing).rejects.toThrow(/^building kwok failed \(go build exited 1\): pattern dist\/app: no matching files found$/);
    expect(readdirSync(join(dir, 'cache'))).toEqual([]);
  });

  test('fails if no component is chosen, naming the components there are', async () => {
    await expect(
      ensureToolchain({ components: [], projectRoot: PROJECT_ROOT, cacheDir: join(dir, 'cache'), go: fakeGo(dir) }),
    ).rejects.toThrow('no component chosen: expected any of etcd, kubernetes, kwok, argo-rollouts, helm, kustomize, argo-cd');
  });

  test('fails if Go is missing, in one line with the version the wrappers need', async () => {
    const goMod = readFileSync(join(PROJECT_ROOT, 'test/e2e/toolchain/etcd/go.mod'), 'utf8');
    const needed = /^go (\S+)$/m.exec(goMod)![1];
    const failing = ensureToolchain({
      components: ['etcd'],
      projectRoot: PROJECT_ROOT,
      cacheDir: join(dir, 'cache'),
      go: join(dir, 'no-such-go'),
    });

    await expect(failing).rejects.toThrow(
      `Go is not installed (no \`${join(dir, 'no-such-go')}\` command): the e2e toolchain needs Go ${needed} or later (the go directive of test/e2e/toolchain/etcd/go.mod)`,
    );
  });

  test('fails if Go is older than the newest go directive of the chosen wrappers', async () => {
    const projectRoot = project(dir, { etcd: ['etcd'] }, '1.26.0');
    project(dir, { kwok: ['kwok'] }, '1.26.3');
    const failing = ensureToolchain({
      components: ['etcd', 'kwok'],
      projectRoot,
      cacheDir: join(dir, 'cache'),
      go: fakeGo(dir, { version: 'go1.26.2' }),
    });

    await expect(failing).rejects.toThrow(
      /^Go 1\.26\.2 is too old: the e2e toolchain needs Go 1\.26\.3 or later \(the go directive of test\/e2e\/toolchain\/kwok\/go\.mod\)$/,
    );
    expect(builds(dir)).toEqual([]);
  });
});

describe('defaultCacheDir', () => {
  test('is under XDG_CACHE_HOME when set, else under ~/.cache', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/ci' })).toBe('/var/cache/ci/trinity-delivery/e2e');
    expect(defaultCacheDir({})).toMatch(/\/\.cache\/trinity-delivery\/e2e$/);
  });
});
