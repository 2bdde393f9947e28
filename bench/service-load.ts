/**
 * The Mandelbrot service under hostile load, on loopback: each case starts a fresh service,
 * replays one kind of abuse for a bounded time, probes it all along as the kubelet would, and
 * reports what the pod would have suffered. Every count and every wait is bounded.
 */
import { request } from 'node:http';
import { connect, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { printTable } from './measure.js';
import { BenchService, startService } from './render.js';

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

function rawRequest(method: string, path: string, body = ''): string {
  const length = body === '' ? '' : `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
  return `${method} ${path} HTTP/1.1\r\nhost: localhost\r\n${length}\r\n${body}`;
}

/** CPU seconds (user + system) and peak RSS of a process, from /proc. */
function processFigures(pid: number): { cpuSeconds: number; peakRssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const peak = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100, peakRssMiB: Number(peak![1]) / 1024 };
}

/** One probe as the kubelet sends it: a new connection, a GET, a deadline; the latency, or undefined on failure. */
function probeOnce(port: number, path: string): Promise<number | undefined> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: PROBE_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? Number(process.hrtime.bigint() - started) / 1e6 : undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

interface ProbeRecord {
  readonly latencies: number[];
  failures: number;
  /** The longest run of failures of one endpoint: the kubelet acts at {@link FAILURE_THRESHOLD}. */
  longestRun: number;
}

/** Probes /healthz, /readyz and /api/meta every {@link PROBE_INTERVAL_MS} until `stop` is called. */
function startProbing(port: number): { stop: () => Promise<ProbeRecord> } {
  const record: ProbeRecord = { latencies: [], failures: 0, longestRun: 0 };
  let running = true;
  const loops = ['/healthz', '/readyz', '/api/meta'].map(async (path) => {
    let run = 0;
    while (running) {
      const [latency] = await Promise.all([probeOnce(port, path), pause(PROBE_INTERVAL_MS)]);
      if (latency === undefined) {
        record.failures++;
        record.longestRun = Math.max(record.longestRun, ++run);
      } else {
        record.latencies.push(latency);
        run = 0;
      }
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return record;
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
    if ((await metric(service, 'mandelbrot_renders_admitted')) === 0 && (await metric(service, 'mandelbrot_render_workers_busy')) === 0) break;
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
async function runCase(name: string, env: Record<string, string>, load: (service: BenchService) => Promise<{ leave: () => void; note: () => Promise<string> }>): Promise<CaseResult> {
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
    note: async () => `${clients.filter(({ statuses }) => statuses().includes(200)).length} answered 200 within ${HOLD_MS / 1000} s`,
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
      return { leave: () => pipelined.socket.destroy(), note: async () => `at most ${admitted} admitted at once` };
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
        note: async () => `pending replies peaked at ${(peakPending / 2 ** 20).toFixed(0)} MiB`,
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
        note: async () => `buffered bodies peaked at ${(peakBuffered / 2 ** 20).toFixed(0)} MiB`,
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
const percentile = (sorted: readonly number[], q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);

export async function run(): Promise<void> {
  const rows: string[][] = [];
  for (const [name, env, load] of CASES) {
    const result = await runCase(name, env, load);
    const sorted = [...result.probes.latencies].sort((a, b) => a - b);
    rows.push([
      result.name,
      ms(percentile(sorted, 0.5)),
      ms(percentile(sorted, 0.99)),
      ms(sorted[sorted.length - 1]),
      `${result.probes.failures} (${result.probes.longestRun >= FAILURE_THRESHOLD ? 'restart' : 'no restart'})`,
      `${result.peakRssMiB.toFixed(0)} MiB`,
      String(result.refused),
      `${result.cpuAfterLeft.toFixed(2)} s`,
      result.note,
    ]);
  }
  console.log(`\nMandelbrot service under hostile load (probes every ${PROBE_INTERVAL_MS} ms, timeout ${PROBE_TIMEOUT_MS} ms, failure threshold ${FAILURE_THRESHOLD}; memory limit ${MEMORY_LIMIT_MIB} MiB)`);
  printTable(['case', 'probe p50', 'p99', 'max', 'probe failures', 'peak RSS', '503s', 'CPU after clients left', 'note'], rows);
  console.log(`\nSIGTERM with the largest admitted render in flight: ${(await sigtermCase()).join(', ')}`);
}
