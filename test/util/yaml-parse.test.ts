import { parseYaml, parseYamlDocuments, YamlParseError } from '../../lib/util/yaml-parse.js';
import { ALIAS_BOMB } from '../support/hostile-yaml.js';

/** The error `work` throws, for assertions on its fields. */
function errorOf(work: () => unknown): YamlParseError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(YamlParseError);
    return error as YamlParseError;
  }
  throw new Error('expected a YamlParseError, but nothing was thrown');
}

describe('parseYamlDocuments', () => {
  test('gives every document as plain values, null for an empty one', () => {
    expect(parseYamlDocuments('a: 1\nb: [x, y]\n---\n---\nc: {d: true}\n')).toEqual([{ a: 1, b: ['x', 'y'] }, null, { c: { d: true } }]);
  });

  test('reads YAML 1.2 core types: yes, on and timestamps stay strings, 0x10 and 1e3 are numbers', () => {
    expect(parseYamlDocuments('a: yes\nb: on\nc: 0x10\nd: 1e3\ne: 2002-12-14\nf: 0o17\ng: ~\nh: True\n')).toEqual([
      { a: 'yes', b: 'on', c: 16, d: 1000, e: '2002-12-14', f: 15, g: null, h: true },
    ]);
  });

  test('reads unquoted scalars as Kubernetes does (go-yaml v2) when asked: yes, on and y are true, 010 is octal', () => {
    const text =
      'a: yes\nb: on\nc: 010\nd: 1e3\ne: 1_000\nf: 1:20\ng: 0x1F\nh: Off\ni: 08\nj: 1.\nk: .5\nl: "yes"\nm: 1e+3\nbinary: -0b101\no: 0o17\np: 2002-12-14\nq: NULL\nr: 0xFFFFFFFFFFFFFFFFFF\n';
    expect(parseYamlDocuments(text, { scalars: 'kubernetes' })).toEqual([
      {
        a: true,
        b: true,
        c: 8,
        d: '1e3',
        e: 1000,
        f: '1:20',
        g: 31,
        h: false,
        i: 8,
        j: '1.',
        k: 0.5,
        l: 'yes',
        m: 1000,
        binary: -5,
        o: 15,
        p: '2002-12-14',
        q: null,
        r: '0xFFFFFFFFFFFFFFFFFF',
      },
    ]);
    // Keys too: sigs.k8s.io/yaml turns a boolean key into "true" or "false".
    expect(parseYamlDocuments('y: 1\nno: 2\n010: 3\n', { scalars: 'kubernetes' })).toEqual([{ true: 1, false: 2, 8: 3 }]);
    expect(parseYamlDocuments('base: &b {x: 1}\nother: {<<: *b, z: on}\n', { scalars: 'kubernetes' })).toEqual([
      { base: { x: 1 }, other: { x: 1, z: true } },
    ]);
  });

  test('fails if a manifest holds .inf or .nan, which Kubernetes cannot read', () => {
    for (const value of ['.inf', '-.Inf', '.NaN'])
      expect(() => parseYamlDocuments(`a: [1, ${value}]\n`, { scalars: 'kubernetes' })).toThrow(
        new YamlParseError('holds .inf or .nan, which JSON cannot carry, so Kubernetes cannot read it; quote the value'),
      );
  });

  test('expands a few aliases and merge keys as YAML means them', () => {
    expect(parseYamlDocuments('base: &base {x: 1}\nother:\n  <<: *base\n  y: 2\nagain: *base\n')).toEqual([
      { base: { x: 1 }, other: { x: 1, y: 2 }, again: { x: 1 } },
    ]);
  });

  test('fails if a mapping repeats a key, at any depth, naming the key, its line and its column', () => {
    const error = errorOf(() => parseYamlDocuments('metadata:\n  name: a\n  labels: {}\n  name: b\n'));
    expect(error.message).toBe('not valid YAML at line 4, column 3: the key "name" appears twice in one mapping');
    expect(error.position).toEqual({ line: 4, column: 3 });
    expect(() => parseYamlDocuments('ok: 1\n---\nlist:\n  - {k: 1, k: 2}\n')).toThrow(
      new YamlParseError('not valid YAML at line 4, column 12: the key "k" appears twice in one mapping'),
    );
    expect(() => parseYamlDocuments('{1: a, "1": b}\n')).toThrow(
      new YamlParseError('not valid YAML at line 1, column 8: the key "1" appears twice in one mapping'),
    );
  });

  test('fails if a key appears twice among 20,000, found in linear time', () => {
    // npm run bench times this parse; the yaml library's own check takes seconds at this size.
    const keys = Array.from({ length: 20_000 }, (_, index) => `key${index}: ${index}\n`).join('');
    expect(() => parseYamlDocuments(`${keys}key17: again\n`)).toThrow(
      new YamlParseError('not valid YAML at line 20001, column 1: the key "key17" appears twice in one mapping'),
    );
  });

  test('a mapping of 10,000 keys parses, and its duplicate is still found', () => {
    const text = `data:\n${Array.from({ length: 10000 }, (_, index) => `  key-${index}: v`).join('\n')}\n`;
    const [value] = parseYamlDocuments(text) as [{ data: Record<string, string> }];
    expect(Object.keys(value.data)).toHaveLength(10000);
    expect(() => parseYamlDocuments(`${text}  key-7: again\n`)).toThrow(
      'not valid YAML at line 10002, column 3: the key "key-7" appears twice in one mapping',
    );
  });

  test('fails if the text is larger than accepted, before parsing it', () => {
    // Not YAML at all: only the size check can refuse it with this message.
    const huge = `a: [${'x'.repeat(10 * 1024 * 1024)}\n`;
    expect(() => parseYamlDocuments(huge, { maxBytes: 64 * 1024 })).toThrow(
      new YamlParseError('the file is 10 MiB, more than the 64 KiB accepted'),
    );
    expect(() => parseYamlDocuments(`a: ${'x'.repeat(2048)}\n`, { maxBytes: 1024 })).toThrow(
      'the file is 2 KiB, more than the 1 KiB accepted',
    );
  });

  test('reads a text of any size when no bound is given', () => {
    const text = `a: ${'x'.repeat(2 * 1024 * 1024)}\n`;
    expect(parseYamlDocuments(text)).toEqual([{ a: 'x'.repeat(2 * 1024 * 1024) }]);
  });

  test('fails if aliases would expand without bound: a "billion laughs" document is refused, not expanded', () => {
    const levels = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...'bcdefgh'.split('').map((key, index) => `${key}: &${key} [${Array(10).fill(`*${'abcdefg'[index]}`).join(', ')}]`),
    ];
    const message = 'aliases repeat nodes more than 100 times, which would exhaust memory (an alias bomb); expected plain values';
    expect(() => parseYamlDocuments(`${levels.join('\n')}\n`)).toThrow(new YamlParseError(message));
    expect(() => parseYamlDocuments(ALIAS_BOMB)).toThrow(new YamlParseError(message));
    expect(() => parseYamlDocuments('a: &a [1]\nb: [*a, *a, *a]\n', { maxAliasCount: 2 })).toThrow(
      'aliases repeat nodes more than 2 times',
    );
    expect(parseYamlDocuments('a: &a [1]\nb: [*a, *a, *a]\n', { maxAliasCount: 6 })).toEqual([{ a: [1], b: [[1], [1], [1]] }]);
  });

  test('fails if the text is not YAML, with the line and column and without the library’s multi-line excerpt', () => {
    const error = errorOf(() => parseYamlDocuments('a: 1\nb: [unclosed\n'));
    expect(error.position).toEqual({ line: 3, column: 1 });
    expect(error.message).toMatch(/^not valid YAML at line 3, column 1: \S/);
    expect(error.message).not.toContain('\n');
    expect(() => parseYamlDocuments('a: [1\n')).toThrow(/^not valid YAML at line \d+, column \d+: /);
  });
});

describe('parseYaml', () => {
  test('reads one document into plain values, and an empty text as undefined', () => {
    expect(parseYaml('a: 1\nb: [x, {c: true}]\n')).toEqual({ a: 1, b: ['x', { c: true }] });
    expect(parseYaml('')).toBeUndefined();
    expect(parseYaml('# only a comment\n')).toBeUndefined();
  });

  test('fails if a key appears twice, with the line and column of the second', () => {
    expect(() => parseYaml('a: 1\nb:\n  c: 1\n  c: 2\n')).toThrow(
      new YamlParseError('not valid YAML at line 4, column 3: the key "c" appears twice in one mapping'),
    );
  });

  test('fails if the text is larger than accepted, before parsing it', () => {
    expect(() => parseYaml(`a: ${'x'.repeat(2048)}\n`, { maxBytes: 1024 })).toThrow('the file is 2 KiB, more than the 1 KiB accepted');
  });

  test('fails if a single document was expected and there are several', () => {
    expect(() => parseYaml('a: 1\n---\nb: 2\n')).toThrow(new YamlParseError('not valid YAML: 2 documents, expected one'));
    expect(parseYamlDocuments('a: 1\n---\nb: 2\n')).toEqual([{ a: 1 }, { b: 2 }]);
  });
});
