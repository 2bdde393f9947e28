import { CORE_SCHEMA, defineScalarTag, loadAll, mergeTag, NOT_RESOLVED } from 'js-yaml';
import { resolveKubernetesScalar, type ResolvedScalar } from './kubernetes-scalars.js';

// A leaf module: no project imports, so any part of the program can parse YAML through it.

export interface YamlParseOptions {
  /**
   * The largest text accepted, in bytes, checked before parsing: a bound keeps a stray or hostile
   * file from stalling the command.
   *
   * @default - no bound
   */
  readonly maxBytes?: number;

  /**
   * How many values aliases (`*name`) may repeat when the text becomes values: a YAML "billion
   * laughs" document expands a few lines into gigabytes, and stops here instead.
   *
   * @default 100
   */
  readonly maxAliasCount?: number;

  /**
   * How unquoted scalars are read. `core` is YAML 1.2 (`yes` is a string, `010` is ten).
   * `kubernetes` is go-yaml v2, as kubectl, the API server's machinery and Argo CD read
   * manifests (`yes` and `on` are true, `010` is eight): see {@link resolveKubernetesScalar}.
   *
   * @default 'core'
   */
  readonly scalars?: 'core' | 'kubernetes';
}

/** Where a problem is in the text: 1-based line and column. */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

/**
 * Text that is too large, not YAML, or YAML this program refuses (a repeated key, an alias bomb).
 * The message is one line that names no file, such as `not valid YAML at line 3, column 1: ...`;
 * callers put the file in front.
 */
export class YamlParseError extends Error {
  constructor(
    message: string,
    /** Where the problem is, when it has a place. */
    public readonly position?: TextPosition,
  ) {
    super(message);
    this.name = 'YamlParseError';
  }
}

function invalidYaml(reason: string, position?: TextPosition): YamlParseError {
  return new YamlParseError(`not valid YAML${position ? ` at line ${position.line}, column ${position.column}` : ''}: ${reason}`, position);
}

/** YAML 1.2 core types, with merge keys (`<<`). */
const SCHEMA = CORE_SCHEMA.withTags(mergeTag);

let lastScalar: { source: string; resolved: ResolvedScalar } = { source: '', resolved: resolveKubernetesScalar('') };
/** Each plain scalar is offered to every tag its first character allows: resolve it once. */
function kubernetesScalar(source: string): ResolvedScalar {
  if (lastScalar.source !== source) lastScalar = { source, resolved: resolveKubernetesScalar(source) };
  return lastScalar.resolved;
}

const DIGITS = [...'0123456789'];
const kubernetesTag = (tag: Exclude<ResolvedScalar['tag'], 'str'>, firstChars: readonly string[]) =>
  defineScalarTag(`tag:yaml.org,2002:${tag}`, {
    implicit: true,
    implicitFirstChars: firstChars,
    resolve: (source) => {
      const resolved = kubernetesScalar(source);
      return resolved.tag === tag ? resolved.value : NOT_RESOLVED;
    },
    identify: () => false,
  });

/** go-yaml v2's scalars, with merge keys: the manifests' schema. */
const KUBERNETES_SCHEMA = CORE_SCHEMA.withTags(
  mergeTag,
  kubernetesTag('null', ['', '~', 'n', 'N']),
  kubernetesTag('bool', [...'yYnNtTfFoO']),
  kubernetesTag('int', ['-', '+', ...DIGITS]),
  kubernetesTag('float', ['.', '-', '+', ...DIGITS]),
);

/**
 * Every document of a YAML stream as plain values (`null` for an empty document), in time linear
 * in the text, repeated keys refused.
 *
 * js-yaml finds repeated keys with one lookup per key; the `yaml` library compares each key with
 * every earlier key of its mapping (n² for a mapping of n keys: tens of seconds for a 5 MB
 * ConfigMap), and even with that check off it parses about ten times slower. Aliases come back as
 * shared values, so their expansion is counted here before anyone walks it.
 *
 * @throws YamlParseError on the first problem, with its line and column where it has one
 */
