import { connect, type Socket } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../support/synth-process.js';
import {
  BUDGET_RENDER,
  metricsText,
  metricValue,
  postJson,
  processFigures,
  rawRequest,
  type RunningService,
  startLocalService,
  waitFor,
} from './service-process.js';

const AWS = { cloud: 'aws', region: 'us-east-1' };
const GCP = { cloud: 'gcp', region: 'us-central1' };

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('2. cancellation', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startLocalService({
      CLOUD: 'aws',
      REGION: 'us-east-1',
      STAGE_ROUTE: 'aws,gcp,azure',
      RENDER_WORKERS: '2',
      RENDER_QUEUE: '4',
    });
  });
  afterAll(() => service.stop());

  test('renders whose clients left stop at their next slice, count as cancelled, and leave no work behind', async () => {
    const body = JSON.stringify(BUDGET_RENDER);
    const sockets: Socket[] = Array.from({ length: 6 }, () => {
      const socket = connect(service.port, '127.0.0.1', () => socket.write(rawRequest('POST', '/api/render', body)));
      socket.on('error', () => {});
      return socket;
    });
    await waitFor('both workers busy', async () => metricValue(await metricsText(service), 'mandelbrot_render_workers_busy', AWS) === 2);
    for (const socket of sockets) socket.destroy();

    const text = await waitFor('six cancelled renders', async () => {
      const text = await metricsText(service);
      return metricValue(text, 'mandelbrot_render_requests_total', { ...AWS, status: 'cancelled' }) === 6 ? text : undefined;
    });
    expect(metricValue(text, 'mandelbrot_render_requests_total', { ...AWS, status: 'ok' })).toBe(0);
    expect(metricValue(text, 'mandelbrot_stage_renders_total', { ...AWS, status: 'ok' })).toBe(0);
    // Each render stopped in its first band; its other bands never started.
    expect(metricValue(text, 'mandelbrot_stage_renders_total', { ...AWS, status: 'cancelled' })).toBe(6);
    expect(metricValue(text, 'mandelbrot_render_workers_busy', AWS)).toBe(0);

    // Nothing renders any more: half a second of the process's life costs next to no CPU.
    const before = processFigures(service.pid).cpuSeconds;
    await pause(500);
    expect(processFigures(service.pid).cpuSeconds - before).toBeLessThan(0.1);
  });
});

describe('7. a remote band that times out', () => {
  const temp = makeTempDir('stage-timeout');
  let aws: RunningService;
  let gcp: RunningService;
  beforeAll(async () => {
    gcp = await startLocalService({ CLOUD: 'gcp', REGION: 'us-central1', STAGE_ROUTE: 'aws,gcp', RENDER_WORKERS: '1' });
    const stageUrls = join(temp.path, 'stage-urls');
    mkdirSync(stageUrls);
    writeFileSync(join(stageUrls, 'gcp'), gcp.url);
    aws = await startLocalService({
      CLOUD: 'aws',
      REGION: 'us-east-1',
      STAGE_ROUTE: 'aws,gcp',
      STAGE_URLS_DIR: stageUrls,
      RENDER_WORKERS: '1',
      RENDER_DEADLINE_MS: '300',
    });
  });
  afterAll(async () => {
    await Promise.all([aws?.stop(), gcp?.stop()]);
    temp.cleanup();
  });

  test('is cancelled on the remote too, and the caller is told "timeout"', async () => {
    const { status, body } = await postJson(`${aws.url}/api/render`, { ...BUDGET_RENDER, routeMode: 'stages' });
    expect(status).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.failures).toEqual([
      { stage: 'aws', error: 'timeout' },
      { stage: 'gcp', error: 'timeout' },
    ]);
    expect(JSON.stringify(body)).not.toContain(gcp.url);

    const text = await waitFor('gcp to cancel its band', async () => {
      const text = await metricsText(gcp);
      return metricValue(text, 'mandelbrot_stage_renders_total', { ...GCP, status: 'cancelled' }) === 1 ? text : undefined;
    });
    expect(metricValue(text, 'mandelbrot_stage_renders_total', { ...GCP, status: 'ok' })).toBe(0);
    expect(metricValue(await metricsText(aws), 'mandelbrot_stage_renders_total', { ...AWS, status: 'timeout' })).toBe(1);
  });
});
