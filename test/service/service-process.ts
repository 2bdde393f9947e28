import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../support/synth-process.js';

/** The service's own folder: tests that need no manifests run it from there. */
export const SERVICE_DIR = join(PROJECT_ROOT, 'services', 'mandelbrot');

export interface RunningService {
  readonly url: string;
  readonly port: number;
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
 * in `env` it listens on a free port (PORT=0) and reports which.
 */
export function startService(options: StartOptions): Promise<RunningService> {
  const [program, ...args] = options.command;
  if (program !== 'node') throw new Error(`the command runs ${program}; expected node`);
  const child = spawn(process.execPath, args, { env: { PORT: '0', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the service did not report listening within 10 s:\n${output}`)), 10_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const exitedEarly = (code: number | null) => fail(new Error(`the service exited with ${code} before listening:\n${output}`));
    child.once('exit', exitedEarly);
    child.stderr!.on('data', (chunk) => (output += chunk));
    child.stdout!.on('data', (chunk) => (output += chunk));
    const awaitListening = () => {
      const line = output.split('\n').find((text) => text.includes('"msg":"listening"'));
      if (!line) return;
      clearTimeout(timer);
      child.removeListener('exit', exitedEarly);
      child.stdout!.removeListener('data', awaitListening);
      const { port } = JSON.parse(line);
      resolve({ url: `http://127.0.0.1:${port}`, port, output: () => output, stop: () => stopChild(child, exited) });
    };
    child.stdout!.on('data', awaitListening);
  });
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await exited;
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
  const rollout = parse(readFileSync(join(folder, 'rollout-mandelbrot.yaml'), 'utf8'));
  return containerFromPodTemplate(rollout.spec.template, (name) => parse(readFileSync(join(folder, `configmap-${name}.yaml`), 'utf8')).data, root);
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
  const container = containers[0];
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