export function parseYamlDocuments(text: string, options: YamlParseOptions = {}): unknown[] {
  if (options.maxBytes !== undefined) {
    const bytes = Buffer.byteLength(text);
    if (bytes > options.maxBytes)
      throw new YamlParseError(`the file is ${formatBytes(bytes)}, more than the ${formatBytes(options.maxBytes)} accepted`);
  }
  let documents: unknown[];
  try {
    documents = loadAll(text, { schema: options.scalars === 'kubernetes' ? KUBERNETES_SCHEMA : SCHEMA });
  } catch (error) {
    throw toParseError(error, text);
  }
  const maxAliasCount = options.maxAliasCount ?? 100;
  for (const document of documents) {
    if (aliasRepeatsExceed(document, maxAliasCount)) {
      throw new YamlParseError(
        `aliases repeat nodes more than ${maxAliasCount} times, which would exhaust memory (an alias bomb); expected plain values`,
      );
    }
    if (options.scalars === 'kubernetes' && holdsNonFinite(document)) {
      // sigs.k8s.io/yaml converts YAML to JSON, which has no such number: the manifest cannot be read.
      throw new YamlParseError('holds .inf or .nan, which JSON cannot carry, so Kubernetes cannot read it; quote the value');
    }
  }
  return documents;
}

/**
 * Parses `text` as at most one YAML document: `undefined` for an empty text.
 *
 * @throws YamlParseError as {@link parseYamlDocuments} does, and for a text of several documents
 */
export function parseYaml(text: string, options: YamlParseOptions = {}): unknown {
  const documents = parseYamlDocuments(text, options);
  if (documents.length > 1) throw invalidYaml(`${documents.length} documents, expected one`);
  return documents[0] ?? undefined;
}

/**
 * Whether walking `document` would visit more than `limit` values a second time: a collection met
 * again is an alias, and it and everything under it are repeats. Stops counting at the limit.
 */
function aliasRepeatsExceed(document: unknown, limit: number): boolean {
  const seen = new Set<object>();
  let repeats = 0;
  const stack: [value: unknown, repeated: boolean][] = [[document, false]];
  while (stack.length > 0) {
    const [value, inRepeat] = stack.pop()!;
    if (value === null || typeof value !== 'object') {
      if (inRepeat && ++repeats > limit) return true;
      continue;
    }
    const repeated = inRepeat || seen.has(value);
    if (repeated && ++repeats > limit) return true;
    seen.add(value);
    for (const child of Object.values(value)) stack.push([child, repeated]);
  }
  return false;
}

function holdsNonFinite(document: unknown): boolean {
  const seen = new Set<object>();
  const stack: unknown[] = [document];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'number' && !Number.isFinite(value)) return true;
    if (value === null || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    for (const child of Object.values(value as Record<string, unknown>)) stack.push(child);
  }
  return false;
}

function toParseError(error: unknown, text: string): YamlParseError {
  const { reason, mark } = error as { reason?: unknown; mark?: { line?: unknown; column?: unknown; position?: unknown } };
  const position =
    typeof mark?.line === 'number' && typeof mark.column === 'number' ? { line: mark.line + 1, column: mark.column + 1 } : undefined;
  // js-yaml's message adds a multi-line excerpt of the text; the reason is its first line.
  if (typeof reason !== 'string')
    return invalidYaml(`cannot be read: ${String((error as Error)?.message ?? error).split('\n')[0]}`, position);
  if (reason === 'duplicated mapping key' && typeof mark?.position === 'number') {
    // js-yaml marks a quoted key after its opening quote; the key starts at the quote.
    const quoted = `"'`.includes(text[mark.position - 1] ?? 'x') ? 1 : 0;
    const at = position && { line: position.line, column: position.column - quoted };
    return invalidYaml(`${keyNameAt(text, mark.position - quoted) ?? 'a key'} appears twice in one mapping`, at);
  }
  return invalidYaml(reason.split('\n')[0] ?? reason, position);
}

/** `the key "name"` for the key that starts at `offset`, when it can be read off its line. */
function keyNameAt(text: string, offset: number): string | undefined {
  const end = text.indexOf('\n', offset);
  const key = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^:,{}[\]\n]+?))\s*(?::|$)/.exec(text.slice(offset, end === -1 ? undefined : end));
  if (!key) return undefined;
  let name = key[3] ?? key[2]?.replaceAll("''", "'") ?? key[1];
  if (key[1] !== undefined) {
    try {
      name = JSON.parse(`"${key[1]}"`) as string;
    } catch {
      // A YAML escape JSON lacks, such as \x41: the key as written is clear enough.
    }
  }
  return `the key ${JSON.stringify(name)}`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
  return `${bytes} bytes`;
}
