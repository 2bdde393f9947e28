import { stringify } from 'yaml';
import type { FieldChange } from './field-changes.js';
import type { ManifestData } from './manifest-tree.js';
import { MASKED_VALUE } from './secret-masking.js';

/** Strings longer than this, or with several lines, are summarized: a file's content is read in its own diff. */
const LONG_STRING = 120;

function summarizeString(value: string): string | undefined {
  if (value.length <= LONG_STRING && !value.includes('\n')) return undefined;
  const lines = value.split('\n').length - (value.endsWith('\n') ? 1 : 0);
  return `(${lines} line${lines === 1 ? '' : 's'}, ${value.length} characters)`;
}

/** One value for a field line: JSON-quoted scalars, long text summarized, secrets as placeholders. */
function formatValue(value: unknown, masked = false): string {
  if (masked) return MASKED_VALUE;
  if (typeof value === 'string') return summarizeString(value) ?? JSON.stringify(value);
  if (value === undefined) return '(none)';
  return JSON.stringify(value);
}

/** `path: old → new`, `path: value`, for one field change. */
export function formatFieldChange(change: FieldChange): string {
  if (change.change === 'added') return `${change.text}: ${formatValue(change.new, change.masked)}`;
  if (change.change === 'removed') return `${change.text}: ${formatValue(change.old, change.masked)}`;
  return `${change.text}: ${formatValue(change.old, change.masked)} → ${formatValue(change.new, change.masked)}`;
}

/** An object as YAML lines, with long strings summarized. */
export function objectLines(object: ManifestData): string[] {
  const summarized = (value: unknown): unknown => {
    if (typeof value === 'string') return summarizeString(value) ?? value;
    if (Array.isArray(value)) return value.map(summarized);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, summarized(item)]));
    return value;
  };
  return stringify(summarized(object), { lineWidth: 0 }).trimEnd().split('\n');
}
