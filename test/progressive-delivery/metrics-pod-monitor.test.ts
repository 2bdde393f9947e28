import type { MandelbrotAnalysisProps } from '../../lib/workloads/mandelbrot/mandelbrot-workload.js';
import { projectSchemas } from '../support/project-schemas.js';
import { synthCluster } from '../support/cluster.js';

const POD_MONITOR = 'aws/mandelbrot/podmonitor-mandelbrot.yaml';
const PROJECT = 'aws/argocd/appproject-trinity.yaml';
const POD_MONITOR_KIND = { group: 'monitoring.coreos.com', kind: 'PodMonitor' };

function synthWithAnalysis(analysis: MandelbrotAnalysisProps): Map<string, any> {
  return synthCluster({ analysis });
}

describe('MetricsPodMonitor', () => {
  test('with podMonitor, a PodMonitor scrapes the workload and copies the pod-template hash label, by the scrape contract', async () => {
    const monitor = synthWithAnalysis({ prometheus: 'http://prometheus:9090', podMonitor: true }).get(POD_MONITOR);
    expect(monitor).toMatchObject({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: 'mandelbrot', namespace: 'mandelbrot' },
    });
    expect(monitor.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'mandelbrot', 'app.kubernetes.io/part-of': 'trinity' } },
      podMetricsEndpoints: [{ port: 'http', path: '/metrics' }],
      podTargetLabels: ['rollouts-pod-template-hash'],
    });
    expect((await projectSchemas()).validate(monitor)).toEqual([]);
  });

  test('the AppProject whitelists PodMonitor only when one is emitted', () => {
    const withMonitor = synthWithAnalysis({ prometheus: 'http://prometheus:9090', podMonitor: true });
    const without = synthWithAnalysis({ prometheus: 'http://prometheus:9090' });
    expect(withMonitor.get(PROJECT).spec.namespaceResourceWhitelist).toContainEqual(POD_MONITOR_KIND);
    expect(without.has(POD_MONITOR)).toBe(false);
    expect(without.get(PROJECT).spec.namespaceResourceWhitelist).not.toContainEqual(POD_MONITOR_KIND);
  });
});
