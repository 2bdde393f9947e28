import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { FieldChange } from './field-changes.js';
import type { ManifestData } from './manifest-tree.js';
import { visibleCharacters } from './markdown-escape.js';
import { MASKED_VALUE } from './secret-masking.js';

/**
 * Text of several lines is summarized, with a content hash so that any change shows: a file's
 * content is read in its own diff. A single line is always shown whole: an image moved to another
 * registry, or a URL swapped for a look-alike host, must be visible.
 */
function summarizeText(value: string): string | undefined {
  if (!value.includes('\n')) return undefined;
  const lines = value.split('\n').length - (value.endsWith('\n') ? 1 : 0);
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 12);
  return `(${lines} line${lines === 1 ? '' : 's'}, ${value.length} characters, sha256 ${hash})`;
}

/** One value for a field line: JSON-quoted scalars with invisible characters escaped, text of several lines summarized, secrets as placeholders. */
function formatValue(value: unknown, masked = false): string {
  if (masked) return MASKED_VALUE;
  if (typeof value === 'string') return summarizeText(value) ?? visibleCharacters(JSON.stringify(value));
  if (value === undefined) return '(none)';
  return visibleCharacters(JSON.stringify(value));
}

/** `path: old → new`, `path: value`, for one field change. */
export function formatFieldChange(change: FieldChange): string {
  const path = visibleCharacters(change.text);
  if (change.change === 'added') return `${path}: ${formatValue(change.new, change.masked)}`;
  if (change.change === 'removed') return `${path}: ${formatValue(change.old, change.masked)}`;
  return `${path}: ${formatValue(change.old, change.masked)} → ${formatValue(change.new, change.masked)}`;
}

/** An object as YAML lines, with text of several lines summarized and invisible characters escaped. */
export function objectLines(object: ManifestData): string[] {
  const summarized = (value: unknown): unknown => {
    if (typeof value === 'string') return summarizeText(value) ?? value;
    if (Array.isArray(value)) return value.map(summarized);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, summarized(item)]));
    return value;
  };
  // YAML quotes a string with control characters as an escape; format characters it prints as they are.
  return stringify(summarized(object), { lineWidth: 0 }).trimEnd().split('\n').map(visibleCharacters);
}
