import { connect, type Socket } from 'node:net';
import {
  BUDGET_RENDER,
  metricsText,
  metricValue,
  processFigures,
  rawRequest,
  type RunningService,
  settlesWithin,
  startLocalService,
  waitFor,
} from './service-process.js';

const LABELS = { cloud: 'aws', region: 'us-east-1' };
// One worker and one queued render: the third render in flight is one too many.
const ENV = { CLOUD: 'aws', REGION: 'us-east-1', STAGE_ROUTE: 'aws', RENDER_WORKERS: '1', RENDER_QUEUE: '1' };

/** Kubernetes' default probe: an answer within timeoutSeconds 1, with a 2xx status. */
async function probe(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Sends `text` on a new connection and keeps the connection; what arrives collects in `received()`. */
function openConnection(port: number, text: string): { socket: Socket; received: () => string; closed: Promise<void> } {
  let received = '';
  const socket = connect(port, '127.0.0.1', () => socket.write(text));
  socket.on('data', (chunk) => (received += String(chunk)));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, received: () => received, closed };
}

const gauge = (text: string, name: string) => metricValue(text, name, LABELS);
const statuses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
/** The requests that may wait on a connection behind the one being answered. */
const PIPELINE_DEPTH = 16;
/** The container's memory limit, and the margin the service keeps below it. */
const WITH_MARGIN_MIB = 384 * 0.75;

describe('1. admission control: rendering is limited', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startLocalService(ENV);
  });
  afterAll(() => service.stop());

  test('renders past the workers and the queue get 503 with Retry-After, while every probe answers', async () => {
    const clients = Array.from({ length: 6 }, () => new AbortController());
    const renders = clients.map((client) =>
      fetch(`${service.url}/api/render`, { method: 'POST', body: JSON.stringify(BUDGET_RENDER), signal: client.signal }).catch(
        () => undefined,
      ),
    );
    try {
      await waitFor('two renders admitted', async () => gauge(await metricsText(service), 'mandelbrot_renders_admitted') === 2);
      const probes: boolean[] = [];
      for (let round = 0; round < 10; round++) {
        for (const path of ['/healthz', '/readyz', '/api/meta']) probes.push(await probe(`${service.url}${path}`));
      }
      expect(probes.filter((ok) => !ok)).toEqual([]);

      const refusals = (await Promise.all(renders.slice(2))).map((response) => [response?.status, response?.headers.get('retry-after')]);
      expect(refusals).toEqual(Array(4).fill([503, '2']));
      const text = await metricsText(service);
      expect(metricValue(text, 'mandelbrot_refusals_total', { ...LABELS, reason: 'queue_full' })).toBe(4);
      expect(metricValue(text, 'mandelbrot_render_requests_total', { ...LABELS, status: 'refused' })).toBe(4);
    } finally {
      for (const client of clients) client.abort();
    }
    await waitFor('the abandoned renders to stop', async () => gauge(await metricsText(service), 'mandelbrot_renders_admitted') === 0);
  });

  test('a render over the work budget is refused with 422, and the answer names the ceiling', async () => {
    const largest = { ...BUDGET_RENDER, maxIterations: 2000 };
    const response = await fetch(`${service.url}/api/render`, { method: 'POST', body: JSON.stringify(largest) });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { error: string }).error).toBe(
      'work budget exceeded: 1280 x 960 pixels x 2000 iterations is 2457600000; at most 300000000',
    );

    const band = { ...largest, rowStart: 0, rowEnd: 960 };
    expect((await fetch(`${service.url}/internal/render-stage`, { method: 'POST', body: JSON.stringify(band) })).status).toBe(422);
    // A band is charged for its own rows only.
    const smallBand = { ...band, rowStart: 0, rowEnd: 2, maxIterations: 50 };
    expect((await fetch(`${service.url}/internal/render-stage`, { method: 'POST', body: JSON.stringify(smallBand) })).status).toBe(200);
    expect(metricValue(await metricsText(service), 'mandelbrot_refusals_total', { ...LABELS, reason: 'work_budget' })).toBe(2);
  });
});

