/** One step into a manifest: an object key or an array index. */
export type FieldPathSegment = string | number;

/** A list item named by its `name` field rather than its position, for people to read. */
export interface NamedItem {
  readonly name: string;
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * Writes a field path the way `kubectl explain` readers expect: `spec.template.spec.containers[0].name`.
 * Keys that are not plain words, such as label keys, are quoted: `metadata.labels["app.kubernetes.io/name"]`;
 * named items read `containers[name=mandelbrot]`.
 */
export function formatFieldPath(path: readonly (FieldPathSegment | NamedItem)[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'object') text += `[name=${segment.name}]`;
    else if (typeof segment === 'number') text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}
