import { connect } from 'node:net';
import { metricValue, postJson, type RunningService, startLocalService } from './service-process.js';

const ONE_MB = 1024 * 1024;

/** Writes `text` to the service's port as it is, and returns all it answers until it closes. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += String(chunk)));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('bad requests never take the service down', () => {
  let service: RunningService;
  beforeAll(async () => {
    // The heavy band below takes seconds on a busy machine: its deadline is not what these tests are about.
    service = await startLocalService({ CLOUD: 'gcp', REGION: 'us-central1', STAGE_ROUTE: 'gcp', RENDER_DEADLINE_MS: '120000' });
  });
  afterAll(() => service.stop());

  const post = (path: string, body: string) =>
    fetch(`${service.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  test('malformed JSON gets 400, and so does JSON that is not an object', async () => {
    for (const [path, body] of [
      ['/api/render', '{"width": 10,'],
      ['/api/render', ''],
      ['/api/render', '[1, 2]'],
      ['/api/render', 'null'],
      ['/internal/render-stage', 'not json'],
    ] as const) {
      const response = await post(path, body);
      expect([path, body, response.status]).toEqual([path, body, 400]);
      expect(((await response.json()) as { error: string }).error).toMatch(/^(malformed JSON: .+|expected a JSON object)$/);
    }
  });

  test('a body over 1 MB gets 413, whether its length is declared or it streams', async () => {
    const declared = await post('/api/render', JSON.stringify({ padding: 'x'.repeat(ONE_MB) }));
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ error: `request body is larger than ${ONE_MB} bytes` });

    const chunk = new TextEncoder().encode(' '.repeat(64 * 1024));
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const streamed = await fetch(`${service.url}/api/render`, { method: 'POST', body: stream, duplex: 'half' });
    expect(streamed.status).toBe(413);

    // Exactly 1 MB is still accepted.
    const json = JSON.stringify({ width: 2, height: 2 });
    const atLimit = await post('/api/render', json + ' '.repeat(ONE_MB - json.length));
    expect(atLimit.status).toBe(200);
  });

  test('out-of-range and mistyped parameters are clamped or defaulted', async () => {
    const { status, body } = await postJson(`${service.url}/api/render`, {
      width: 100_000,
      height: -5,
      maxIterations: 1e12,
      view: { xMin: -1e9, xMax: 'wide', yMin: 0.5, yMax: 0.5 },
      routeMode: 'everywhere',
      failureMode: 42,
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ width: 1280, height: 1, maxIterations: 2000, routeMode: 'stages', failureMode: 'degraded' });
    expect(body.view.xMin).toBe(-4);
    expect(body.view.xMax).toBe(1);
    // An empty window is widened around its centre, not divided by zero.
    expect(body.view.yMax - body.view.yMin).toBeGreaterThan(0);
    expect((body.view.yMax + body.view.yMin) / 2).toBeCloseTo(0.5);
    expect(body.tiles[0].rowEnd - body.tiles[0].rowStart).toBe(1);

    const stage = await postJson(`${service.url}/internal/render-stage`, { width: 4, height: 4, rowStart: 99, rowEnd: -3 });
    expect(stage.status).toBe(200);
    expect(stage.body.tile).toMatchObject({ rowStart: 3, rowEnd: 4, status: 'ok' });
  });

  test('unknown paths get 404, known paths with the wrong method 405', async () => {
    for (const path of ['/nope', '/api', '/api/meta/extra', '/server.js', '/../package.json']) {
      expect([path, (await fetch(`${service.url}${path}`)).status]).toEqual([path, 404]);
    }
    const wrongMethod = await fetch(`${service.url}/api/render`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');

    // Targets a client library would normalize away; `//` once failed URL parsing with a 500.
    for (const target of ['//', '//healthz/x', '//x/healthz', '*']) {
      const answer = await rawExchange(service.port, `GET ${target} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n`);
      expect([target, answer.split('\r\n')[0]]).toEqual([target, 'HTTP/1.1 404 Not Found']);
    }
  });

  test('a request that is not HTTP gets 400', async () => {
    expect(await rawExchange(service.port, 'NOT HTTP AT ALL\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
  });

  test('a client that leaves in the middle of its body is refused, not logged as a failure of the service', async () => {
    const invalid = async () =>
      metricValue(await (await fetch(`${service.url}/metrics`)).text(), 'mandelbrot_render_requests_total', {
        cloud: 'gcp',
        region: 'us-central1',
        status: 'invalid',
      });
    const before = await invalid();
    const socket = connect(service.port, '127.0.0.1', () =>
      socket.write('POST /api/render HTTP/1.1\r\nhost: localhost\r\ncontent-length: 100\r\n\r\n{"width":', () => socket.destroy()),
    );
    while ((await invalid()) === before) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(service.output()).not.toContain('"msg":"request failed"');
  });

  test('/healthz keeps answering while a heavy band renders', async () => {
    // Inside a period-3 bulb: every pixel runs all 2000 iterations, about half a second of work.
    const band = {
      width: 1280,
      height: 960,
      maxIterations: 2000,
      view: { xMin: -0.1227, xMax: -0.1225, yMin: 0.7448, yMax: 0.745 },
      rowStart: 0,
      rowEnd: 50,
    };
    let rendered = false;
    const render = postJson(`${service.url}/internal/render-stage`, band).finally(() => (rendered = true));
    let answered = 0;
    // Probed every 20 ms, as a kubelet probes on a period: a tight loop would starve the render of CPU.
    for (let probe = 0; !rendered && probe < 6000; probe++) {
      expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
      answered++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const { status, body } = await render;
    expect(status).toBe(200);
    expect(body.tile.iterations).toBe(Buffer.from(new Uint16Array(1280 * 50).fill(2000).buffer).toString('base64'));
    // Rendered in one piece, the band would hold every probe off until it is done.
    expect(answered).toBeGreaterThanOrEqual(10);
  });

  test('afterwards /healthz still answers, and the refused renders were counted', async () => {
    const health = await fetch(`${service.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    // Four malformed bodies, two oversized ones and one left unfinished on /api/render.
    expect(metricValue(metrics, 'mandelbrot_render_requests_total', { cloud: 'gcp', region: 'us-central1', status: 'invalid' })).toBe(7);
  });
});
