import diff from 'microdiff';
import { type FieldPathSegment, formatFieldPath, type NamedItem } from '../util/field-path.js';
import type { ManifestData } from './manifest-tree.js';

/** One leaf field that differs between two versions of an object. */
export interface FieldChange {
  readonly change: 'added' | 'removed' | 'changed';
  /** Keys and array indices from the object's root. */
  readonly path: readonly FieldPathSegment[];
  /**
   * The path for people: list items that carry the same `name` in both versions are named
   * rather than numbered: `spec.template.spec.containers[name=mandelbrot].image`.
   */
  readonly text: string;
  /** The value before; absent for an added field. */
  readonly old?: unknown;
  /** The value after; absent for a removed field. */
  readonly new?: unknown;
  /** True when the values were replaced by a placeholder because they are secret. */
  readonly masked?: true;
}

type Container = Record<string, unknown> | unknown[];

const isContainer = (value: unknown): value is Container => value !== null && typeof value === 'object';

/**
 * The leaf fields that differ between `base` and `head`, in path order. Key order never matters;
 * list items are compared by position, as Kubernetes does for most lists.
 */
export function fieldChanges(base: ManifestData, head: ManifestData): FieldChange[] {
  const changes: FieldChange[] = [];
  const add = (change: FieldChange['change'], path: FieldPathSegment[], old: unknown, next: unknown) => {
    const text = describePath(path, base, head);
    if (change === 'added') changes.push({ change, path, text, new: next });
    else if (change === 'removed') changes.push({ change, path, text, old });
    else changes.push({ change, path, text, old, new: next });
  };
  for (const difference of diff(base as Container, head as Container, { cyclesFix: false })) {
    const path = difference.path;
    if (difference.type === 'CREATE') forEachLeaf(difference.value, path, (leaf, value) => add('added', leaf, undefined, value));
    else if (difference.type === 'REMOVE') forEachLeaf(difference.oldValue, path, (leaf, value) => add('removed', leaf, value, undefined));
    else if (isContainer(difference.oldValue) || isContainer(difference.value)) {
      forEachLeaf(difference.oldValue, path, (leaf, value) => add('removed', leaf, value, undefined));
      forEachLeaf(difference.value, path, (leaf, value) => add('added', leaf, undefined, value));
    } else add('changed', path, difference.oldValue, difference.value);
  }
  return changes.sort((a, b) => comparePaths(a.path, b.path));
}

/** Calls `visit` for every leaf under `value`; an empty list or mapping is a leaf. */
function forEachLeaf(value: unknown, path: FieldPathSegment[], visit: (path: FieldPathSegment[], value: unknown) => void): void {
  if (Array.isArray(value) && value.length > 0) value.forEach((item, index) => forEachLeaf(item, [...path, index], visit));
  else if (isContainer(value) && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [key, item] of Object.entries(value)) forEachLeaf(item, [...path, key], visit);
  } else visit(path, value);
}

/** True when `changes` touch anything at or under `prefix`. */
export function touches(changes: readonly FieldChange[], prefix: readonly FieldPathSegment[]): boolean {
  return changes.some((change) => prefix.every((segment, index) => change.path[index] === segment));
}

/** Names list items by their `name` when both versions agree on it; otherwise by position. */
function describePath(path: readonly FieldPathSegment[], base: unknown, head: unknown): string {
  const labelled: (FieldPathSegment | NamedItem)[] = [];
  let before: unknown = base;
  let after: unknown = head;
  for (const segment of path) {
    const itemBefore = isContainer(before) ? (before as Record<string | number, unknown>)[segment] : undefined;
    const itemAfter = isContainer(after) ? (after as Record<string | number, unknown>)[segment] : undefined;
    if (typeof segment === 'number') {
      const names = [itemBefore, itemAfter].filter(isContainer).map((item) => (item as Record<string, unknown>).name);
      const name = names[0];
      labelled.push(typeof name === 'string' && names.every((other) => other === name) ? { name } : segment);
    } else labelled.push(segment);
    before = itemBefore;
    after = itemAfter;
  }
  return formatFieldPath(labelled);
}

function comparePaths(a: readonly FieldPathSegment[], b: readonly FieldPathSegment[]): number {
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const [x, y] = [a[index], b[index]];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}
