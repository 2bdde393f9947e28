import { Document, isScalar, LineCounter, parseAllDocuments, visit } from 'yaml';

export interface ParseYamlOptions {
  /**
   * The largest text accepted, in bytes. The yaml library's parser takes about a second per
   * megabyte, so a bound keeps a stray or hostile file from stalling the command.
   *
   * @default 1048576 (1 MiB, the API server's limit for a ConfigMap)
   */
  readonly maxBytes?: number;

  /**
   * How many times aliases may repeat a node when the text becomes values: an alias bomb stops
   * here instead of exhausting memory.
   *
   * @default 100
   */
  readonly maxAliasCount?: number;
}

/** Where a problem is in the text: 1-based line and column. */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

/**
 * Text that is too large, not valid YAML, or repeats a key. The message is one line that names
 * no file, such as `not valid YAML at line 3, column 1: ...`; callers put the file in front.
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

const DEFAULT_MAX_BYTES = 1024 * 1024;

/**
 * Parses every document of `text` into plain values, in time linear in its size.
 *
 * The yaml library's own duplicate-key check compares each key with every earlier one, which
 * makes a mapping of many keys quadratic; this parses without it and finds repeated keys with
 * one set per mapping instead. A key is repeated when two keys of one mapping read as the same
 * string, since the values would overwrite each other.
 *
 * @throws YamlParseError on the first problem, with its line and column where it has one
 */
export function parseYamlDocuments(text: string, options: ParseYamlOptions = {}): unknown[] {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) throw new YamlParseError(`the file is ${formatBytes(bytes)}, more than the ${formatBytes(maxBytes)} accepted`);

  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { uniqueKeys: false, lineCounter });
  const positionOf = (offset: number): TextPosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  return documents.map((document) => {
    const error = document.errors[0];
    if (error) {
      // yaml's first line ends with the position, which the error carries anyway.
      const reason = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw invalidYaml(reason, positionOf(error.pos[0]));
    }
    checkUniqueKeys(document, positionOf);
    const maxAliasCount = options.maxAliasCount ?? 100;
    try {
      return document.toJS({ maxAliasCount });
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0];
      if (reason.startsWith('Excessive alias count')) {
        throw new YamlParseError(`aliases repeat nodes more than ${maxAliasCount} times, which would exhaust memory (an alias bomb); expected plain values`);
      }
      throw invalidYaml(reason);
    }
  });
}

/**
 * Parses `text` as at most one YAML document: `undefined` for an empty text.
 *
 * @throws YamlParseError as {@link parseYamlDocuments} does, and for a text of several documents
 */
export function parseYaml(text: string, options: ParseYamlOptions = {}): unknown {
  const documents = parseYamlDocuments(text, options);
  if (documents.length > 1) throw invalidYaml(`${documents.length} documents, expected one`);
  return documents[0] ?? undefined;
}

function checkUniqueKeys(document: Document, positionOf: (offset: number) => TextPosition): void {
  visit(document, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const { key } of map.items) {
        // A key that is a collection or an alias has no plain name to compare; such keys are rare.
        if (!isScalar(key)) continue;
        const name = String(key.value);
        if (seen.has(name)) throw invalidYaml(`the key ${JSON.stringify(name)} appears twice in one mapping`, key.range ? positionOf(key.range[0]) : undefined);
        seen.add(name);
      }
    },
  });
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
  return `${bytes} bytes`;
}
