import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { podMonitorScrapeJob, prometheusBinary } from '../e2e/support/local-prometheus.js';

describe('prometheusBinary', () => {
  let dirs: [string, string];
  beforeEach(() => (dirs = [mkdtempSync(join(tmpdir(), 'path-a-')), mkdtempSync(join(tmpdir(), 'path-b-'))]));
  afterEach(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  test('finds the first prometheus on PATH', () => {
    writeFileSync(join(dirs[1], 'prometheus'), '');
    expect(prometheusBinary(dirs.join(delimiter))).toBe(join(dirs[1], 'prometheus'));
  });

  test("fails if prometheus is not on PATH, saying to install Debian's package", () => {
    expect(() => prometheusBinary(dirs.join(delimiter))).toThrow(
      "no prometheus on PATH: the canary analysis drill scrapes with Debian's package (apt-get install prometheus)",
    );
  });
});

describe('podMonitorScrapeJob', () => {
  const podMonitor = {
    metadata: { name: 'mandelbrot' },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'mandelbrot' } },
      podMetricsEndpoints: [{ port: 'http', path: '/metrics' }],
      podTargetLabels: ['rollouts-pod-template-hash'],
    },
  };
  const api = { server: 'https://10.201.0.1:6443', caFile: '/ca.crt', token: 'secret' };

  test("keeps the selector's pods on the named port and copies namespace and podTargetLabels, as the Prometheus Operator does", () => {
    const job = podMonitorScrapeJob(podMonitor, 'mandelbrot', api);
    expect(job).toMatchObject({
      job_name: 'podMonitor/mandelbrot/mandelbrot/0',
      metrics_path: '/metrics',
      kubernetes_sd_configs: [{ role: 'pod', api_server: api.server, namespaces: { names: ['mandelbrot'] } }],
    });
    expect(job.relabel_configs).toEqual(
      expect.arrayContaining([
        { action: 'keep', source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], regex: 'mandelbrot' },
        { action: 'keep', source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: 'http' },
        { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
        { source_labels: ['__meta_kubernetes_pod_label_rollouts_pod_template_hash'], target_label: 'rollouts_pod_template_hash' },
      ]),
    );
  });

  test('fails if the PodMonitor has no endpoint', () => {
    expect(() => podMonitorScrapeJob({ ...podMonitor, spec: { ...podMonitor.spec, podMetricsEndpoints: [] } }, 'mandelbrot', api)).toThrow(
      'PodMonitor mandelbrot has no podMetricsEndpoints',
    );
  });
});
