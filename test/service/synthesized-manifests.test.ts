import { join } from 'node:path';
import { parseYamlObject } from '../support/yaml.js';
import { FIXTURE_OVERLAYS, FIXTURE_PLATFORM_YAML } from '../support/fixture-project.js';
import { makeTempDir, synth } from '../support/synth-process.js';
import { containerFromManifests, type RunningService, startService } from './service-process.js';

// The clusters and what each should report, read from the configuration rather than the output.
const platform = parseYamlObject(FIXTURE_PLATFORM_YAML);
const clusters = Object.entries(FIXTURE_OVERLAYS).map(([name, overlay]) => ({ name, ...parseYamlObject(overlay) }));

describe('the synthesized manifests run', () => {
  const temp = makeTempDir('manifests-run');
  const dist = join(temp.path, 'dist');
  const running: RunningService[] = [];

  beforeAll(async () => {
    const result = await synth(['--outdir', dist]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  afterAll(async () => {
    await Promise.all(running.map((service) => service.stop()));
    temp.cleanup();
  });

  test('there is a cluster to run', () => {
    expect(clusters.map((cluster) => cluster.name).sort()).toEqual(['aws', 'azure', 'gcp']);
  });

  test.each(clusters)('$name: the source ConfigMap, command and env start a service that reports the cluster', async (cluster) => {
    // The container as the Rollout declares it, its ConfigMap mounts stood in for by folders.
    const container = containerFromManifests(join(dist, cluster.name, 'mandelbrot'), join(temp.path, `${cluster.name}-root`));
    expect(container.command).toEqual(['node', join(temp.path, `${cluster.name}-root`, 'app', 'server.js')]);
    expect(container.env).not.toHaveProperty('PORT');

    const service = await startService(container);
    running.push(service);

    const meta = await (await fetch(`${service.url}/api/meta`)).json();
    expect(meta).toEqual({
      cloud: cluster.cloud,
      region: cluster.region,
      release: cluster.workloads.mandelbrot.release ?? platform.workloads.mandelbrot.release,
      pod: expect.any(String),
      route: platform.workloads.mandelbrot.stageRoute,
    });
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    const page = await fetch(`${service.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<canvas');
  });
});