describe('3. pipelining', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startLocalService(ENV);
  });
  afterAll(() => service.stop());

  test('pipelined renders on one connection run one at a time, so they cannot multiply the work', async () => {
    const render = rawRequest('POST', '/api/render', JSON.stringify({ ...BUDGET_RENDER, height: 480 }));
    const connection = openConnection(service.port, render.repeat(5));
    try {
      await waitFor('the first render to start', async () => gauge(await metricsText(service), 'mandelbrot_render_workers_busy') === 1);
      for (let sample = 0; sample < 5; sample++) {
        const text = await metricsText(service);
        expect([gauge(text, 'mandelbrot_renders_admitted'), gauge(text, 'mandelbrot_render_queue_length')]).toEqual([1, 0]);
      }
      // The connection holds one admission slot; another client still gets the second.
      const other = await fetch(`${service.url}/api/render`, { method: 'POST', body: JSON.stringify({ width: 4, height: 4 }) });
      expect(other.status).toBe(200);
    } finally {
      connection.socket.destroy();
    }
    await waitFor('the pipelined render to be cancelled', async () => {
      const text = await metricsText(service);
      return (
        metricValue(text, 'mandelbrot_render_requests_total', { ...LABELS, status: 'cancelled' }) === 1 &&
        gauge(text, 'mandelbrot_renders_admitted') === 0
      );
    });
  });

  test(`at most ${PIPELINE_DEPTH} requests wait behind a render: the next gets 503 in its turn, and the connection closes after it`, async () => {
    const render = rawRequest('POST', '/api/render', JSON.stringify({ ...BUDGET_RENDER, height: 120 }));
    const connection = openConnection(service.port, render + rawRequest('GET', '/api/meta').repeat(PIPELINE_DEPTH + 4));
    await connection.closed;
    expect(statuses(connection.received())).toEqual([200, ...Array(PIPELINE_DEPTH).fill(200), 503]);
    expect(connection.received()).toContain(`"error":"at most ${PIPELINE_DEPTH} requests may wait on a connection"`);
    expect(metricValue(await metricsText(service), 'mandelbrot_dropped_connections_total', { ...LABELS, reason: 'pipeline_depth' })).toBe(
      1,
    );
  });

  test('200,000 requests pipelined behind a render drop the connection at once, and memory stays bounded', async () => {
    const render = rawRequest('POST', '/api/render', JSON.stringify(BUDGET_RENDER));
    // 33 bytes each, 6.3 MiB in all.
    const flood = Buffer.from(render + 'GET /healthz HTTP/1.1\r\nhost:a\r\n\r\n'.repeat(200_000));
    const connection = openConnection(service.port, '');
    connection.socket.write(flood);
    try {
      expect(await settlesWithin(connection.closed, 5000)).toBe(true);
      expect(statuses(connection.received())).toEqual([]);
      const text = await metricsText(service);
      expect(metricValue(text, 'mandelbrot_dropped_connections_total', { ...LABELS, reason: 'pipeline_flood' })).toBe(1);
      expect((await fetch(`${service.probeUrl}/healthz`, { signal: AbortSignal.timeout(1000) })).status).toBe(200);
      expect(processFigures(service.pid).peakRssMiB).toBeLessThan(WITH_MARGIN_MIB);
    } finally {
      connection.socket.destroy();
    }
    await waitFor('the abandoned render to stop', async () => gauge(await metricsText(service), 'mandelbrot_renders_admitted') === 0);
  });

  test('a render followed by garbage gets its reply first, then a 400', async () => {
    const body = JSON.stringify({ width: 8, height: 4, maxIterations: 10 });
    const connection = openConnection(
      service.port,
      rawRequest('POST', '/api/render', body) + rawRequest('GET', '/healthz') + 'GARBAGE\r\n\r\n',
    );
    await connection.closed;
    const answers = connection.received().match(/HTTP\/1\.1 \d+/g);
    expect(answers).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 400']);
    expect(connection.received()).toContain('"status":"ok"');
  });
});
