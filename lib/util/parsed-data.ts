import type { FieldPathSegment } from './field-path.js';

// Readers for parsed YAML and JSON, typed `unknown`: each says what it expects and yields an
// empty value where the data has another shape, so a reader never needs `any`.

/** A mapping of parsed data. */
export type Mapping = Readonly<Record<string, unknown>>;

/** Whether parsed data is a mapping (an object that is not an array): the one shape with fields to read. */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The value at `path` (keys and list indices) under `data`; `undefined` where the path leaves the data. */
export function valueAt(data: unknown, path: readonly FieldPathSegment[]): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

/** The mapping at `path`; empty when there is none. */
export function mappingAt(data: unknown, ...path: FieldPathSegment[]): Mapping {
  const value = valueAt(data, path);
  return isMapping(value) ? value : {};
}

/** The list at `path`; empty when there is none. */
export function listAt(data: unknown, ...path: FieldPathSegment[]): readonly unknown[] {
  const value = valueAt(data, path);
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/** The string at `path`; `undefined` when there is none. */
export function stringAt(data: unknown, ...path: FieldPathSegment[]): string | undefined {
  const value = valueAt(data, path);
  return typeof value === 'string' ? value : undefined;
}

/** The number at `path`; `undefined` when there is none. */
export function numberAt(data: unknown, ...path: FieldPathSegment[]): number | undefined {
  const value = valueAt(data, path);
  return typeof value === 'number' ? value : undefined;
}

/** A scalar as text (a string as it is, a number or boolean as written); `''` for anything else. */
export function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}
