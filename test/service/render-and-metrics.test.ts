import { metricValue, postJson, type RunningService, startLocalService, tileIterations } from './service-process.js';

const AWS = { CLOUD: 'aws', REGION: 'us-east-1', MANDELBROT_RELEASE: 'render-check', STAGE_ROUTE: 'aws,gcp,azure' };
const LABELS = { cloud: 'aws', region: 'us-east-1' };

// A 30x20 frame of [-2, 1] x [-1, 1]: pixel centres fall on multiples of 0.1 plus 0.05.
const FRAME = { width: 30, height: 20, maxIterations: 64, view: { xMin: -2, xMax: 1, yMin: -1, yMax: 1 } };

/** Escape iterations of one point, the textbook way: the reference the service must match. */
function referenceIterations(cx: number, cy: number, maxIterations: number): number {
  let zx = 0;
  let zy = 0;
  let n = 0;
  while (n < maxIterations && zx * zx + zy * zy <= 4) {
    const x = zx * zx - zy * zy + cx;
    zy = 2 * zx * zy + cy;
    zx = x;
    n++;
  }
  return n;
}

function referenceRows(rowStart: number, rowEnd: number): number[] {
  const { width, height, maxIterations, view } = FRAME;
  const values: number[] = [];
  for (let row = rowStart; row < rowEnd; row++) {
    for (let column = 0; column < width; column++) {
      const cx = view.xMin + ((column + 0.5) * (view.xMax - view.xMin)) / width;
      const cy = view.yMax - ((row + 0.5) * (view.yMax - view.yMin)) / height;
      values.push(referenceIterations(cx, cy, maxIterations));
    }
  }
  return values;
}

async function metrics(service: RunningService): Promise<string> {
  const response = await fetch(`${service.url}/metrics`);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

describe('render and metrics', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startLocalService(AWS);
  });
  afterAll(() => service.stop());

  test('a frame comes back as one band per stage of the route, matching the reference', async () => {
    const { status, body } = await postJson(`${service.url}/api/render`, FRAME);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', ...FRAME, routeMode: 'stages', failureMode: 'degraded', failures: [] });
    expect(body.tiles.map((tile: any) => [tile.stage, tile.rowStart, tile.rowEnd, tile.status])).toEqual([
      ['aws', 0, 6, 'ok'],
      ['gcp', 6, 13, 'ok'],
      ['azure', 13, 20, 'ok'],
    ]);
    for (const tile of body.tiles) {
      // No stage URLs are configured: every band is rendered here.
      expect(tile.renderedBy).toEqual({ cloud: 'aws', region: 'us-east-1', release: 'render-check', pod: expect.any(String) });
      expect(tileIterations(tile)).toEqual(referenceRows(tile.rowStart, tile.rowEnd));
    }
    const all = body.tiles.flatMap(tileIterations);
    // Row 10, column 14 is c = -0.55 - 0.05i, inside the set; the corners escape at once.
    expect(all[10 * 30 + 14]).toBe(64);
    expect(all[0]).toBeLessThan(3);
  });

  test('/metrics counts the request, each band, and the band durations', async () => {
    const before = await metrics(service);
    await postJson(`${service.url}/api/render`, FRAME);
    const after = await metrics(service);
    const delta = (name: string, labels: Record<string, string>) => metricValue(after, name, labels) - metricValue(before, name, labels);

    expect(delta('mandelbrot_render_requests_total', { ...LABELS, status: 'ok' })).toBe(1);
    expect(delta('mandelbrot_stage_renders_total', { ...LABELS, status: 'ok' })).toBe(3);
    expect(delta('mandelbrot_stage_duration_seconds_count', LABELS)).toBe(3);
    expect(delta('mandelbrot_stage_duration_seconds_sum', LABELS)).toBeGreaterThan(0);
    expect(after).toContain('# TYPE mandelbrot_render_requests_total counter');
    expect(after).toContain('# TYPE mandelbrot_stage_duration_seconds summary');
    for (const quantile of ['0.5', '0.9', '0.99']) {
      expect(metricValue(after, 'mandelbrot_stage_duration_seconds', { ...LABELS, quantile })).toBeGreaterThan(0);
    }
  });
});

describe('operator switches', () => {
  test('ERROR_RATE=1 fails every band: degraded mode reports them, strict mode fails the request', async () => {
    const service = await startLocalService({ ...AWS, ERROR_RATE: '1' });
    try {
      const degraded = await postJson(`${service.url}/api/render`, { ...FRAME, failureMode: 'degraded' });
      expect(degraded.status).toBe(200);
      expect(degraded.body.status).toBe('degraded');
      expect(degraded.body.tiles.map((tile: any) => tile.status)).toEqual(['failed', 'failed', 'failed']);
      expect(degraded.body.failures[0]).toEqual({ stage: 'aws', error: 'injected failure (ERROR_RATE=1)' });

      const strict = await postJson(`${service.url}/api/render`, { ...FRAME, failureMode: 'strict' });
      expect(strict.status).toBe(502);
      expect(strict.body).toMatchObject({ status: 'failed', tiles: [] });
      expect(strict.body.failures.map((failure: any) => failure.stage)).toEqual(['aws', 'gcp', 'azure']);

      const text = await metrics(service);
      expect(metricValue(text, 'mandelbrot_stage_renders_total', { ...LABELS, status: 'error' })).toBe(6);
      expect(metricValue(text, 'mandelbrot_stage_renders_total', { ...LABELS, status: 'ok' })).toBe(0);
      expect(metricValue(text, 'mandelbrot_render_requests_total', { ...LABELS, status: 'degraded' })).toBe(1);
      expect(metricValue(text, 'mandelbrot_render_requests_total', { ...LABELS, status: 'failed' })).toBe(1);
    } finally {
      await service.stop();
    }
  });

  test('FAIL_READY=true makes /readyz answer 503 while /healthz stays 200', async () => {
    const service = await startLocalService({ ...AWS, FAIL_READY: 'true' });
    try {
      expect((await fetch(`${service.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    } finally {
      await service.stop();
    }
  });
});
