import { stringify } from 'yaml';
import type { MandelbrotAnalysisProps } from '../../lib/workloads/mandelbrot/mandelbrot-workload.js';
import { synthCluster } from '../support/cluster.js';
import { codesOf, diffTrees, edited, objectsOf } from './trees.js';

const TEMPLATE = 'aws/mandelbrot/analysistemplate-mandelbrot-success-rate.yaml';
const ANALYSIS: MandelbrotAnalysisProps = { prometheus: 'http://prometheus.monitoring:9090' };

/** The aws cluster's tree, with `analysis` on the workload when given. */
function tree(analysis?: MandelbrotAnalysisProps): Map<string, string> {
  const objects = synthCluster({ analysis });
  return new Map([...objects].map(([path, object]) => [path, stringify(object)]));
}

const withAnalysis = tree(ANALYSIS);
const meaningsOfTemplate = (base: Map<string, string>, head: Map<string, string>) =>
  objectsOf(diffTrees(base, head)).find((object) => object.kind === 'AnalysisTemplate')!.meanings;

describe('analysis changes', () => {
  test('turning analysis on adds the template, with its threshold and interval', () => {
    const diff = diffTrees(tree(), withAnalysis);
    expect(codesOf(diff, 'aws', 'AnalysisTemplate', 'mandelbrot-success-rate')).toEqual(['analysis-added']);
    expect(meaningsOfTemplate(tree(), withAnalysis)[0]?.message).toBe(
      'canary analysis added (AnalysisTemplate mandelbrot-success-rate): success-rate at least 0.99 every 1m',
    );
  });

  test('turning analysis off removes the template, as a warning', () => {
    const [removed] = meaningsOfTemplate(withAnalysis, tree()).filter((meaning) => meaning.code.startsWith('analysis'));
    expect(removed).toMatchObject({ code: 'analysis-removed', severity: 'warning' });
  });

  test('a lower threshold is a loosened analysis, flagged as a warning before the change itself', () => {
    const meanings = meaningsOfTemplate(withAnalysis, tree({ ...ANALYSIS, successRate: 0.95 }));
    expect(meanings).toEqual([
      {
        code: 'analysis-loosened',
        severity: 'warning',
        message: 'canary analysis loosened: success-rate accepts a success rate down to 0.95, was 0.99',
      },
      { code: 'analysis-changed', severity: 'notice', message: 'canary analysis changed: success-rate: threshold 0.99 → 0.95' },
    ]);
  });

  test('a higher failure limit is loosened too', () => {
    const codes = meaningsOfTemplate(withAnalysis, tree({ ...ANALYSIS, failureLimit: 5 })).map((meaning) => meaning.code);
    expect(codes).toEqual(['analysis-loosened', 'analysis-changed']);
  });

  test('a stricter threshold, a new interval or a new address is a change, not a warning', () => {
    const meanings = meaningsOfTemplate(
      withAnalysis,
      tree({ prometheus: 'http://prometheus.observability:9090', successRate: 0.999, interval: '30s' }),
    );
    expect(meanings).toEqual([
      {
        code: 'analysis-changed',
        severity: 'notice',
        message:
          'canary analysis changed: success-rate: threshold 0.99 → 0.999, interval 1m → 30s, address http://prometheus.monitoring:9090 → http://prometheus.observability:9090, query changed',
      },
    ]);
  });

  test('a metric renamed is one removed and one added', () => {
    const head = edited(withAnalysis, TEMPLATE, (template) => {
      template.spec.metrics[0].name = 'render-success';
    });
    expect(meaningsOfTemplate(withAnalysis, head)).toEqual([
      {
        code: 'analysis-changed',
        severity: 'notice',
        message: 'canary analysis changed: metric render-success added; metric success-rate removed',
      },
    ]);
  });

  test('the Rollout that runs the analysis means only what its own change does: new steps, no analysis meaning', () => {
    const diff = diffTrees(tree(), withAnalysis);
    expect(codesOf(diff, 'aws', 'Rollout', 'mandelbrot')).toEqual(['canary-steps-changed']);
  });
});
