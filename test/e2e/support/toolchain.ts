/**
 * The end-to-end suite's binaries, built from Go modules through the module proxy.
 *
 * Each component is a small wrapper module under test/e2e/toolchain/<component>/ whose go.mod pins
 * the upstream module and names its commands with `tool` directives, the way package.json pins npm
 * tools. A component's binaries are cached outside the repository under a key made of its go.mod,
 * go.sum, wrapper main.go, build recipe and Go version, so a warm run builds nothing; a build goes
 * to a temporary folder that is renamed into place, so a killed build leaves no half cache.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isProcessRunning } from '../../../lib/util/process-alive.js';
import { lastLine, runCommand, tail } from './go-command.js';
import { type Component, type ComponentRecipe, COMPONENTS, RECIPES, type Toolchain } from './toolchain-recipes.js';

export { type BinaryOf, type Component, COMPONENTS, DEFAULT_COMPONENTS, type Toolchain } from './toolchain-recipes.js';

export interface ToolchainOptions<C extends Component = Component> {
  /**
   * The components to ensure, e.g. `['etcd', 'kubernetes', 'kwok']` for a control plane alone.
   * @default every component
   */
  readonly components?: readonly C[];
  /**
   * Receives progress lines: each component's start and end, and a heartbeat while it builds.
   * @default progress is not reported
   */
  readonly log?: (line: string) => void;
  /**
   * The cache root; each component gets `<component>-<key>/bin` under it.
   * @default `${XDG_CACHE_HOME:-$HOME/.cache}/trinity-delivery/e2e`
   */
  readonly cacheDir?: string;
  /**
   * The project whose test/e2e/toolchain/ holds the wrapper modules.
   * @default the current directory
   */
  readonly projectRoot?: string;
  /**
   * The go command.
   * @default `go` from PATH
   */
  readonly go?: string;
  /**
   * Milliseconds between heartbeat lines while a component builds.
   * @default 30000
   */
  readonly heartbeatMs?: number;
}

/** The toolchain cannot be built: Go is missing or too old, or a build failed. The message is one line. */
export class ToolchainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolchainError';
  }
}

const WRAPPERS = join('test', 'e2e', 'toolchain');
const BUILD_FLAGS = ['-trimpath', '-buildvcs=false', '-mod=readonly'];
/** The installed Go builds: it never fetches another toolchain to satisfy a go.mod. */
const GO_ENV = { ...process.env, GOTOOLCHAIN: 'local' };
/** Building is background work on a shared machine: lower the go command's CPU priority. */
const BUILD_NICENESS = 10;

/** `${XDG_CACHE_HOME:-$HOME/.cache}/trinity-delivery/e2e` for the given environment. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'trinity-delivery', 'e2e');
}

/** Builds the chosen components' binaries unless the cache holds them, and returns their paths. */
export async function ensureToolchain<C extends Component = Component>(options: ToolchainOptions<C> = {}): Promise<Toolchain<C>> {
  const components = [...new Set(options.components ?? (COMPONENTS as C[]))];
  const log = options.log ?? (() => {});
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const projectRoot = options.projectRoot ?? process.cwd();
  const go = options.go ?? 'go';

  if (components.length === 0) throw new ToolchainError(`no component chosen: expected any of ${COMPONENTS.join(', ')}`);
  const modules = components.map((component) => readWrapper(projectRoot, component));
  const goVersion = await checkGo(go, modules);
  mkdirSync(cacheDir, { recursive: true });
  removeAbandonedBuilds(cacheDir);

  const progress = { log, heartbeatMs: options.heartbeatMs ?? 30_000 };
  const binDirs: string[] = [];
  for (const module of modules) {
    const name = `${module.component}-${cacheKey(module, goVersion)}`;
    const dir = join(cacheDir, name);
    if (!existsSync(dir)) await awaitOtherBuild(cacheDir, name, module.component, progress);
    if (!existsSync(dir)) await buildComponent(module, cacheDir, name, { go, ...progress });
    binDirs.push(join(dir, 'bin'));
  }
  const binDir = linkBinDir(cacheDir, binDirs);
  const paths = Object.fromEntries(readdirSync(binDir).map((name) => [name, join(binDir, name)]));
  return { binDir, ...paths } as Toolchain<C>;
}

