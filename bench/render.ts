import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { median } from './measure.js';
import type { BenchTable } from './report.js';

export const SERVICE_DIR = join(process.cwd(), 'services', 'mandelbrot');
const WIDTH = 480;
const HEIGHT = 300;
const MAX_ITERATIONS = 180;
const RENDER_RUNS = 15;
const START_RUNS = 9;

/** Two views: the whole set, where the cardioid test skips much of the work, and a deep zoom, where it skips none. */
const VIEWS = {
  'whole set': { xMin: -2.5, xMax: 1, yMin: -1.09375, yMax: 1.09375 },
  'seahorse valley zoom': { xMin: -0.7736, xMax: -0.7136, yMin: 0.1131, yMax: 0.1506 },
};

interface RenderModule {
  renderRows(frame: object, rowStart: number, rowEnd: number): Uint16Array;
}

const secondsSince = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;
const pixelsPerSecond = (seconds: number) => `${((WIDTH * HEIGHT) / seconds / 1e6).toFixed(2)} M px/s`;

export interface BenchService {
  readonly url: string;
  readonly port: number;
  /** The probe listener's port: `/healthz` and `/readyz`, as the kubelet reaches them. */
  readonly probePort: number;
  readonly pid: number;
  /** Spawn to the listening log line. */
  readonly seconds: number;
  /** The exit code, once the process has exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, and the exit. */
  stop(): Promise<void>;
}

/** Starts `node server.js` on free ports, with `env` added; resolves once it logs that it listens. */
export function startService(env: Readonly<Record<string, string>> = {}): Promise<BenchService> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [join(SERVICE_DIR, 'server.js')], {
    env: { PORT: '0', PROBE_PORT: '0', CLOUD: 'aws', REGION: 'us-east-1', STAGE_ROUTE: 'aws,gcp,azure', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let output = '';
    child.once('exit', (code) => reject(new Error(`the service exited with ${code}:\n${output}`)));
    child.stdout.on('data', (chunk) => {
      output += String(chunk);
      const line = output.split('\n').find((text) => text.includes('"msg":"listening"'));
      if (!line) return;
      const seconds = secondsSince(started);
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      const { port, probePort } = JSON.parse(line) as { port: number; probePort: number };
      const stop = async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      };
      resolve({ url: `http://127.0.0.1:${port}`, port, probePort, pid: child.pid!, seconds, exited, stop });
    });
  });
}

/** Median seconds of `runs` calls of `render`, after one warm-up call. */
async function timeRuns(runs: number, render: () => unknown): Promise<number> {
  await render();
  const seconds: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = process.hrtime.bigint();
    await render();
    seconds.push(secondsSince(started));
  }
  return median(seconds);
}

/**
 * Render throughput of a 480x300 frame at 180 iterations: in process (the render function
 * alone) and through `POST /api/render` (all three bands rendered locally, plus JSON and
 * base64); and the service's start-up time, from spawning node to its listening log line.
 */
export async function run(): Promise<BenchTable[]> {
  const render = createRequire(join(SERVICE_DIR, 'package.json'))('./render.js') as RenderModule;

  const startSeconds: number[] = [];
  for (let run = 0; run < START_RUNS; run++) {
    const service = await startService();
    startSeconds.push(service.seconds);
    await service.stop();
  }

  const service = await startService();
  const rows: string[][] = [];
  try {
    for (const [name, view] of Object.entries(VIEWS)) {
      const frame = { width: WIDTH, height: HEIGHT, maxIterations: MAX_ITERATIONS, view };
      const inProcess = await timeRuns(RENDER_RUNS, () => render.renderRows(frame, 0, HEIGHT));
      const overHttp = await timeRuns(RENDER_RUNS, async () => {
        const response = await fetch(`${service.url}/api/render`, {
          method: 'POST',
          body: JSON.stringify({ ...frame, routeMode: 'local' }),
        });
        if (!response.ok) throw new Error(`POST /api/render answered ${response.status}`);
        await response.arrayBuffer();
      });
      rows.push([
        name,
        `${(inProcess * 1000).toFixed(1)} ms`,
        pixelsPerSecond(inProcess),
        `${(overHttp * 1000).toFixed(1)} ms`,
        pixelsPerSecond(overHttp),
      ]);
    }
  } finally {
    await service.stop();
  }

  return [
    {
      id: 'render',
      title: `\`npm run bench -- render\`: a Mandelbrot frame of ${WIDTH}x${HEIGHT} at ${MAX_ITERATIONS} iterations, median of ${RENDER_RUNS} runs`,
      headings: ['view', 'render()', 'throughput', 'POST /api/render', 'throughput'],
      rows,
    },
    {
      id: 'service-start',
      title: `\`npm run bench -- render\`: the service's start-up, from spawning \`node server.js\` to its listening log line, ${START_RUNS} runs`,
      headings: ['median', 'fastest', 'slowest'],
      rows: [
        [
          `${(median(startSeconds) * 1000).toFixed(0)} ms`,
          `${(Math.min(...startSeconds) * 1000).toFixed(0)} ms`,
          `${(Math.max(...startSeconds) * 1000).toFixed(0)} ms`,
        ],
      ],
    },
  ];
}
