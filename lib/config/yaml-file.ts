import { readFileSync } from 'node:fs';
import * as v from 'valibot';
import { isMap, parseDocument } from 'yaml';
import { ConfigError } from './config-error.js';

type Schema = v.GenericSchema<unknown, unknown>;

/**
 * Reads one YAML mapping from `path` and validates it with `schema`.
 *
 * Every failure becomes a {@link ConfigError} that names `displayPath`, the field and what is expected.
 *
 * @param expected what the file should hold, for messages: "a mapping with cloud, region and image"
 */
export function readYamlFile<T extends Schema>(path: string, displayPath: string, schema: T, expected: string): v.InferOutput<T> {
  const text = readFileSync(path, 'utf8');
  if (text.trim() === '') {
    throw new ConfigError(`${displayPath}: the file is empty; expected ${expected}`);
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const error = document.errors[0];
    const where = error.linePos ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
    const reason = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`${displayPath}: not valid YAML${where}: ${reason}`);
  }
  if (!isMap(document.contents)) {
    throw new ConfigError(`${displayPath}: expected ${expected}, found ${describeValue(document.toJS())}`);
  }
  const result = v.safeParse(schema, document.toJS());
  if (!result.success) {
    throw new ConfigError(`${displayPath}: ${describeIssue(result.issues[0], expected)}`);
  }
  return result.output;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

function describeIssue(issue: v.BaseIssue<unknown>, expected: string): string {
  const field = v.getDotPath(issue) ?? '';
  // A strict object reports a key it does not know as "expected never".
  if (issue.expected === 'never') return `unknown field "${field}"; expected ${expected}`;
  if (issue.received === 'undefined' && issue.kind === 'schema' && issue.type.endsWith('object')) {
    return `missing field "${field}"; expected ${expected}`;
  }
  return field === '' ? issue.message : `field "${field}": ${issue.message}`;
}
