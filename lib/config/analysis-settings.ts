import * as v from 'valibot';

/** The success-rate threshold when none is set: at most 1 render in 100 may fail. */
export const DEFAULT_SUCCESS_RATE = 0.99;
/** How often the canary is measured when no interval is set. */
export const DEFAULT_INTERVAL = '1m';
/** Failed measurements tolerated when no limit is set: one more fails the analysis. */
export const DEFAULT_FAILURE_LIMIT = 2;

/** A whole number of seconds, minutes or hours: what Argo Rollouts and PromQL both accept. */
export const ANALYSIS_DURATION = /^[1-9]\d{0,5}[smh]$/;

const duration = (what: string) =>
  v.pipe(
    v.string(`expected ${what} such as 30s, 1m or 2h (a string)`),
    v.regex(ANALYSIS_DURATION, `expected ${what}: a whole number with unit s, m or h, such as 30s, 1m or 2h`),
  );

/**
 * `analysis:` in `platform.yaml` and in an overlay: the overlay's fields replace the platform's
 * one by one. Defaults are applied after the two are merged (see {@link resolveAnalysis}).
 */
export const analysisSchema = v.strictObject({
  enabled: v.optional(v.boolean('expected true or false')),
  prometheus: v.optional(
    v.pipe(
      v.string('expected the Prometheus base URL (a string)'),
      v.url('expected the Prometheus base URL such as http://prometheus.monitoring:9090'),
      v.check((url) => /^https?:\/\/[^?#]+$/.test(url), 'expected an http:// or https:// base URL without query or fragment'),
      v.check(
        (url) => !URL.canParse(url) || (new URL(url).username === '' && new URL(url).password === ''),
        'expected a base URL without user or password',
      ),
      v.transform((url) => url.replace(/\/+$/, '')),
    ),
  ),
  successRate: v.optional(
    v.pipe(
      v.number('expected a share of successful renders from 0 to 1, such as 0.99'),
      v.gtValue(0, 'expected a share above 0, such as 0.99: at 0 the analysis never fails'),
      v.maxValue(1, 'expected a share of at most 1, such as 0.99'),
    ),
  ),
  interval: v.optional(duration('an interval')),
  failureLimit: v.optional(
    v.pipe(
      v.number('expected a whole number of failed measurements from 0 to 100'),
      v.integer('expected a whole number of failed measurements from 0 to 100'),
      v.minValue(0, 'expected at least 0'),
      v.maxValue(100, 'expected at most 100'),
    ),
  ),
  autoPromoteAfter: v.optional(duration('a pause duration')),
  // The cluster runs the Prometheus Operator: a PodMonitor carries the scrape contract.
  prometheusOperator: v.optional(v.boolean('expected true or false')),
});

/** `analysis:` as written in one file. */
export type AnalysisFields = v.InferOutput<typeof analysisSchema>;

/** One cluster's canary analysis, with every default applied. */
export interface ClusterAnalysis {
  /** Base URL of the Prometheus that scrapes the cluster's pods. */
  readonly prometheus: string;
  readonly successRate: number;
  readonly interval: string;
  readonly failureLimit: number;
  /** When set, the pause at 50% promotes on its own after this long, unless the analysis failed. */
  readonly autoPromoteAfter?: string;
  /** When true, a PodMonitor tells the cluster's Prometheus Operator how to scrape the pods. */
  readonly podMonitor?: boolean;
}

/**
 * A cluster's canary analysis: the overlay's fields over the platform's, then the defaults.
 *
 * @returns `undefined` when neither file has `analysis` or the merged `enabled` is false, and
 *          a problem (to follow the overlay's file name) when it is on without a Prometheus address
 */
export function resolveAnalysis(
  platform: AnalysisFields | undefined,
  overlay: AnalysisFields | undefined,
): ClusterAnalysis | { readonly problem: string } | undefined {
  if (platform === undefined && overlay === undefined) return undefined;
  const merged = { ...platform, ...overlay };
  if (merged.enabled === false) return undefined;
  if (merged.prometheus === undefined)
    return {
      problem: 'missing field "analysis.prometheus"; expected the Prometheus base URL here or in platform.yaml, or analysis.enabled: false',
    };
  return {
    prometheus: merged.prometheus,
    successRate: merged.successRate ?? DEFAULT_SUCCESS_RATE,
    interval: merged.interval ?? DEFAULT_INTERVAL,
    failureLimit: merged.failureLimit ?? DEFAULT_FAILURE_LIMIT,
    ...(merged.autoPromoteAfter === undefined ? {} : { autoPromoteAfter: merged.autoPromoteAfter }),
    ...(merged.prometheusOperator ? { podMonitor: true } : {}),
  };
}
