import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { AnalysisTemplate, AnalysisTemplateSpecMetricsFailureLimit } from '../../../imports/argo-rollouts-analysis-template-argoproj.io.js';
import { NAMESPACE_METRIC_LABEL, POD_TEMPLATE_HASH_METRIC_LABEL } from '../../progressive-delivery/scrape-contract.js';

/** The template's argument that carries the canary's pod-template hash. */
export const CANARY_HASH_ARG = 'canary-hash';

/** The service's counter of answered render requests, by `status` (services/mandelbrot/metrics.js). */
export const RENDER_REQUESTS_METRIC = 'mandelbrot_render_requests_total';
/**
 * Statuses that say nothing about the release: a request the service rejected as malformed, and
 * one whose client left. Every other status counts; only `ok` is a success, so `degraded`,
 * `failed` and `refused` are failures.
 */
export const UNCOUNTED_STATUSES = ['invalid', 'cancelled'] as const;

export interface SuccessRateAnalysisProps {
  /** `metadata.name`. */
  readonly name: string;

  /** Base URL of the Prometheus that scrapes the workload's pods. */
  readonly prometheus: string;

  /**
   * The share of counted render requests that must succeed, from 0 (exclusive) to 1.
   *
   * @default 0.99
   */
  readonly successRate?: number;

  /**
   * How often the canary is measured; also the query's rate window.
   *
   * @default '1m'
   */
  readonly interval?: string;

  /**
   * Failed measurements tolerated: one more fails the analysis, and the Rollout aborts.
   *
   * @default 2
   */
  readonly failureLimit?: number;

  /**
   * The namespace the workload's pods run in, matched by the query's `namespace` label.
   *
   * @default - the chart's namespace; none when the chart has none
   */
  readonly namespace?: string;

  /**
   * Labels on the template.
   *
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * An `AnalysisTemplate` measuring the share of the canary's render requests that succeed, from
 * the service's own metrics in Prometheus. The Rollout passes the canary's pod-template hash as
 * {@link CANARY_HASH_ARG}, so only the canary's pods are measured, not the stable ones.
 *
 * A window without counted requests gives an empty result, which passes: a canary fails on
 * evidence, not on silence.
 */
export class SuccessRateAnalysis extends Construct {
  public readonly name: string;
  public readonly successRate: number;
  public readonly query: string;

  constructor(scope: Construct, id: string, props: SuccessRateAnalysisProps) {
    super(scope, id);
    this.name = props.name;
    this.successRate = props.successRate ?? 0.99;
    const interval = props.interval ?? '1m';
    const failureLimit = props.failureLimit ?? 2;
    this.query = successRateQuery(props.namespace ?? Chart.of(this).namespace, interval);

    new AnalysisTemplate(this, 'Resource', {
      metadata: { name: props.name, labels: props.labels ? { ...props.labels } : undefined },
      spec: {
        args: [{ name: CANARY_HASH_ARG }],
        metrics: [
          {
            name: 'success-rate',
            interval,
            failureLimit: AnalysisTemplateSpecMetricsFailureLimit.fromNumber(failureLimit),
            successCondition: `len(result) == 0 || result[0] >= ${this.successRate}`,
            provider: { prometheus: { address: props.prometheus, query: this.query } },
          },
        ],
      },
    });

    this.node.addValidation({ validate: () => successRateAnalysisErrors(props.name, this.successRate, interval, failureLimit) });
  }
}

/**
 * Succeeded over counted requests of the canary's pods. A canary with failures only has no `ok`
 * series yet, so the numerator falls back to 0; no counted request at all leaves the result empty.
 */
function successRateQuery(namespace: string | undefined, window: string): string {
  const selector = (status: string) =>
    [
      ...(namespace === undefined ? [] : [`${NAMESPACE_METRIC_LABEL}="${namespace}"`]),
      `${POD_TEMPLATE_HASH_METRIC_LABEL}="{{args.${CANARY_HASH_ARG}}}"`,
      status,
    ].join(', ');
  const rate = (status: string) => `sum(rate(${RENDER_REQUESTS_METRIC}{${selector(status)}}[${window}]))`;
  return `(${rate('status="ok"')} or vector(0))\n/\n(${rate(`status!~"${UNCOUNTED_STATUSES.join('|')}"`)} > 0)\n`;
}

const DURATION = /^[1-9]\d*[smh]$/;

/** The rules the controller applies to the template, phrased for the person editing the props. */
function successRateAnalysisErrors(name: string, successRate: number, interval: string, failureLimit: number): string[] {
  const where = `AnalysisTemplate ${name}`;
  const errors: string[] = [];
  if (!(successRate > 0 && successRate <= 1))
    errors.push(`${where}: success rate is ${successRate}; expected a share above 0 and at most 1`);
  if (!DURATION.test(interval))
    errors.push(`${where}: interval is ${JSON.stringify(interval)}; expected a whole number with unit s, m or h ("30s", "1m")`);
  if (!Number.isInteger(failureLimit) || failureLimit < 0)
    errors.push(`${where}: failureLimit is ${failureLimit}; expected a whole number of at least 0`);
  return errors;
}
