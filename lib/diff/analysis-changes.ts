import { listAt, stringAt, valueAt } from '../util/parsed-data.js';
import type { Meaning } from './diff-model.js';
import { isKind, type ManifestObject } from './manifest-tree.js';

/** The part of a change the analysis rules read: the object before and after. */
interface AnalysisChange {
  readonly base?: { readonly object: ManifestObject };
  readonly head?: { readonly object: ManifestObject };
}

interface MetricSettings {
  readonly name: string;
  /** The least success rate a `result[0] >= X` condition accepts; `undefined` for other conditions. */
  readonly threshold?: number;
  readonly interval?: string;
  readonly failureLimit?: number;
  readonly address?: string;
  readonly query?: string;
}

const isAnalysisTemplate = (object: ManifestObject) =>
  isKind(object, 'argoproj.io', 'AnalysisTemplate') || isKind(object, 'argoproj.io', 'ClusterAnalysisTemplate');

/**
 * What a change to canary analysis means: an analysis template added or removed, its metrics
 * changed, and a threshold or failure limit loosened, which lets a worse canary through.
 */
export function analysisMeanings(change: AnalysisChange): Meaning[] {
  const object = (change.head ?? change.base)!.object;
  if (!isAnalysisTemplate(object)) return [];
  const name = `${object.kind} ${object.name}`;
  if (!change.base)
    return [
      {
        code: 'analysis-added',
        severity: 'notice',
        message: `canary analysis added (${name}): ${describeMetrics(metricsOf(change.head!.object))}`,
      },
    ];
  if (!change.head) {
    return [
      {
        code: 'analysis-removed',
        severity: 'warning',
        message: `canary analysis removed (${name}): no longer judges canaries; only an operator stops a bad one`,
      },
    ];
  }
  const before = new Map(metricsOf(change.base.object).map((metric) => [metric.name, metric]));
  const after = metricsOf(change.head.object);
  const changes: string[] = [];
  const loosened: string[] = [];
  for (const metric of after) {
    const old = before.get(metric.name);
    if (old === undefined) {
      changes.push(`metric ${metric.name} added`);
      continue;
    }
    before.delete(metric.name);
    const fields = (['threshold', 'interval', 'failureLimit', 'address', 'query'] as const).filter((field) => old[field] !== metric[field]);
    if (fields.length > 0)
      changes.push(
        `${metric.name}: ${fields.map((field) => (field === 'query' ? 'query changed' : `${field} ${show(old[field])} → ${show(metric[field])}`)).join(', ')}`,
      );
    if (old.threshold !== undefined && metric.threshold !== undefined && metric.threshold < old.threshold) {
      loosened.push(`${metric.name} accepts a success rate down to ${metric.threshold}, was ${old.threshold}`);
    }
    if (old.failureLimit !== undefined && metric.failureLimit !== undefined && metric.failureLimit > old.failureLimit) {
      loosened.push(`${metric.name} tolerates ${metric.failureLimit} failed measurements, was ${old.failureLimit}`);
    }
  }
  for (const removed of before.keys()) changes.push(`metric ${removed} removed`);
  const meanings: Meaning[] = [];
  if (loosened.length > 0)
    meanings.push({ code: 'analysis-loosened', severity: 'warning', message: `canary analysis loosened: ${loosened.join('; ')}` });
  if (changes.length > 0)
    meanings.push({ code: 'analysis-changed', severity: 'notice', message: `canary analysis changed: ${changes.join('; ')}` });
  return meanings;
}

function metricsOf(object: ManifestObject): MetricSettings[] {
  return listAt(object.data, 'spec', 'metrics').map((metric) => {
    const threshold = /result\[0\]\s*>=\s*([0-9]*\.?[0-9]+)\s*$/.exec(stringAt(metric, 'successCondition') ?? '');
    const failureLimit = valueAt(metric, ['failureLimit']);
    return {
      name: stringAt(metric, 'name') ?? JSON.stringify(valueAt(metric, ['name'])) ?? 'undefined',
      threshold: threshold ? Number(threshold[1]) : undefined,
      interval: stringAt(metric, 'interval'),
      failureLimit: failureLimit === undefined ? undefined : Number(failureLimit),
      address: stringAt(metric, 'provider', 'prometheus', 'address'),
      query: stringAt(metric, 'provider', 'prometheus', 'query'),
    };
  });
}

function describeMetrics(metrics: readonly MetricSettings[]): string {
  return metrics
    .map(
      (metric) =>
        `${metric.name}${metric.threshold === undefined ? '' : ` at least ${metric.threshold}`}${metric.interval ? ` every ${metric.interval}` : ''}`,
    )
    .join(', ');
}

const show = (value: string | number | undefined): string => (value === undefined ? '(none)' : String(value));
