import { readFileSync, statSync } from 'node:fs';
import * as v from 'valibot';
import { formatFieldPath } from '../util/field-path.js';
import { parseYaml, YamlParseError } from '../util/yaml-parse.js';
import { ConfigError } from '../core/config-error.js';

type Schema = v.GenericSchema<unknown, unknown>;

/** Settings files are a few hundred bytes; the bound keeps a stray large file from stalling synth. */
export const MAX_CONFIG_FILE_BYTES = 64 * 1024;

/**
 * Reads the text of a settings file that must be a regular file. A folder, a FIFO (which would
 * block the read forever) or a device is refused by its type before it is opened.
 */
function readConfigText(path: string, displayPath: string): string {
  const cannotRead = (error: unknown) =>
    new ConfigError(
      `${displayPath}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); expected a YAML file`,
    );
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw cannotRead(error);
  }
  if (!stats.isFile()) {
    const kind = stats.isDirectory() ? 'a folder' : stats.isFIFO() ? 'a FIFO' : 'not a regular file';
    throw new ConfigError(`${displayPath}: is ${kind}; expected a YAML file`);
  }
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw cannotRead(error);
  }
}

/**
 * Reads one YAML mapping from `path` and validates it with `schema`, a valibot strict object.
 *
 * Every problem becomes one line of a {@link ConfigError} that names `displayPath`, the field
 * path and what is expected; all of the file's problems are reported, not only the first.
 */
export function readYamlFile<T extends Schema>(path: string, displayPath: string, schema: T): v.InferOutput<T> {
  const text = readConfigText(path, displayPath);
  const expected = describeFields(schema);
  if (text.trim() === '') {
    throw new ConfigError(`${displayPath}: the file is empty; expected ${expected}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text, { maxBytes: MAX_CONFIG_FILE_BYTES });
  } catch (error) {
    if (error instanceof YamlParseError) throw new ConfigError(`${displayPath}: ${error.message}`);
    throw error;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`${displayPath}: expected ${expected}, found ${describeValue(value)}`);
  }
  const result = v.safeParse(schema, value);
  if (!result.success) {
    throw new ConfigError(result.issues.map((issue) => `${displayPath}: ${describeIssue(issue, schema)}`));
  }
  return result.output;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

function describeIssue(issue: v.BaseIssue<unknown>, schema: Schema): string {
  const keys = (issue.path ?? []).map((item) => item.key as string | number);
  const field = formatFieldPath(keys);
  // A strict object reports a key it does not know as "expected never".
  if (issue.expected === 'never') {
    const parent = schemaAt(schema, keys.slice(0, -1)) as { unknownKey?: string; entries?: Record<string, unknown> } | undefined;
    if (parent?.unknownKey !== undefined) {
      const known = Object.keys(parent.entries ?? {});
      return `unknown ${parent.unknownKey} "${keys[keys.length - 1]}" in field "${formatFieldPath(keys.slice(0, -1))}"; expected ${known.length === 1 ? known[0] : `one of ${known.join(', ')}`}`;
    }
    return `unknown field "${field}"; expected ${describeFields(schemaAt(schema, keys.slice(0, -1)))}`;
  }
  if (issue.received === 'undefined' && issue.kind === 'schema' && issue.type.endsWith('object')) {
    return `missing field "${field}"; expected ${describeFields(schemaAt(schema, keys.slice(0, -1)))}`;
  }
  return field === '' ? issue.message : `field "${field}": ${issue.message}`;
}

/** The schema beside a field path, through optional wrappers, objects, records and arrays. */
function schemaAt(schema: unknown, keys: readonly (string | number)[]): unknown {
  let current = unwrap(schema);
  for (const key of keys) {
    const node = current as { entries?: Record<string, unknown>; value?: unknown; item?: unknown };
    current = unwrap(node.entries?.[key] ?? node.value ?? node.item);
  }
  return current;
}

function unwrap(schema: unknown): unknown {
  let current = schema as { type?: string; wrapped?: unknown } | undefined;
  while (current?.wrapped !== undefined) current = current.wrapped as typeof current;
  return current;
}

/** What an object schema accepts, for messages: "cloud, region and image, and optionally release and replicas". */
function describeFields(schema: unknown): string {
  const entries = (schema as { entries?: Record<string, { type: string }> } | undefined)?.entries;
  if (entries === undefined) return 'a mapping';
  const names = Object.keys(entries);
  const required = names.filter((name) => entries[name]?.type !== 'optional');
  const optional = names.filter((name) => entries[name]?.type === 'optional');
  if (required.length === 0) return `only ${listWords(optional)}`;
  return optional.length === 0 ? listWords(required) : `${listWords(required)}, and optionally ${listWords(optional)}`;
}

function listWords(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
