import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFixtureOverlays, makeTempDir, synth } from '../support/synth-process.js';
import {
  containerFromManifests,
  freePort,
  metricValue,
  postJson,
  type RunningService,
  startService,
  tileIterations,
} from './service-process.js';

const FRAME = { width: 48, height: 30, maxIterations: 100, view: { xMin: -2.2, xMax: 0.8, yMin: -1.2, yMax: 1.2 } };

/**
 * Two clusters as the synthesized manifests run them: aws's overlay names gcp's stage URL, so
 * aws's Rollout mounts a stage-URL ConfigMap; gcp has none.
 */
describe('cross-stage routing', () => {
  const temp = makeTempDir('routing');
  let aws: RunningService;
  let gcp: RunningService;

  beforeAll(async () => {
    const gcpPort = await freePort();
    const overlays = writeFixtureOverlays(temp.path);
    appendFileSync(join(overlays, 'aws.yaml'), `    stageURLs:\n      gcp: http://127.0.0.1:${gcpPort}/\n`);
    const dist = join(temp.path, 'dist');
    const result = await synth(['--outdir', dist, '--overlays', overlays]);
    expect(result.stderr).toBe('');

    const gcpContainer = containerFromManifests(join(dist, 'gcp', 'mandelbrot'), join(temp.path, 'gcp-root'));
    // gcp listens on the port aws's ConfigMap names; the port is the only thing the test adds.
    gcp = await startService({ ...gcpContainer, env: { ...gcpContainer.env, PORT: String(gcpPort) } });
    aws = await startService(containerFromManifests(join(dist, 'aws', 'mandelbrot'), join(temp.path, 'aws-root')));
  });

  afterAll(async () => {
    await Promise.all([aws?.stop(), gcp?.stop()]);
    temp.cleanup();
  });

  test('a routed render is stitched from both clusters, identical to rendering it all in one', async () => {
    const routed = await postJson(`${aws.url}/api/render`, FRAME);
    expect(routed.status).toBe(200);
    expect(routed.body.status).toBe('ok');
    expect(routed.body.tiles.map((tile: any) => [tile.stage, tile.renderedBy.cloud, tile.renderedBy.region])).toEqual([
      ['aws', 'aws', 'us-east-1'],
      ['gcp', 'gcp', 'us-central1'],
      // azure has no stage URL in aws's overlay: its band is rendered by aws.
      ['azure', 'aws', 'us-east-1'],
    ]);

    const local = await postJson(`${aws.url}/api/render`, { ...FRAME, routeMode: 'local' });
    expect(local.body.tiles.map((tile: any) => tile.renderedBy.cloud)).toEqual(['aws', 'aws', 'aws']);
    expect(routed.body.tiles.flatMap(tileIterations)).toEqual(local.body.tiles.flatMap(tileIterations));
    expect(routed.body.tiles.flatMap(tileIterations)).toHaveLength(FRAME.width * FRAME.height);

    const gcpMetrics = await (await fetch(`${gcp.url}/metrics`)).text();
    expect(metricValue(gcpMetrics, 'mandelbrot_stage_renders_total', { cloud: 'gcp', region: 'us-central1', status: 'ok' })).toBe(1);
  });

  test('with gcp stopped, degraded mode still renders the other bands and strict mode fails with what completed', async () => {
    await gcp.stop();

    const degraded = await postJson(`${aws.url}/api/render`, { ...FRAME, failureMode: 'degraded' });
    expect(degraded.status).toBe(200);
    expect(degraded.body.status).toBe('degraded');
    expect(degraded.body.tiles.map((tile: any) => [tile.stage, tile.status])).toEqual([
      ['aws', 'ok'],
      ['gcp', 'failed'],
      ['azure', 'ok'],
    ]);
    // The caller learns which stage failed and why, in short; the URL goes to the log only.
    expect(degraded.body.tiles[1].error).toBe('refused');
    expect(aws.output()).toMatch(
      /"msg":"stage failed","stage":"gcp","url":"http:\/\/127\.0\.0\.1:\d+\/internal\/render-stage","reason":"refused"/,
    );
    expect(degraded.body.failures).toEqual([{ stage: 'gcp', error: degraded.body.tiles[1].error }]);
    for (const index of [0, 2]) {
      const band = degraded.body.tiles[index];
      expect(tileIterations(band)).toHaveLength(FRAME.width * (band.rowEnd - band.rowStart));
    }

    const strict = await postJson(`${aws.url}/api/render`, { ...FRAME, failureMode: 'strict' });
    expect(strict.status).toBe(502);
    expect(strict.body.status).toBe('failed');
    expect(strict.body.tiles.map((tile: any) => tile.stage)).toEqual(['aws', 'azure']);
    expect(strict.body.failures.map((failure: any) => failure.stage)).toEqual(['gcp']);

    expect((await fetch(`${aws.url}/healthz`)).status).toBe(200);
    const awsMetrics = await (await fetch(`${aws.url}/metrics`)).text();
    const labels = { cloud: 'aws', region: 'us-east-1' };
    expect(metricValue(awsMetrics, 'mandelbrot_render_requests_total', { ...labels, status: 'degraded' })).toBe(1);
    expect(metricValue(awsMetrics, 'mandelbrot_render_requests_total', { ...labels, status: 'failed' })).toBe(1);
  });
});
