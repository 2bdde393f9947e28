import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseYamlObject } from '../support/yaml.js';
import { PROJECT_ROOT } from '../support/synth-process.js';

/** The service's own folder: tests that need no manifests run it from there. */
export const SERVICE_DIR = join(PROJECT_ROOT, 'services', 'mandelbrot');

export interface RunningService {
  readonly url: string;
  readonly port: number;
  /** The probe listener's base URL: `/healthz` and `/readyz`, as the kubelet reaches them. */
  readonly probeUrl: string;
  readonly pid: number;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  /** Everything the process printed so far. */
  output(): string;
  /** Stops the process with SIGTERM, as Kubernetes does, and waits for it to exit. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** The container command: `node` is this Node.js, the rest is passed as it is. */
  readonly command: readonly string[];
  /** The whole environment: nothing of the test runner's leaks in. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Starts the service as a real process and waits for its `listening` log line. Without a PORT
 * or PROBE_PORT in `env` it listens on free ports (0) and reports which.
 */
export function startService(options: StartOptions): Promise<RunningService> {
  const [program, ...args] = options.command;
  if (program !== 'node') throw new Error(`the command runs ${program}; expected node`);
  const child = spawn(process.execPath, args, { env: { PORT: '0', PROBE_PORT: '0', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the service did not report listening within 10 s:\n${output}`)), 10_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const exitedEarly = (code: number | null) => fail(new Error(`the service exited with ${code} before listening:\n${output}`));
    child.once('exit', exitedEarly);
    child.stderr.on('data', (chunk) => (output += chunk));
    child.stdout.on('data', (chunk) => (output += chunk));
    const awaitListening = () => {
      const line = output.split('\n').find((text) => text.includes('"msg":"listening"'));
      if (!line) return;
      clearTimeout(timer);
      child.removeListener('exit', exitedEarly);
      child.stdout.removeListener('data', awaitListening);
      const { port, probePort } = JSON.parse(line);
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        probeUrl: `http://127.0.0.1:${probePort}`,
        pid: child.pid!,
        exited,
        output: () => output,
        stop: () => stopChild(child, exited),
      });
    };
    child.stdout.on('data', awaitListening);
  });
}

/** SIGTERM, then SIGKILL if the process has not exited within 30 s: a test never leaves it behind. */
async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** The service from its own folder, with `env` as the pod's environment. */
export function startLocalService(env: Readonly<Record<string, string>>): Promise<RunningService> {
  return startService({ command: ['node', join(SERVICE_DIR, 'server.js')], env });
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * How the synthesized Rollout in `folder` (such as `<dist>/aws/mandelbrot`) runs its container,
 * on this machine: see {@link containerFromPodTemplate}.
 */
export function containerFromManifests(folder: string, root: string): StartOptions {
  const rollout = parseYamlObject(readFileSync(join(folder, 'rollout-mandelbrot.yaml'), 'utf8'));
  return containerFromPodTemplate(
    rollout.spec.template,
    (name) => parseYamlObject(readFileSync(join(folder, `configmap-${name}.yaml`), 'utf8')).data,
    root,
  );
}

/** The part of a pod template {@link containerFromPodTemplate} reads. */
export interface PodTemplate {
  readonly spec: {
    readonly containers: readonly {
      readonly command: readonly string[];
      readonly env?: readonly { readonly name: string; readonly value?: string }[];
      readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string }[];
    }[];
    readonly volumes?: readonly { readonly name: string; readonly configMap?: { readonly name: string } }[];
  };
}

/**
 * How a pod template's first container runs on this machine: each ConfigMap volume's data (from
 * `configMapData`, by ConfigMap name) is written to a folder under `root` standing for its mount
 * path, and the command and env refer to those folders instead.
 */
export function containerFromPodTemplate(
  template: PodTemplate,
  configMapData: (name: string) => Readonly<Record<string, string>>,
  root: string,
): StartOptions {
  const { containers, volumes = [] } = template.spec;
  const [container] = containers;
  if (!container) throw new Error('the pod template has no container');
  const mounts = new Map<string, string>();
  for (const mount of container.volumeMounts ?? []) {
    const volume = volumes.find((candidate) => candidate.name === mount.name);
    if (!volume?.configMap) continue;
    const local = join(root, ...mount.mountPath.split('/'));
    mkdirSync(local, { recursive: true });
    for (const [key, value] of Object.entries(configMapData(volume.configMap.name))) writeFileSync(join(local, key), value);
    mounts.set(mount.mountPath, local);
  }
  const localPath = (value: string) => {
    for (const [mountPath, local] of mounts) {
      if (value === mountPath || value.startsWith(`${mountPath}/`)) return local + value.slice(mountPath.length);
    }
    return value;
  };
  return {
    command: container.command.map(localPath),
    env: Object.fromEntries((container.env ?? []).map(({ name, value }) => [name, localPath(value ?? '')])),
  };
}

/** POSTs `body` as JSON and returns the status and the parsed answer. */
export async function postJson(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

/** A tile's iterations, decoded from base64 of little-endian 16-bit integers. */
export function tileIterations(tile: { iterations: string }): number[] {
  const bytes = Buffer.from(tile.iterations, 'base64');
  return Array.from({ length: bytes.length / 2 }, (_, index) => bytes.readUInt16LE(index * 2));
}

/** Reads one sample of a Prometheus text exposition, by metric name and exact labels; 0 when absent. */
export function metricValue(text: string, name: string, labels: Readonly<Record<string, string>>): number {
  const wanted = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(',');
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{${wanted}} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** CPU time (user + system) and peak resident memory of a running process, from /proc. */
export function processFigures(pid: number): { cpuSeconds: number; peakRssMiB: number } {
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14th and 15th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100;
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  const peak = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuSeconds, peakRssMiB: Number(peak![1]) / 1024 };
}

/** The service's /metrics text. */
export async function metricsText(service: RunningService): Promise<string> {
  return (await fetch(`${service.url}/metrics`)).text();
}

/** Polls `read` every 20 ms until it returns something truthy; fails after `seconds`. */
export async function waitFor<T>(what: string, read: () => Promise<T> | T, seconds = 10): Promise<NonNullable<T>> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${seconds} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** An HTTP/1.1 request as raw text, for tests that need to control the bytes on the wire. */
export function rawRequest(method: string, path: string, body = ''): string {
  const length = body === '' ? '' : `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
  return `${method} ${path} HTTP/1.1\r\nhost: localhost\r\n${length}\r\n${body}`;
}

/**
 * A render that costs its whole work budget: 1280x960 at 244 iterations inside a period-3 bulb,
 * where no pixel escapes and no shortcut applies. Rows are cut down for tests that need less.
 */
export const HEAVY_VIEW = { xMin: -0.1227, xMax: -0.1225, yMin: 0.7448, yMax: 0.745 };
export const BUDGET_RENDER = { width: 1280, height: 960, maxIterations: 244, view: HEAVY_VIEW, routeMode: 'local' };

/** Whether `promise` settles within `ms`; the timer is cleared either way. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
