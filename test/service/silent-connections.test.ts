import { get as httpGet } from 'node:http';
import { connect, type Socket } from 'node:net';
import { metricValue, type RunningService, settlesWithin, startLocalService, waitFor } from './service-process.js';

const LABELS = { cloud: 'aws', region: 'us-east-1' };
const ENV = { CLOUD: 'aws', REGION: 'us-east-1', STAGE_ROUTE: 'aws' };
/**
 * The public listener's cap, lowered from its 2048 (`MAX_CONNECTIONS`) so the test needs few
 * sockets; `npm run bench -- service-load` runs the same case at the default with 2,100 clients.
 */
const MAX_CONNECTIONS = 200;
/** More than the public listener keeps open. */
const SILENT_CLIENTS = 230;

/**
 * A connection that sends nothing and never closes its side; `ended` resolves when the service
 * closes its own, and `received()` is what it sent before.
 */
function silentClient(port: number): { socket: Socket; connected: Promise<void>; ended: Promise<void>; received: () => string } {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('error', () => {});
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()));
  return { socket, connected, ended, received: () => received };
}

/**
 * `count` silent clients, opened in batches the listen backlog (511) holds, each batch accepted
 * by the service before the next while its metrics can still be read. Opened at once, the
 * connections past the backlog would wait in the kernel, unaccepted, for seconds.
 */
async function silentClients(service: RunningService, count: number): Promise<ReturnType<typeof silentClient>[]> {
  const BATCH = 64;
  const clients: ReturnType<typeof silentClient>[] = [];
  while (clients.length < count) {
    const batch = Array.from({ length: Math.min(BATCH, count - clients.length) }, () => silentClient(service.port));
    await Promise.all(batch.map(({ connected }) => connected));
    clients.push(...batch);
    // The metrics request takes a place of its own: only while one is left.
    if (clients.length + BATCH <= MAX_CONNECTIONS)
      await waitFor(
        `the service to accept ${clients.length} connections`,
        async () => metricValue(await metricsOnce(service), 'mandelbrot_open_connections', LABELS) >= clients.length,
      );
  }
  return clients;
}

/**
 * A GET over a connection of its own, closed after the answer, as the kubelet probes: the status
 * and body, or undefined without an answer within 1 s. Never a pooled connection, which would
 * hold a place among the service's connections, and answer where a new one is refused.
 */
function request(url: string): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const outgoing = httpGet(url, { agent: false, timeout: 1000, headers: { connection: 'close' } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', () => resolve(undefined));
    });
    outgoing.on('timeout', () => outgoing.destroy());
    outgoing.on('error', () => resolve(undefined));
  });
}

const get = async (url: string) => (await request(url))?.status;
/** The service's /metrics text, over a connection that closes after it. */
const metricsOnce = async (service: RunningService) => (await request(`${service.url}/metrics`))?.body ?? '';

describe('a silent connection', () => {
  const HEADERS_TIMEOUT_MS = 500;
  let service: RunningService;
  beforeAll(async () => {
    service = await startLocalService({ ...ENV, HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS) });
  });
  afterAll(() => service.stop());

  test('that sends nothing gets 408 and is closed at the headers timeout', async () => {
    const client = silentClient(service.port);
    const started = Date.now();
    try {
      await client.connected;
      expect(await settlesWithin(client.ended, HEADERS_TIMEOUT_MS + 3000)).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
      expect(client.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      const text = await metricsOnce(service);
      expect(metricValue(text, 'mandelbrot_dropped_connections_total', { ...LABELS, reason: 'headers_timeout' })).toBe(1);
      // The client keeps its side open; the service closes the connection anyway: only the metrics request's own is left.
      await waitFor(
        'the connection to be closed',
        async () => metricValue(await metricsOnce(service), 'mandelbrot_open_connections', LABELS) <= 1,
      );
    } finally {
      client.socket.destroy();
    }
  });
});

describe('the probe listener', () => {
  // Long enough for the machine to open every silent connection before the first is closed, with
  // the other jest workers busy beside it.
  const HEADERS_TIMEOUT_MS = 4000;
  let service: RunningService;
  beforeAll(async () => {
    service = await startLocalService({
      ...ENV,
      HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      MAX_CONNECTIONS: String(MAX_CONNECTIONS),
    });
  });
  afterAll(() => service.stop());

  test(`${SILENT_CLIENTS} silent connections lock public clients out only until the headers timeout, and never the probes`, async () => {
    const clients = await silentClients(service, SILENT_CLIENTS);
    try {
      // The kernel completes connections before the service accepts them; those past its limit it closes at once.
      let closedAtOnce = 0;
      for (const { ended } of clients) void ended.then(() => closedAtOnce++);
      await waitFor('the service to accept every connection', () => closedAtOnce >= SILENT_CLIENTS - MAX_CONNECTIONS);
      const openedAt = Date.now();
      // Every place among the public listener's connections is taken: a new one is closed at once.
      expect(await get(`${service.url}/api/meta`)).toBeUndefined();
      // The probes have a listener of their own.
      for (let round = 0; round < 3; round++) {
        expect([await get(`${service.probeUrl}/healthz`), await get(`${service.probeUrl}/readyz`)]).toEqual([200, 200]);
      }
      expect(Date.now() - openedAt).toBeLessThan(HEADERS_TIMEOUT_MS);

      // The service closes them, and not only its side: none of them is left to hold a place.
      await Promise.all(clients.map(({ ended }) => ended));
      await waitFor('a public client to be answered again', async () => (await get(`${service.url}/api/meta`)) === 200);
    } finally {
      for (const { socket } of clients) socket.destroy();
    }
  });

  test('serves the probes and nothing else', async () => {
    expect(await get(`${service.probeUrl}/healthz`)).toBe(200);
    expect(await get(`${service.probeUrl}/api/meta`)).toBe(404);
    expect(await get(`${service.probeUrl}/metrics`)).toBe(404);
    expect(await get(`${service.probeUrl}/`)).toBe(404);
  });
});
