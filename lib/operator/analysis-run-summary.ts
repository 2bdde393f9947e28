/**
 * The state of a canary's background analysis, read from its AnalysisRun: what `status` shows
 * beside the Rollout, and whether an abort came from the analysis rather than from a person.
 */
import { compareStrings } from '../util/stable-order.js';

/** The part of an AnalysisRun's JSON this module reads. Every field is optional, as in the API. */
export interface AnalysisRunObject {
  readonly metadata?: { readonly name?: string; readonly creationTimestamp?: string };
  readonly status?: {
    readonly phase?: string;
    readonly message?: string;
    readonly metricResults?: readonly {
      readonly name?: string;
      readonly phase?: string;
      readonly message?: string;
      readonly measurements?: readonly { readonly phase?: string; readonly value?: string; readonly message?: string }[];
    }[];
  };
}

/** One metric's latest measurement. */
export interface MetricMeasurement {
  readonly metric: string;
  /** The measurement's phase: Successful, Failed, Error, Inconclusive, Running. */
  readonly phase: string;
  /** What the provider returned, such as `[0.997]`; `-` before the first measurement. */
  readonly value: string;
}

export interface AnalysisRunSummary {
  readonly name: string;
  /** Pending, Running, Successful, Failed, Error or Inconclusive. */
  readonly phase: string;
  /** Why the run ended as it did; empty while it runs. */
  readonly message: string;
  /** Each metric's latest measurement. */
  readonly measurements: readonly MetricMeasurement[];
}

/** Phases in which an analysis run stops the Rollout. */
const FAILED_PHASES = new Set(['Failed', 'Error', 'Inconclusive']);

/** The newest run of `runs`, the items of `kubectl get analysisruns --output json`, summarized. */
export function latestAnalysisRun(runs: readonly AnalysisRunObject[]): AnalysisRunSummary | undefined {
  const newest = [...runs]
    .sort(
      (a, b) =>
        compareStrings(a.metadata?.creationTimestamp ?? '', b.metadata?.creationTimestamp ?? '') ||
        compareStrings(a.metadata?.name ?? '', b.metadata?.name ?? ''),
    )
    .at(-1);
  return newest && summarizeAnalysisRun(newest);
}

export function summarizeAnalysisRun(run: AnalysisRunObject): AnalysisRunSummary {
  const status = run.status ?? {};
  return {
    name: run.metadata?.name ?? 'analysisrun',
    phase: status.phase || 'Pending',
    message: status.message ?? '',
    measurements: (status.metricResults ?? []).map((result) => {
      const last = (result.measurements ?? []).at(-1);
      return { metric: result.name ?? '-', phase: last?.phase ?? result.phase ?? 'Pending', value: last?.value || '-' };
    }),
  };
}

/** True when the run's outcome aborts the Rollout: the analysis, not a person, stopped the canary. */
export function analysisStoppedRollout(analysis: AnalysisRunSummary | undefined): boolean {
  return analysis !== undefined && FAILED_PHASES.has(analysis.phase);
}

/** One line for the report: `AnalysisRun mandelbrot-6f9d-2-1 Failed: success-rate [0.51] (Failed); <message>`. */
export function describeAnalysisRun(analysis: AnalysisRunSummary): string {
  const measured = analysis.measurements.map((item) => `${item.metric} ${item.value} (${item.phase})`).join(', ');
  return `AnalysisRun ${analysis.name} ${analysis.phase}${measured ? `: last measured ${measured}` : ''}${analysis.message ? `; ${analysis.message}` : ''}`;
}
