import { connect } from 'node:net';
import {
  BUDGET_RENDER,
  metricsText,
  metricValue,
  postJson,
  rawRequest,
  settlesWithin,
  startLocalService,
  waitFor,
} from './service-process.js';

const ENV = { CLOUD: 'aws', REGION: 'us-east-1', STAGE_ROUTE: 'aws,gcp,azure', RENDER_WORKERS: '1' };
const LABELS = { cloud: 'aws', region: 'us-east-1' };

const busy = async (url: string) =>
  metricValue(await (await fetch(`${url}/metrics`)).text(), 'mandelbrot_render_workers_busy', LABELS) === 1;

describe('6. shutdown', () => {
  test('SIGTERM stops accepting, lets the render in flight answer, then exits 0', async () => {
    const service = await startLocalService(ENV);
    try {
      // About half the work budget: a few tenths of a second.
      const render = postJson(`${service.url}/api/render`, { ...BUDGET_RENDER, height: 400 });
      await waitFor('the render to start', () => busy(service.url));
      process.kill(service.pid, 'SIGTERM');
      await waitFor('new connections to be refused', () =>
        fetch(`${service.url}/healthz`).then(
          () => false,
          () => true,
        ),
      );

      const { status, body } = await render;
      expect(status).toBe(200);
      expect(body.tiles.map((tile: any) => tile.status)).toEqual(['ok', 'ok', 'ok']);
      expect(await service.exited).toBe(0);
      expect(service.output()).toContain('"msg":"drained"');
    } finally {
      await service.stop();
    }
  });

  test('fails if the drain is cut short: a render still in flight at the drain timeout means exit code 1', async () => {
    const service = await startLocalService({ ...ENV, DRAIN_TIMEOUT_MS: '200' });
    try {
      const client = new AbortController();
      fetch(`${service.url}/api/render`, { method: 'POST', body: JSON.stringify(BUDGET_RENDER), signal: client.signal }).catch(() => {});
      await waitFor('the render to start', () => busy(service.url));
      process.kill(service.pid, 'SIGTERM');
      expect(await service.exited).toBe(1);
      expect(service.output()).toMatch(/"msg":"drain forced","inFlight":1/);
      client.abort();
    } finally {
      await service.stop();
    }
  });

  test('renders admitted before SIGTERM are answered, also the one still queued', async () => {
    const service = await startLocalService(ENV);
    try {
      const renders = [0, 1].map(() => postJson(`${service.url}/api/render`, { ...BUDGET_RENDER, height: 300 }));
      await waitFor(
        'one render running and one queued',
        async () => metricValue(await metricsText(service), 'mandelbrot_renders_admitted', LABELS) === 2,
      );
      process.kill(service.pid, 'SIGTERM');
      expect((await Promise.all(renders)).map(({ status }) => status)).toEqual([200, 200]);
      expect(await service.exited).toBe(0);
    } finally {
      await service.stop();
    }
  });

  test('while draining, requests already on a connection are answered: readiness fails, a new render gets 503', async () => {
    const service = await startLocalService(ENV);
    try {
      // Pipelined behind a running render, so they are handled after SIGTERM.
      const render = rawRequest('POST', '/api/render', JSON.stringify({ ...BUDGET_RENDER, height: 300 }));
      const socket = connect(service.port, '127.0.0.1', () => socket.write(render + rawRequest('GET', '/readyz') + render));
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      await waitFor('the render to start', () => busy(service.url));
      process.kill(service.pid, 'SIGTERM');
      await new Promise((resolve) => socket.once('close', resolve));
      expect(received.match(/HTTP\/1\.1 \d+/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 503', 'HTTP/1.1 503']);
      expect(received).toContain('{"status":"not ready","reason":"shutting down"}');
      expect(received).toContain('retry-after: 2');
      expect(await service.exited).toBe(0);
    } finally {
      await service.stop();
    }
  });

  test('while draining, every request queued on a connection is answered or refused in turn, and the connection ends cleanly', async () => {
    const service = await startLocalService({ ...ENV, DRAIN_TIMEOUT_MS: '8000' });
    try {
      const render = rawRequest('POST', '/api/render', JSON.stringify({ ...BUDGET_RENDER, height: 300 }));
      const queued = [render, rawRequest('GET', '/healthz'), render, rawRequest('GET', '/api/meta')];
      const socket = connect(service.port, '127.0.0.1', () => socket.write(render + queued.join('')));
      let received = '';
      let reset: unknown;
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.on('error', (error) => (reset = error));
      let ended = false;
      socket.once('end', () => (ended = true));
      await waitFor('the render to start', () => busy(service.url));
      process.kill(service.pid, 'SIGTERM');
      await new Promise((resolve) => socket.once('close', resolve));
      expect(reset).toBeUndefined();
      expect(ended).toBe(true);
      expect(received.match(/HTTP\/1\.1 \d+/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 503', 'HTTP/1.1 200', 'HTTP/1.1 503', 'HTTP/1.1 200']);
      // Well before the drain timeout: nothing was left waiting.
      expect(await settlesWithin(service.exited, 4000)).toBe(true);
      expect(await service.exited).toBe(0);
    } finally {
      await service.stop();
    }
  });
});
