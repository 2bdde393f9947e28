import { connect } from 'node:net';
import { metricValue, postJson, RunningService, startLocalService } from './service-process.js';

const ONE_MB = 1024 * 1024;

describe('bad requests never take the service down', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startLocalService({ CLOUD: 'gcp', REGION: 'us-central1', STAGE_ROUTE: 'gcp' });
  });
  afterAll(() => service.stop());

  const post = (path: string, body: BodyInit) => fetch(`${service.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  test('malformed JSON gets 400, and so does JSON that is not an object', async () => {
    for (const [path, body] of [
      ['/api/render', '{"width": 10,'],
      ['/api/render', ''],
      ['/api/render', '[1, 2]'],
      ['/api/render', 'null'],
      ['/internal/render-stage', 'not json'],
    ]) {
      const response = await post(path, body);
      expect([path, body, response.status]).toEqual([path, body, 400]);
      expect((await response.json()).error).toMatch(/^(malformed JSON: .+|expected a JSON object)$/);
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
    const streamed = await fetch(`${service.url}/api/render`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
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
  });

  test('a request that is not HTTP gets 400', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(service.port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  });

  test('afterwards /healthz still answers, and the refused renders were counted', async () => {
    const health = await fetch(`${service.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    // Four malformed bodies and two oversized ones on /api/render.
    expect(metricValue(metrics, 'mandelbrot_render_requests_total', { cloud: 'gcp', region: 'us-central1', status: 'invalid' })).toBe(6);
  });
});
