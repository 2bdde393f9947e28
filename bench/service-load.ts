/**
 * The Mandelbrot service under hostile load, on loopback: each case starts a fresh service,
 * replays one kind of abuse for a bounded time, probes it all along as the kubelet would, and
 * reports what the pod would have suffered. Every count and every wait is bounded.
 */
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import type { BenchTable } from './report.js';
import { type BenchService, startService } from './render.js';
import { processFigures, rawRequest } from '../test/service/service-process.js';

/** The largest render admitted: the whole work budget, where no pixel escapes. */
const BUDGET_RENDER = JSON.stringify({
  width: 1280,
  height: 960,
  maxIterations: 244,
  view: { xMin: -0.1227, xMax: -0.1225, yMin: 0.7448, yMax: 0.745 },
  routeMode: 'local',
});
/** Cheap to render, 3.3 MB to send. */
const LARGE_REPLY = JSON.stringify({ width: 1280, height: 960, maxIterations: 1, routeMode: 'local' });
/** Kubernetes' defaults, which the issue measured the old service against. */
const PROBE_TIMEOUT_MS = 1000;
const FAILURE_THRESHOLD = 3;
const PROBE_INTERVAL_MS = 100;
const HOLD_MS = 3000;
const MEMORY_LIMIT_MIB = 384;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The prober, run in a process of its own so that the load generator's pauses do not count:
 * probes /healthz, /readyz and /api/meta every PROBE_INTERVAL_MS, each over a new connection as
 * the kubelet does, until a line arrives on stdin; then prints the latencies (undefined for a
 * failure: no 200 within the timeout) as JSON, one array per endpoint.
 */
const PROBER = `
const http = require('node:http');
const [port, interval, timeout] = process.argv.slice(1).map(Number);
let running = true;
process.stdin.once('data', () => (running = false));
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function probe(path) {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent: false, timeout }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? Number(process.hrtime.bigint() - started) / 1e6 : null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}
Promise.all(['/healthz', '/readyz', '/api/meta'].map(async (path) => {
  const results = [];
  while (running) results.push((await Promise.all([probe(path), pause(interval)]))[0]);
  return results;
})).then((results) => process.stdout.write(JSON.stringify(results)));
`;

interface ProbeRecord {
  readonly latencies: number[];
  readonly failures: number;
  /** The longest run of failures of one endpoint: the kubelet acts at {@link FAILURE_THRESHOLD}. */
  readonly longestRun: number;
}

/** Starts the prober process against `port`; `stop` ends it and summarizes what it saw. */
function startProbing(port: number): { stop: () => Promise<ProbeRecord> } {
  const child = spawn(process.execPath, ['-e', PROBER, String(port), String(PROBE_INTERVAL_MS), String(PROBE_TIMEOUT_MS)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    stop: async () => {
      child.stdin.end('stop\n');
      // Bounded: one more probe round at most.
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      const endpoints = JSON.parse(output) as (number | null)[][];
      const longestRun = Math.max(
        ...endpoints.map(
          (results) =>
            results.reduce<[number, number]>(
              ([longest, run], latency) => (latency === null ? [Math.max(longest, run + 1), run + 1] : [longest, 0]),
              [0, 0],
            )[0],
        ),
      );
      const all = endpoints.flat();
      return {
        latencies: all.filter((latency): latency is number => latency !== null),
        failures: all.filter((latency) => latency === null).length,
        longestRun,
      };
    },
  };
}

/** A raw client: writes `text`, optionally never reads, and counts the status lines it gets. */
function client(port: number, text: string | Buffer, options: { read?: boolean } = {}): { socket: Socket; statuses: () => number[] } {
  let received = '';
  const socket = connect(port, '127.0.0.1', () => {
    if (options.read === false) socket.pause();
    socket.write(text);
  });
  socket.on('data', (chunk) => (received += chunk.toString('latin1')));
  socket.on('error', () => {});
  return { socket, statuses: () => [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1])) };
}

async function metric(service: BenchService, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{cloud="aws",region="us-east-1"${labels}} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** After the clients left: waits (at most 10 s) until no render is admitted or running, then half a second more. */
async function settle(service: BenchService): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if ((await metric(service, 'mandelbrot_renders_admitted')) === 0 && (await metric(service, 'mandelbrot_render_workers_busy')) === 0)
      break;
    await pause(50);
  }
  await pause(500);
}

interface CaseResult {
  readonly name: string;
  readonly probes: ProbeRecord;
  readonly peakRssMiB: number;
  readonly refused: number;
  readonly cpuAfterLeft: number;
  readonly note: string;
}

/**
 * Runs one case on a fresh service: `load` starts the abuse and returns what to do when the
 * clients leave; probes run from before the load until the service has settled.
 */
async function runCase(
  name: string,
  env: Record<string, string>,
  load: (service: BenchService) => Promise<{ leave: () => void; note: () => string | Promise<string> }>,
): Promise<CaseResult> {
  const service = await startService(env);
  try {
    const probing = startProbing(service.port);
    await pause(300);
    const { leave, note } = await load(service);
    const refusedBefore = await metric(service, 'mandelbrot_render_requests_total', ',status="refused"');
    const cpuAtLeave = processFigures(service.pid).cpuSeconds;
    leave();
    await settle(service);
    const cpuAfterLeft = processFigures(service.pid).cpuSeconds - cpuAtLeave;
    const probes = await probing.stop();
    const refused = Math.max(refusedBefore, await metric(service, 'mandelbrot_render_requests_total', ',status="refused"'));
    return { name, probes, peakRssMiB: processFigures(service.pid).peakRssMiB, refused, cpuAfterLeft, note: await note() };
  } finally {
    await service.stop();
  }
}

