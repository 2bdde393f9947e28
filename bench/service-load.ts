/**
 * The Mandelbrot service under hostile load, on loopback: each case starts a fresh service,
 * replays one kind of abuse for a bounded time, probes it all along as the kubelet would, and
 * reports what the pod would have suffered. Every count and every wait is bounded.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
/** More than the 2048 connections the service keeps open. */
const SILENT_CLIENTS = 2100;
/** The service's default HEADERS_TIMEOUT_MS. */
const HEADERS_TIMEOUT_MS = 10_000;
/** 33 bytes: 200,000 of them are 6.3 MiB. */
const SMALL_REQUEST = 'GET /healthz HTTP/1.1\r\nhost:a\r\n\r\n';
const FLOOD_REQUESTS = 200_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The prober, run in a process of its own so that the load generator's pauses do not count:
 * probes /healthz and /readyz on the probe port, as the kubelet does, and /api/meta on the
 * public port, as a public client would, every PROBE_INTERVAL_MS, each over a new connection,
 * until a line arrives on stdin; then prints the latencies (null for a failure: no 200 within
 * the timeout) as JSON, one array per endpoint.
 */
const PROBER = `
const http = require('node:http');
const [probePort, publicPort, interval, timeout] = process.argv.slice(1).map(Number);
let running = true;
process.stdin.once('data', () => (running = false));
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function probe(port, path) {
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
Promise.all([[probePort, '/healthz'], [probePort, '/readyz'], [publicPort, '/api/meta']].map(async ([port, path]) => {
  const results = [];
  while (running) results.push((await Promise.all([probe(port, path), pause(interval)]))[0]);
  return results;
})).then((results) => process.stdout.write(JSON.stringify(results)));
`;

interface ProbeRecord {
  /** Of the probes: /healthz and /readyz. */
  readonly latencies: number[];
  readonly failures: number;
  /** The longest run of failures of one probe: the kubelet acts at {@link FAILURE_THRESHOLD}. */
  readonly longestRun: number;
  /** Public /api/meta requests that got no 200 within the timeout, and how many were sent. */
  readonly publicFailures: number;
  readonly publicRequests: number;
}

