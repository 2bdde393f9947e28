import { Testing } from 'cdk8s';
import { kindsDeployedBy } from '../../../lib/argocd/deployed-kinds.js';
import type { MandelbrotAnalysisProps } from '../../../lib/workloads/mandelbrot/mandelbrot-workload.js';
import { SuccessRateAnalysis, type SuccessRateAnalysisProps } from '../../../lib/workloads/mandelbrot/success-rate-analysis.js';
import { synthCluster } from '../../support/cluster.js';

const PROMETHEUS = 'http://prometheus.monitoring:9090';
const TEMPLATE = 'aws/mandelbrot/analysistemplate-mandelbrot-success-rate.yaml';
const ROLLOUT = 'aws/mandelbrot/rollout-mandelbrot.yaml';

/** One cluster with `analysis` on the workload, through the renderer main.ts uses. */
function synthWithAnalysis(analysis: MandelbrotAnalysisProps = { prometheus: PROMETHEUS }): Map<string, any> {
  return synthCluster({ analysis });
}

function synthTemplate(props: Partial<SuccessRateAnalysisProps> = {}) {
  const chart = Testing.chart();
  new SuccessRateAnalysis(chart, 'Analysis', { name: 'demo', prometheus: PROMETHEUS, namespace: 'demo', ...props });
  return () => Testing.synth(chart);
}

describe('SuccessRateAnalysis', () => {
  test('without analysis, the workload has no AnalysisTemplate and the Rollout no analysis', () => {
    const tree = synthCluster();
    expect([...tree.keys()].filter((path) => path.includes('analysistemplate'))).toEqual([]);
    expect(tree.get(ROLLOUT).spec.strategy.canary).not.toHaveProperty('analysis');
  });

  test("writes an AnalysisTemplate in the workload's folder that queries the cluster's Prometheus", () => {
    const template = synthWithAnalysis().get(TEMPLATE);
    expect(template).toMatchObject({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'mandelbrot-success-rate', namespace: 'mandelbrot' },
    });
    expect(template.spec.args).toEqual([{ name: 'canary-hash' }]);
    const [metric] = template.spec.metrics;
    expect(metric).toMatchObject({
      name: 'success-rate',
      interval: '1m',
      failureLimit: 2,
      provider: { prometheus: { address: PROMETHEUS } },
    });
    expect(metric.successCondition).toBe('len(result) == 0 || result[0] >= 0.99');
  });

  test("the query measures only the canary's pods, by the pod-template hash argument, in the workload's namespace", () => {
    const { query } = synthWithAnalysis().get(TEMPLATE).spec.metrics[0].provider.prometheus;
    const selectors = [...query.matchAll(/mandelbrot_render_requests_total\{(.*?)\}\[1m\]/g)].map((match) => match[1]);
    expect(selectors).toEqual([
      'namespace="mandelbrot", rollouts_pod_template_hash="{{args.canary-hash}}", status="ok"',
      'namespace="mandelbrot", rollouts_pod_template_hash="{{args.canary-hash}}", status!~"invalid|cancelled"',
    ]);
  });

  test('invalid and cancelled requests are neither successes nor failures; a canary with failures only measures 0, not nothing', () => {
    const { query } = synthWithAnalysis().get(TEMPLATE).spec.metrics[0].provider.prometheus;
    // The numerator falls back to 0 when no `ok` series exists; an idle canary (denominator 0) gives no result.
    expect(query).toMatch(
      /^\(sum\(rate\([^)]*status="ok"\}\[1m\]\)\) or vector\(0\)\)\n\/\n\(sum\(rate\([^)]*status!~"invalid\|cancelled"\}\[1m\]\)\) > 0\)\n$/,
    );
  });

  test('the Rollout runs the template in the background from the 50% step, with the canary hash of the latest revision', () => {
    const canary = synthWithAnalysis().get(ROLLOUT).spec.strategy.canary;
    expect(canary.analysis).toEqual({
      templates: [{ templateName: 'mandelbrot-success-rate' }],
      startingStep: 1,
      args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
    });
    expect(canary.steps[canary.analysis.startingStep - 1]).toEqual({ setWeight: 50 });
    // Analysis can abort; only a person promotes.
    expect(canary.steps).toEqual([{ setWeight: 50 }, { pause: {} }, { setWeight: 100 }]);
  });

  test('autoPromoteAfter turns the pause into a timed one', () => {
    const tree = synthWithAnalysis({ prometheus: PROMETHEUS, autoPromoteAfter: '30m' });
    expect(tree.get(ROLLOUT).spec.strategy.canary.steps).toEqual([{ setWeight: 50 }, { pause: { duration: '30m' } }, { setWeight: 100 }]);
  });

  test('writes the threshold, interval and failure limit it is given', () => {
    const [template] = synthTemplate({ successRate: 0.95, interval: '30s', failureLimit: 0 })();
    const [metric] = template.spec.metrics;
    expect(metric).toMatchObject({ interval: '30s', failureLimit: 0, successCondition: 'len(result) == 0 || result[0] >= 0.95' });
    expect(metric.provider.prometheus.query).toContain('[30s]');
  });

  test('its AnalysisTemplate is among the kinds the workload deploys, which the AppProject whitelists', () => {
    const chart = Testing.chart();
    new SuccessRateAnalysis(chart, 'Analysis', { name: 'demo', prometheus: PROMETHEUS });
    expect(kindsDeployedBy(chart)).toEqual([{ group: 'argoproj.io', kind: 'AnalysisTemplate', namespaced: true }]);
  });

  test('without a namespace, the query matches the hash alone', () => {
    const [template] = Testing.synth(
      (() => {
        const chart = Testing.chart();
        new SuccessRateAnalysis(chart, 'Analysis', { name: 'demo', prometheus: PROMETHEUS });
        return chart;
      })(),
    );
    expect(template.spec.metrics[0].provider.prometheus.query).not.toContain('namespace=');
  });

  test('fails if the success rate is 0 or above 1', () => {
    expect(synthTemplate({ successRate: 0 })).toThrow('AnalysisTemplate demo: success rate is 0; expected a share above 0 and at most 1');
    expect(synthTemplate({ successRate: 1.5 })).toThrow(
      'AnalysisTemplate demo: success rate is 1.5; expected a share above 0 and at most 1',
    );
  });

  test('fails if the interval has no unit', () => {
    expect(synthTemplate({ interval: '60' })).toThrow(
      'AnalysisTemplate demo: interval is "60"; expected a whole number with unit s, m or h',
    );
  });

  test('fails if the failure limit is negative', () => {
    expect(synthTemplate({ failureLimit: -1 })).toThrow('AnalysisTemplate demo: failureLimit is -1; expected a whole number of at least 0');
  });
});
