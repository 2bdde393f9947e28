import { parseYamlDocuments, YamlSyntaxError } from '../../lib/util/yaml-parse.js';

describe('parseYamlDocuments', () => {
  test('gives every document as plain values, null for an empty one', () => {
    expect(parseYamlDocuments('a: 1\nb: [x, y]\n---\n---\nc: {d: true}\n')).toEqual([{ a: 1, b: ['x', 'y'] }, null, { c: { d: true } }]);
  });

  test('expands a few aliases and merge keys as YAML means them', () => {
    expect(parseYamlDocuments('base: &base {x: 1}\nother:\n  <<: *base\n  y: 2\nagain: *base\n')).toEqual([{ base: { x: 1 }, other: { x: 1, y: 2 }, again: { x: 1 } }]);
  });

  test('fails if a mapping repeats a key, at any depth, naming the key and its line', () => {
    expect(() => parseYamlDocuments('metadata:\n  name: a\n  labels: {}\n  name: b\n')).toThrow(new YamlSyntaxError('duplicate key "name"', 4));
    expect(() => parseYamlDocuments('ok: 1\n---\nlist:\n  - {k: 1, k: 2}\n')).toThrow('duplicate key "k" (line 4)');
  });

  test('fails if the aliases expand too far: a "billion laughs" document is refused, not expanded', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((key, index) => `${key}: &${key} [${Array(10).fill(`*${'abcdefg'[index]}`).join(', ')}]`)];
    expect(() => parseYamlDocuments(`${levels.join('\n')}\n`)).toThrow(/^cannot expand its aliases: /);
    expect(() => parseYamlDocuments('a: &a [1]\nb: [*a, *a, *a]\n', { maxAliasCount: 2 })).toThrow(YamlSyntaxError);
  });

  test('fails if the text is not YAML, with the line and without the library’s multi-line excerpt', () => {
    let error: unknown;
    try {
      parseYamlDocuments('a: 1\nb: [unclosed\n');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(YamlSyntaxError);
    expect((error as YamlSyntaxError).line).toBe(3);
    expect((error as YamlSyntaxError).message).not.toContain('\n');
  });

  test('a mapping of 10,000 keys parses, and its duplicate is still found', () => {
    const text = `data:\n${Array.from({ length: 10000 }, (_, index) => `  key-${index}: v`).join('\n')}\n`;
    const [value] = parseYamlDocuments(text) as [{ data: Record<string, string> }];
    expect(Object.keys(value.data)).toHaveLength(10000);
    expect(() => parseYamlDocuments(`${text}  key-7: again\n`)).toThrow('duplicate key "key-7" (line 10002)');
  });
});
