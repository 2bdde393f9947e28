import { isScalar, parseAllDocuments, visit } from 'yaml';

// A leaf module: no project imports, so any part of the program can parse YAML through it.

export interface YamlParseOptions {
  /**
   * How many alias expansions a document may make before it is refused: a YAML "billion laughs"
   * document expands a few lines into gigabytes.
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

/**
 * Every document of a YAML stream as plain values (`null` for an empty document), in linear time.
 *
 * The `yaml` library's own duplicate-key check compares each key with every earlier key of its
 * mapping, so a mapping of n keys costs n²: a 5 MB ConfigMap takes tens of seconds. Here the
 * library's check is off and duplicates are found with one set per mapping.
 *
 * @throws YamlSyntaxError for a syntax error, a duplicate key or too many alias expansions
 */
export function parseYamlDocuments(text: string, options: YamlParseOptions = {}): unknown[] {
  const lineOf = lineCounter(text);
  const values: unknown[] = [];
  // Merge keys (`<<`) as Kubernetes' YAML reader honours them.
  for (const document of parseAllDocuments(text, { uniqueKeys: false, merge: true })) {
    const error = document.errors[0];
    // The first line of the library's message ends with the position: "... at line 2, column 1:".
    if (error) throw new YamlSyntaxError(error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, ''), lineOf(error.pos[0]));
    visit(document, {
      Map(_, map) {
        const seen = new Set<string>();
        for (const pair of map.items) {
          if (!isScalar(pair.key) || pair.key.value === '<<') continue;
          const key = String(pair.key.value);
          if (seen.has(key)) throw new YamlSyntaxError(`duplicate key "${key}"`, lineOf(pair.key.range?.[0] ?? 0));
          seen.add(key);
        }
      },
    });
    try {
      values.push(document.toJS({ maxAliasCount: options.maxAliasCount ?? 100 }));
    } catch (error) {
      // The library throws a ReferenceError for an alias bomb and for an alias to nothing.
      throw new YamlSyntaxError(`cannot expand its aliases: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return values;
}

/** Maps an offset of `text` to its 1-based line, by binary search over the line starts. */
function lineCounter(text: string): (offset: number) => number {
  let starts: number[] | undefined;
  return (offset) => {
    if (!starts) {
      starts = [0];
      for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1)) starts.push(index + 1);
    }
    let [low, high] = [0, starts.length - 1];
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
}
