/** Whether parsed YAML or JSON is a mapping (an object that is not an array): the one shape with fields to read. */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `value` when it is a mapping, else an empty one: for reading optional nested fields of parsed objects. */
export function mappingOrEmpty(value: unknown): Readonly<Record<string, unknown>> {
  return isMapping(value) ? value : {};
}