/** Starts the prober process against `service`; `stop` ends it and summarizes what it saw. */
function startProbing(service: BenchService): { stop: () => Promise<ProbeRecord> } {
  const args = [service.probePort, service.port, PROBE_INTERVAL_MS, PROBE_TIMEOUT_MS].map(String);
  const child = spawn(process.execPath, ['-e', PROBER, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
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
      const [healthz = [], readyz = [], meta = []] = JSON.parse(output) as (number | null)[][];
      const endpoints = [healthz, readyz];
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
        publicFailures: meta.filter((latency) => latency === null).length,
        publicRequests: meta.length,
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
    const probing = startProbing(service);
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
  [`${SILENT_CLIENTS.toLocaleString('en')} connections that send nothing`, {}, silentConnections],
  [
    `the largest render, then ${FLOOD_REQUESTS.toLocaleString('en')} requests pipelined on one connection (${((SMALL_REQUEST.length * FLOOD_REQUESTS) / 2 ** 20).toFixed(1)} MiB)`,
    {},
    pipelineFlood,
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

/** The soft limit on open files of this process, which the service it starts inherits. */
function openFileLimit(): number {
  const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return line?.[1] === undefined || line[1] === 'unlimited' ? Infinity : Number(line[1]);
}

/**
 * {@link SILENT_CLIENTS} connections that send nothing and never close their side, held until the
 * service has closed them all, or its headers timeout plus 5 s.
 */
async function silentConnections(service: BenchService) {
  const started = Date.now();
  let closed = 0;
  let lastClosedMs = 0;
  const sockets = Array.from({ length: SILENT_CLIENTS }, () => {
    const socket = connect({ port: service.port, host: '127.0.0.1', allowHalfOpen: true });
    socket.on('error', () => {});
    socket.on('data', () => {});
    socket.once('end', () => {
      closed++;
      lastClosedMs = Date.now() - started;
    });
    return socket;
  });
  const until = started + HEADERS_TIMEOUT_MS + 5000;
  while (Date.now() < until && closed < SILENT_CLIENTS) await pause(100);
  return {
    leave: () => sockets.forEach((socket) => socket.destroy()),
    note: () => `${closed} of ${SILENT_CLIENTS} closed by the service, the last ${(lastClosedMs / 1000).toFixed(1)} s after they opened`,
  };
}

/** The largest render, then {@link FLOOD_REQUESTS} small requests pipelined behind it, for {@link HOLD_MS}. */
async function pipelineFlood(service: BenchService) {
  const started = Date.now();
  let closedMs: number | undefined;
  const flood = client(service.port, rawRequest('POST', '/api/render', BUDGET_RENDER) + SMALL_REQUEST.repeat(FLOOD_REQUESTS));
  flood.socket.once('close', () => (closedMs = Date.now() - started));
  await pause(HOLD_MS);
  return {
    leave: () => flood.socket.destroy(),
    note: () =>
      closedMs === undefined
        ? `connection still open after ${HOLD_MS / 1000} s, ${flood.statuses().length} replies`
        : `connection dropped by the service after ${closedMs} ms, ${flood.statuses().length} replies`,
  };
}

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

/**
 * SIGTERM with requests pipelined behind the largest admitted render: what each gets, and how
 * the connection and the process end.
 */
async function drainCase(): Promise<string[]> {
  const service = await startService();
  const started = process.hrtime.bigint();
  const render = rawRequest('POST', '/api/render', BUDGET_RENDER);
  const queued = [render, rawRequest('GET', '/healthz'), render, rawRequest('GET', '/api/meta')];
  const connection = client(service.port, render + queued.join(''));
  let ending = 'reset';
  connection.socket.once('end', () => (ending = 'closed cleanly'));
  const closed = new Promise((resolve) => connection.socket.once('close', resolve));
  await pause(200);
  process.kill(service.pid, 'SIGTERM');
  const [, code] = await Promise.all([closed, service.exited]);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return [
    `replies ${connection.statuses().join(', ')}`,
    `the connection ${ending}`,
    `exit code ${code}`,
    `${seconds.toFixed(2)} s to the exit`,
  ];
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const percentile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

export async function run(): Promise<BenchTable[]> {
  const rows: string[][] = [];
  const openFiles = openFileLimit();
  for (const [name, env, load] of CASES) {
    // The clients' sockets and the service's, in two processes with this limit each.
    if (load === silentConnections && openFiles < SILENT_CLIENTS + 256) {
      rows.push([name, ...Array<string>(8).fill('-'), `not run: \`ulimit -n\` is ${openFiles}; it needs ${SILENT_CLIENTS + 256}`]);
      continue;
    }
    const result = await runCase(name, env, load);
    const sorted = [...result.probes.latencies].sort((a, b) => a - b);
    rows.push([
      result.name,
      ms(percentile(sorted, 0.5)),
      ms(percentile(sorted, 0.99)),
      ms(sorted.at(-1) ?? NaN),
      `${result.probes.failures} (${result.probes.longestRun >= FAILURE_THRESHOLD ? 'restart' : 'no restart'})`,
      `${result.probes.publicFailures} of ${result.probes.publicRequests}`,
      `${result.peakRssMiB.toFixed(0)} MiB`,
      String(result.refused),
      `${result.cpuAfterLeft.toFixed(2)} s`,
      result.note,
    ]);
  }
  const sigterm = await sigtermCase();
  const drain = await drainCase();
  return [
    {
      id: 'service-load',
      title: `\`npm run test:load\`: the Mandelbrot service under hostile load, probes every ${PROBE_INTERVAL_MS} ms, timeout ${PROBE_TIMEOUT_MS} ms, failure threshold ${FAILURE_THRESHOLD}; memory limit ${MEMORY_LIMIT_MIB} MiB`,
      headings: [
        'case',
        'probe p50',
        'p99',
        'max',
        'probe failures',
        'public /api/meta failed',
        'peak RSS',
        '503s',
        'CPU after clients left',
        'note',
      ],
      rows,
      notes: [
        `SIGTERM with the largest admitted render in flight: ${sigterm.join(', ')}.`,
        `SIGTERM with two renders and two cheap requests pipelined behind it: ${drain.join(', ')}.`,
      ],
    },
  ];
}
