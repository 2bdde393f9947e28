import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { App, Chart } from 'cdk8s';
import { MetricsPodMonitor } from '../../lib/progressive-delivery/metrics-pod-monitor.js';
import { POD_TEMPLATE_HASH_LABEL, POD_TEMPLATE_HASH_METRIC_LABEL } from '../../lib/progressive-delivery/scrape-contract.js';
import { type PodMonitorObject, podMonitorTargets, prometheusBinary, type ScrapedPod } from '../e2e/support/node-prometheus.js';

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

describe('podMonitorTargets', () => {
  /** The project's own PodMonitor construct, synthesized in a namespace of the test's. */
  function projectPodMonitor(): PodMonitorObject {
    const app = new App();
    const chart = new Chart(app, 'Chart', { namespace: 'shop' });
    new MetricsPodMonitor(chart, 'Monitor', { name: 'web', selectorLabels: { app: 'web' }, port: 'http' });
    return chart.toJson()[0] as PodMonitorObject;
  }

  const pod = (
    name: string,
    hash: string,
    options: { ip?: string; phase?: string; deleting?: boolean; app?: string; portName?: string } = {},
  ): ScrapedPod => ({
    metadata: {
      name,
      namespace: 'shop',
      labels: { app: options.app ?? 'web', [POD_TEMPLATE_HASH_LABEL]: hash },
      ...(options.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: {
      containers: [
        {
          name: 'web',
          ports: [
            { name: options.portName ?? 'http', containerPort: 8080 },
            { name: 'probes', containerPort: 8081 },
          ],
        },
      ],
    },
    status: { phase: options.phase ?? 'Running', podIP: options.ip ?? '10.0.0.1' },
  });

  test("scrapes the selected pods on the named port at the monitor's path, labelled as the scrape contract says", () => {
    const groups = podMonitorTargets([projectPodMonitor()], [pod('web-a', 'abc', { ip: '10.0.0.7' })]);
    expect(groups).toEqual([
      {
        targets: ['10.0.0.7:8080'],
        labels: expect.objectContaining({
          __metrics_path__: '/metrics',
          namespace: 'shop',
          pod: 'web-a',
          container: 'web',
          [POD_TEMPLATE_HASH_METRIC_LABEL]: 'abc',
        }),
      },
    ]);
  });

  test('follows pods as they come and go: only Running pods with an address, not being deleted, of the selector and namespace', () => {
    const monitor = projectPodMonitor();
    const pods = [
      pod('serving', 'abc', { ip: '10.0.0.2' }),
      pod('pending', 'abc', { phase: 'Pending' }),
      pod('leaving', 'abc', { deleting: true }),
      pod('other-app', 'abc', { app: 'other' }),
      pod('no-such-port', 'abc', { portName: 'web' }),
      { ...pod('elsewhere', 'abc'), metadata: { ...pod('elsewhere', 'abc').metadata, namespace: 'other' } },
    ];
    expect(podMonitorTargets([monitor], pods).map((group) => group.labels.pod)).toEqual(['serving']);
    expect(podMonitorTargets([monitor], pods.slice(1))).toEqual([]);
  });

  test("takes the path from the monitor's endpoint", () => {
    const monitor = projectPodMonitor();
    const custom = { ...monitor, spec: { ...monitor.spec, podMetricsEndpoints: [{ port: 'probes', path: '/custom' }] } };
    expect(podMonitorTargets([custom], [pod('web-a', 'abc')])).toEqual([
      { targets: ['10.0.0.1:8081'], labels: expect.objectContaining({ __metrics_path__: '/custom' }) },
    ]);
  });

  test('fails if the monitor selects by expressions, which the drill does not follow', () => {
    const monitor = projectPodMonitor();
    const byExpression = { ...monitor, spec: { ...monitor.spec, selector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] } } };
    expect(() => podMonitorTargets([byExpression], [pod('web-a', 'abc')])).toThrow('PodMonitor web: the drill');
  });
});