/** N renders of the whole work budget in flight, held for {@link HOLD_MS}, then abandoned. */
const inFlight = (count: number) => async (service: BenchService) => {
  const clients = Array.from({ length: count }, () => client(service.port, rawRequest('POST', '/api/render', BUDGET_RENDER)));
  await pause(HOLD_MS);
  return {
    leave: () => clients.forEach(({ socket }) => socket.destroy()),
    note: () => {
      const answered = (status: number) => clients.filter(({ statuses }) => statuses().includes(status)).length;
      return `${count - answered(503)} admitted, ${answered(200)} of them answered within ${HOLD_MS / 1000} s`;
    },
  };
};

const CASES: [string, Record<string, string>, Parameters<typeof runCase>[2]][] = [
  ['8 largest renders in flight', {}, inFlight(8)],
  ['32 largest renders in flight', {}, inFlight(32)],
  ['64 largest renders in flight', {}, inFlight(64)],
  [
    '32 renders abandoned after 0.2 s',
    {},
    async (service) => {
      const clients = Array.from({ length: 32 }, () => client(service.port, rawRequest('POST', '/api/render', BUDGET_RENDER)));
      await pause(200);
      return {
        leave: () => clients.forEach(({ socket }) => socket.destroy()),
        note: async () => `${await metric(service, 'mandelbrot_render_requests_total', ',status="cancelled"')} counted cancelled`,
      };
    },
  ],
  [
    '20 renders pipelined on one connection',
    {},
    async (service) => {
      const pipelined = client(service.port, rawRequest('POST', '/api/render', BUDGET_RENDER).repeat(20));
      let admitted = 0;
      const until = Date.now() + HOLD_MS;
      while (Date.now() < until) {
        admitted = Math.max(admitted, await metric(service, 'mandelbrot_renders_admitted'));
        await pause(100);
      }
      return { leave: () => pipelined.socket.destroy(), note: () => `at most ${admitted} admitted at once` };
    },
  ],
  [
    '45 clients that never read 3.3 MB replies',
    {},
    async (service) => {
      let peakPending = 0;
      const clients: ReturnType<typeof client>[] = [];
      for (let index = 0; index < 45; index++) {
        // Two replies each: the kernel's socket buffers take the first, the second stays in the service.
        clients.push(client(service.port, rawRequest('POST', '/api/render', LARGE_REPLY).repeat(2), { read: false }));
        await pause(40);
        peakPending = Math.max(peakPending, await metric(service, 'mandelbrot_pending_reply_bytes'));
      }
      await pause(1000);
      return {
        leave: () => clients.forEach(({ socket }) => socket.destroy()),
        note: () => `pending replies peaked at ${(peakPending / 2 ** 20).toFixed(0)} MiB`,
      };
    },
  ],
  [
    '300 clients trickling bodies of almost 1 MiB',
    {},
    async (service) => {
      const declared = 1024 * 1024 - 1024;
      const head = `POST /api/render HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${declared}\r\n\r\n{"pad":"`;
      const body = Buffer.from(head + 'x'.repeat(declared - 4096));
      let peakBuffered = 0;
      const clients: ReturnType<typeof client>[] = [];
      for (let index = 0; index < 300; index++) {
        clients.push(client(service.port, body, { read: false }));
        if (index % 10 === 9) peakBuffered = Math.max(peakBuffered, await metric(service, 'mandelbrot_request_body_bytes'));
      }
      await pause(HOLD_MS);
      return {
        leave: () => clients.forEach(({ socket }) => socket.destroy()),
        note: () => `buffered bodies peaked at ${(peakBuffered / 2 ** 20).toFixed(0)} MiB`,
      };
    },
  ],
];

/** SIGTERM with the largest admitted render in flight: how it ends. */
async function sigtermCase(): Promise<string[]> {
  const service = await startService();
  const started = process.hrtime.bigint();
  const reply = fetch(`${service.url}/api/render`, { method: 'POST', body: BUDGET_RENDER }).then(async (response) => {
    await response.arrayBuffer();
    return response.status;
  });
  await pause(200);
  process.kill(service.pid, 'SIGTERM');
  const [status, code] = await Promise.all([reply.catch(() => 'none'), service.exited]);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return [`reply ${status}`, `exit code ${code}`, `${seconds.toFixed(2)} s from the request to the exit`];
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const percentile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

export async function run(): Promise<BenchTable[]> {
  const rows: string[][] = [];
  for (const [name, env, load] of CASES) {
    const result = await runCase(name, env, load);
    const sorted = [...result.probes.latencies].sort((a, b) => a - b);
    rows.push([
      result.name,
      ms(percentile(sorted, 0.5)),
      ms(percentile(sorted, 0.99)),
      ms(sorted.at(-1) ?? NaN),
      `${result.probes.failures} (${result.probes.longestRun >= FAILURE_THRESHOLD ? 'restart' : 'no restart'})`,
      `${result.peakRssMiB.toFixed(0)} MiB`,
      String(result.refused),
      `${result.cpuAfterLeft.toFixed(2)} s`,
      result.note,
    ]);
  }
  const sigterm = await sigtermCase();
  return [
    {
      id: 'service-load',
      title: `\`npm run test:load\`: the Mandelbrot service under hostile load, probes every ${PROBE_INTERVAL_MS} ms, timeout ${PROBE_TIMEOUT_MS} ms, failure threshold ${FAILURE_THRESHOLD}; memory limit ${MEMORY_LIMIT_MIB} MiB`,
      headings: ['case', 'probe p50', 'p99', 'max', 'probe failures', 'peak RSS', '503s', 'CPU after clients left', 'note'],
      rows,
      notes: [`SIGTERM with the largest admitted render in flight: ${sigterm.join(', ')}.`],
    },
  ];
}