/** A wrapper module's files as read from the project. */
interface Wrapper {
  readonly component: Component;
  /** The module folder, absolute and relative to the project. */
  readonly dir: string;
  readonly path: string;
  readonly goMod: string;
  readonly files: ReadonlyMap<string, string>;
}

function readWrapper(projectRoot: string, component: Component): Wrapper {
  const path = join(WRAPPERS, component);
  const dir = join(projectRoot, path);
  const files = new Map<string, string>();
  for (const name of ['go.mod', 'go.sum', 'main.go']) {
    const file = join(dir, name);
    if (existsSync(file)) files.set(name, readFileSync(file, 'utf8'));
  }
  const goMod = files.get('go.mod');
  if (goMod === undefined) throw new ToolchainError(`${join(path, 'go.mod')} is missing: each e2e component is a wrapper Go module`);
  return { component, dir, path, goMod, files };
}

/** A short hash of everything that decides a component's binaries. */
function cacheKey(module: Wrapper, goVersion: string): string {
  const hash = createHash('sha256').update(`${goVersion}\0${JSON.stringify(RECIPES[module.component])}\0${BUILD_FLAGS.join(' ')}\0`);
  for (const [name, content] of [...module.files].sort(([a], [b]) => a.localeCompare(b))) hash.update(`${name}\0${content}\0`);
  return hash.digest('hex').slice(0, 12);
}

/** The Go version, e.g. `1.26.8`, after checking that it satisfies every wrapper's `go` directive. */
async function checkGo(go: string, modules: readonly Wrapper[]): Promise<string> {
  const needed = modules
    .map((module) => ({ module, version: /^go\s+(\S+)\s*$/m.exec(module.goMod)?.[1] ?? '0' }))
    .reduce((a, b) => (compareVersions(b.version, a.version) > 0 ? b : a));
  const need = `Go ${needed.version} or later (the go directive of ${join(needed.module.path, 'go.mod')})`;
  const result = await runCommand(go, ['env', 'GOVERSION'], { env: GO_ENV }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new ToolchainError(`Go is not installed (no \`${go}\` command): the e2e toolchain needs ${need}`);
    throw new ToolchainError(`\`${go} env GOVERSION\` could not run (${error.message}): the e2e toolchain needs ${need}`);
  });
  const version = /go(\d+(?:\.\d+)*)/.exec(result.output)?.[1];
  if (result.code !== 0 || version === undefined) {
    throw new ToolchainError(
      `\`${go} env GOVERSION\` did not print a Go version (${lastLine(result.output)}): the e2e toolchain needs ${need}`,
    );
  }
  if (compareVersions(version, needed.version) < 0) throw new ToolchainError(`Go ${version} is too old: the e2e toolchain needs ${need}`);
  return version;
}

