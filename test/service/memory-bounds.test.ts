import { connect, type Socket } from 'node:net';
import {
  metricsText,
  metricValue,
  processFigures,
  rawRequest,
  type RunningService,
  startLocalService,
  waitFor,
} from './service-process.js';

const LABELS = { cloud: 'aws', region: 'us-east-1' };
const ENV = { CLOUD: 'aws', REGION: 'us-east-1', STAGE_ROUTE: 'aws,gcp,azure', RENDER_WORKERS: '1' };
/** The container's memory limit, and the margin the service keeps below it. */
const MEMORY_LIMIT_MIB = 384;
const WITH_MARGIN_MIB = MEMORY_LIMIT_MIB * 0.75;

/** Opens `count` connections that each send `text` and then read nothing. */
function silentClients(port: number, count: number, text: string): Socket[] {
  return Array.from({ length: count }, () => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.pause();
      socket.write(text);
    });
    socket.on('error', () => {});
    return socket;
  });
}

describe('4. replies nobody reads', () => {
  let service: RunningService;
  beforeAll(async () => {
    // Long enough that the replies of five clients pile up past the cap before the first is
    // dropped, with the other jest workers busy beside it: 1.5 s was not, at times.
    service = await startLocalService({ ...ENV, WRITE_TIMEOUT_MS: '4000', REPLY_BUFFER_MIB: '16' });
  });
  afterAll(() => service.stop());

  test('are capped across connections, then dropped at the write timeout with their memory', async () => {
    // Cheap to render, 3.3 MB to send: 1280x960 at one iteration. The socket's kernel buffers
    // take the first reply of a connection; the second stays with the service.
    const render = rawRequest('POST', '/api/render', JSON.stringify({ width: 1280, height: 960, maxIterations: 1, routeMode: 'local' }));
    const clients: Socket[] = [];
    try {
      let peakPending = 0;
      let text = '';
      const count = (status: string) => metricValue(text, 'mandelbrot_render_requests_total', { ...LABELS, status });
      // One client after another: the replies pile up, not the renders.
      for (let client = 1; client <= 15; client++) {
        const [ok, refused] = [count('ok'), count('refused')];
        clients.push(...silentClients(service.port, 1, render.repeat(2)));
        await waitFor(`client ${client} answered or refused`, async () => {
          text = await metricsText(service);
          peakPending = Math.max(peakPending, metricValue(text, 'mandelbrot_pending_reply_bytes', LABELS));
          return count('ok') === ok + 2 || count('refused') > refused;
        });
      }
      expect(metricValue(text, 'mandelbrot_refusals_total', { ...LABELS, reason: 'reply_bytes' })).toBeGreaterThan(0);
      // The cap, plus the replies of renders admitted before it was reached.
      expect(peakPending).toBeLessThan(16 * 1024 * 1024 + 2 * 3.3e6);

      const dropped = await waitFor('the write timeout to drop the silent clients', async () => {
        const text = await metricsText(service);
        return metricValue(text, 'mandelbrot_pending_reply_bytes', LABELS) === 0 ? text : undefined;
      });
      expect(metricValue(dropped, 'mandelbrot_dropped_connections_total', { ...LABELS, reason: 'write_timeout' })).toBeGreaterThan(0);
      expect(processFigures(service.pid).peakRssMiB).toBeLessThan(WITH_MARGIN_MIB);
    } finally {
      for (const client of clients) client.destroy();
    }
  });
});

describe('5. slow bodies', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startLocalService({ ...ENV, BODY_TIMEOUT_MS: '1500' });
  });
  afterAll(() => service.stop());

  test('are capped across connections, then dropped at the body timeout with their memory', async () => {
    // Each client declares a body of almost 1 MiB, sends all but the last bytes, and stalls.
    const declared = 1024 * 1024 - 1024;
    const head = `POST /api/render HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${declared}\r\n\r\n{"width":8,"pad":"`;
    // 48 of them hold 48 MiB, past the 32 MiB cap.
    const CLIENTS = 48;
    const clients = silentClients(service.port, CLIENTS, head + 'x'.repeat(declared - 4096));
    try {
      let peakBuffered = 0;
      await waitFor('the cap to turn bodies away', async () => {
        const text = await metricsText(service);
        peakBuffered = Math.max(peakBuffered, metricValue(text, 'mandelbrot_request_body_bytes', LABELS));
        return metricValue(text, 'mandelbrot_refusals_total', { ...LABELS, reason: 'body_bytes' }) > 0;
      });
      const text = await waitFor('the body timeout to free every buffer', async () => {
        const text = await metricsText(service);
        peakBuffered = Math.max(peakBuffered, metricValue(text, 'mandelbrot_request_body_bytes', LABELS));
        return metricValue(text, 'mandelbrot_request_body_bytes', LABELS) === 0 &&
          metricValue(text, 'mandelbrot_render_requests_total', { ...LABELS, status: 'invalid' }) > 0
          ? text
          : undefined;
      });
      expect(peakBuffered).toBeLessThanOrEqual(32 * 1024 * 1024);
      // Every client was either turned away by the cap or timed out.
      const refused = metricValue(text, 'mandelbrot_render_requests_total', { ...LABELS, status: 'refused' });
      const timedOut = metricValue(text, 'mandelbrot_render_requests_total', { ...LABELS, status: 'invalid' });
      expect(refused + timedOut).toBe(CLIENTS);
      expect(processFigures(service.pid).peakRssMiB).toBeLessThan(WITH_MARGIN_MIB);
    } finally {
      for (const client of clients) client.destroy();
    }
  });
});

describe('headers that never end', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startLocalService({ ...ENV, HEADERS_TIMEOUT_MS: '500' });
  });
  afterAll(() => service.stop());

  test('are answered 408 and the connection closed at the headers timeout', async () => {
    let received = '';
    const socket = connect(service.port, '127.0.0.1', () => socket.write('POST /api/render HTTP/1.1\r\nhost: localhost\r\nx-slow: '));
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    await new Promise((resolve) => socket.once('close', resolve));
    expect(received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(metricValue(await metricsText(service), 'mandelbrot_dropped_connections_total', { ...LABELS, reason: 'headers_timeout' })).toBe(
      1,
    );
  });
});
