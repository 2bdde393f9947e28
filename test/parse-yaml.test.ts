import { parseYaml, parseYamlDocuments, YamlParseError } from '../lib/parse-yaml.js';
import { ALIAS_BOMB } from './support/hostile-yaml.js';

describe('parseYaml', () => {
  test('reads one document into plain values, and an empty text as undefined', () => {
    expect(parseYaml('a: 1\nb: [x, {c: true}]\n')).toEqual({ a: 1, b: ['x', { c: true }] });
    expect(parseYaml('# only a comment\n')).toBeUndefined();
  });

  test('fails if a key appears twice, with the line and column of the second', () => {
    expect(() => parseYaml('a: 1\nb:\n  c: 1\n  c: 2\n')).toThrow(new YamlParseError('not valid YAML at line 4, column 3: the key "c" appears twice in one mapping'));
  });

  test('fails if a key appears twice among 20,000, which the yaml library would check in quadratic time', () => {
    // npm run bench times this parse; the library's own check takes seconds at this size.
    const keys = Array.from({ length: 20_000 }, (_, index) => `key${index}: ${index}\n`).join('');
    expect(() => parseYaml(`${keys}key17: again\n`)).toThrow('not valid YAML at line 20001, column 1: the key "key17" appears twice in one mapping');
  });

  test('fails if the text is larger than accepted, before parsing it', () => {
    expect(() => parseYaml(`a: ${'x'.repeat(2048)}\n`, { maxBytes: 1024 })).toThrow('the file is 2 KiB, more than the 1 KiB accepted');
  });

  test('fails if aliases would expand without bound', () => {
    expect(() => parseYaml(ALIAS_BOMB)).toThrow('aliases repeat nodes more than 100 times');
    expect(parseYaml('a: &a [1]\nb: *a\n')).toEqual({ a: [1], b: [1] });
  });

  test('fails if the text is not YAML, naming the place', () => {
    expect(() => parseYaml('a: [1\n')).toThrow(/^not valid YAML at line \d+, column \d+: /);
  });

  test('fails if a single document was expected and there are several', () => {
    expect(() => parseYaml('a: 1\n---\nb: 2\n')).toThrow('not valid YAML: 2 documents, expected one');
    expect(parseYamlDocuments('a: 1\n---\nb: 2\n')).toEqual([{ a: 1 }, { b: 2 }]);
  });
});