/** Compares dotted versions numerically; a missing part counts as 0. */
function compareVersions(a: string, b: string): number {
  const parts = (version: string) => version.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const difference = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

const BUILDING = '.building-';

interface Progress {
  readonly log: (line: string) => void;
  readonly heartbeatMs: number;
}

/** Calls `log` every `heartbeatMs` with the time since the start, until the returned stop is called. */
function startHeartbeat({ log, heartbeatMs }: Progress, line: (elapsed: string) => string): { elapsed: () => string; stop: () => void } {
  const started = Date.now();
  const elapsed = () => formatDuration(Date.now() - started);
  const timer = setInterval(() => log(line(elapsed())), heartbeatMs);
  return { elapsed, stop: () => clearInterval(timer) };
}

/**
 * Waits while another live process builds the folder `name` (two suites or a suite and
 * `npm run e2e:toolchain` starting together), so that a machine builds each key once.
 */
async function awaitOtherBuild(cacheDir: string, name: string, component: Component, progress: Progress): Promise<void> {
  const builder = () =>
    readdirSync(cacheDir)
      .map(buildingPid(name))
      .find((pid) => pid !== undefined && isProcessRunning(pid));
  const pid = builder();
  if (pid === undefined) return;
  progress.log(`${component}: waiting for the build by process ${pid}`);
  const heartbeat = startHeartbeat(progress, (elapsed) => `${component}: still waiting for process ${pid}, ${elapsed} elapsed`);
  try {
    while (!existsSync(join(cacheDir, name)) && builder() !== undefined) await new Promise((resolve) => setTimeout(resolve, 1000));
  } finally {
    heartbeat.stop();
  }
}

/** Temporary build folders are `.building-<pid>-<name>-<random>`: the pid of the one building `name`, if `entry` is one. */
function buildingPid(name?: string): (entry: string) => number | undefined {
  return (entry) => {
    const match = /^\.building-(\d+)-(.+)-[^-]+$/.exec(entry);
    return match && (name === undefined || match[2] === name) ? Number(match[1]) : undefined;
  };
}

/** Builds one component into a temporary folder under the cache root, then renames it to `name`. */
async function buildComponent(
  module: Wrapper,
  cacheDir: string,
  name: string,
  { go, ...progress }: Progress & { go: string },
): Promise<void> {
  const recipe: ComponentRecipe = RECIPES[module.component];
  progress.log(`${module.component}: building ${Object.keys({ ...recipe.commands, ...recipe.aliases }).join(', ')}`);
  const work = mkdtempSync(join(cacheDir, `${BUILDING}${process.pid}-${name}-`));
  const heartbeat = startHeartbeat(progress, (elapsed) => `${module.component}: still building, ${elapsed} elapsed`);
  try {
    const bin = join(work, 'bin');
    mkdirSync(bin);
    const ldflags = ['-s', '-w', ...recipe.versionFlags.map((setting) => `-X=${setting}`)].join(' ');
    const build = await runCommand(go, ['build', ...BUILD_FLAGS, `-ldflags=${ldflags}`, '-o', `${bin}/`, 'tool'], {
      cwd: module.dir,
      env: { ...GO_ENV, CGO_ENABLED: '0' },
      niceness: BUILD_NICENESS,
    });
    if (build.code !== 0) {
      throw new ToolchainError(`building ${module.component} failed (go build exited ${build.code}): ${tail(build.output)}`);
    }
    for (const [name, built] of Object.entries(recipe.commands)) {
      if (!existsSync(join(bin, built)))
        throw new ToolchainError(`building ${module.component} wrote no \`${built}\`: check the tool directives in its go.mod`);
      if (name !== built) renameSync(join(bin, built), join(bin, name));
    }
    for (const [alias, target] of Object.entries(recipe.aliases)) symlinkSync(target, join(bin, alias));
    renameIntoPlace(work, join(cacheDir, name));
  } finally {
    heartbeat.stop();
    rmSync(work, { recursive: true, force: true });
  }
  progress.log(`${module.component}: built in ${heartbeat.elapsed()}`);
}

/**
 * One folder linking every chosen binary, for PATH, keyed by the component folders it links.
 * Links are named like their targets, so a multi-call binary still sees its role in argv[0].
 */
function linkBinDir(cacheDir: string, binDirs: readonly string[]): string {
  const key = createHash('sha256').update(binDirs.join('\0')).digest('hex').slice(0, 12);
  const dir = join(cacheDir, `path-${key}`);
  if (!existsSync(dir)) {
    const work = mkdtempSync(join(cacheDir, `${BUILDING}${process.pid}-path-${key}-`));
    try {
      mkdirSync(join(work, 'bin'));
      for (const binDir of binDirs) {
        for (const name of readdirSync(binDir)) symlinkSync(join(binDir, name), join(work, 'bin', name));
      }
      renameIntoPlace(work, dir);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return join(dir, 'bin');
}

/** Renames `work` to `dir`; if another run got there first, its copy (built from the same key) stays. */
function renameIntoPlace(work: string, dir: string): void {
  chmodSync(work, 0o755); // mkdtemp's folders are private; the cache is for whoever runs the suite
  try {
    renameSync(work, dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!(code === 'ENOTEMPTY' || code === 'EEXIST') || !existsSync(dir)) throw error;
  }
}

/** Deletes temporary build folders whose process is gone (a build that was killed). */
function removeAbandonedBuilds(cacheDir: string): void {
  for (const entry of readdirSync(cacheDir)) {
    const pid = buildingPid()(entry);
    if (pid !== undefined && !isProcessRunning(pid)) rmSync(join(cacheDir, entry), { recursive: true, force: true });
  }
}

/** `75s` as `1m15s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}
