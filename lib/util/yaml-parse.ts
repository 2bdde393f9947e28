import { CORE_SCHEMA, loadAll, mergeTag } from 'js-yaml';

// A leaf module: no project imports, so any part of the program can parse YAML through it.

export interface YamlParseOptions {
  /**
   * How many aliases (`*name`) a document may hold. Their expansion is bounded too: a YAML
   * "billion laughs" document expands a few lines into gigabytes.
   *
   * @default 100
   */
  readonly maxAliasCount?: number;
}

/** Text that is not YAML, or YAML this program refuses (duplicate keys, an alias bomb). */
export class YamlSyntaxError extends Error {
  /**
   * @param reason one line, without the file's name: the caller knows the file
   * @param line 1-based line of the problem, when known
   */
  constructor(
    public readonly reason: string,
    public readonly line?: number,
  ) {
    super(line === undefined ? reason : `${reason} (line ${line})`);
    this.name = 'YamlSyntaxError';
  }
}

/** YAML 1.2 core types, as Kubernetes reads manifests, with merge keys (`<<`). */
const SCHEMA = CORE_SCHEMA.withTags(mergeTag);

/**
 * Every document of a YAML stream as plain values (`null` for an empty document), in linear time,
 * duplicate keys refused.
 *
 * js-yaml finds duplicate keys with one lookup per key; the `yaml` library compares each key with
 * every earlier key of its mapping (n² for a mapping of n keys: tens of seconds for a 5 MB
 * ConfigMap), and even with that check off it parses about ten times slower. Aliases come back as
 * shared values, so their expansion is counted here before anyone walks it.
 *
 * @throws YamlSyntaxError for a syntax error, a duplicate key or too many alias expansions
 */
export function parseYamlDocuments(text: string, options: YamlParseOptions = {}): unknown[] {
  const maxAliasCount = options.maxAliasCount ?? 100;
  let documents: unknown[];
  try {
    documents = loadAll(text, { schema: SCHEMA, maxAliases: maxAliasCount });
  } catch (error) {
    throw toSyntaxError(error, text);
  }
  // A document without aliases has fewer values than characters: ten times as many is an alias bomb.
  const budget = text.length * 10 + 10000;
  for (const document of documents) {
    if (expandedSize(document, budget) > budget) throw new YamlSyntaxError(`cannot expand its aliases: they expand to more than ${budget} values`);
  }
  return documents;
}

/** Values under `value`, aliases counted each time they are used, counting no further than `limit`. */
function expandedSize(value: unknown, limit: number): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && count <= limit) {
    const item = stack.pop();
    count++;
    if (item !== null && typeof item === 'object') for (const child of Object.values(item)) stack.push(child);
  }
  return count;
}

function toSyntaxError(error: unknown, text: string): YamlSyntaxError {
  const mark = (error as { mark?: { line?: number; position?: number } }).mark;
  const line = typeof mark?.line === 'number' ? mark.line + 1 : undefined;
  const reason = (error as { reason?: unknown }).reason;
  if (typeof reason !== 'string') return new YamlSyntaxError(`cannot be read: ${String((error as Error)?.message ?? error).split('\n')[0]}`, line);
  if (reason === 'duplicated mapping key' && typeof mark?.position === 'number') {
    const key = /^\s*(?:"([^"]*)"|'([^']*)'|([^:,{}[\]\n]+?))\s*:/.exec(text.slice(mark.position, text.indexOf('\n', mark.position) >>> 0));
    const name = key ? (key[1] ?? key[2] ?? key[3]) : undefined;
    return new YamlSyntaxError(name === undefined ? 'duplicate key' : `duplicate key "${name}"`, line);
  }
  return new YamlSyntaxError(reason, line);
}
