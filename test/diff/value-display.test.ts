import { formatFieldChange, objectLines } from '../../lib/diff/value-display.js';

const changed = (old: unknown, next: unknown) => formatFieldChange({ change: 'changed', path: ['a'], text: 'a', old, new: next });

describe('value display', () => {
  test('a single-line value is shown whole, however long: a look-alike host cannot hide past 120 characters', () => {
    const path = `/${'v1/render/'.repeat(14)}`;
    const [real, lookAlike] = [`https://mandelbrot.gcp.example.com${path}`, `https://mandelbrot.gcp.example.com.evil.test${path}`];
    expect(real.length).toBeGreaterThan(120);
    expect(changed(real, lookAlike)).toBe(`a: ${JSON.stringify(real)} → ${JSON.stringify(lookAlike)}`);
    expect(objectLines({ data: { url: lookAlike } })).toEqual(['data:', `  url: ${lookAlike}`]);
  });

  test('text of several lines is summarized with a content hash, so text of the same size that differs still shows', () => {
    const [before, after] = ['line one\nline two\n', 'line one\nline 2!!\n'];
    expect(before.length).toBe(after.length);
    const shown = changed(before, after);
    expect(shown).toMatch(/^a: \(2 lines, 18 characters, sha256 [0-9a-f]{12}\) → \(2 lines, 18 characters, sha256 [0-9a-f]{12}\)$/);
    const [old, next] = shown.split(' → ');
    expect(old!.slice(-14)).not.toBe(next!.slice(-14));
    expect(objectLines({ data: { script: before } })).toEqual([
      expect.stringMatching(/^data:$/),
      expect.stringMatching(/^ {2}script: \(2 lines, 18 characters, sha256 [0-9a-f]{12}\)$/),
    ]);
  });

  test('format characters (bidi overrides, zero-width spaces) and other controls show as \\u escapes, in values, keys and paths', () => {
    const sneaky = 'admin\u202egnp.exe\u200b\u0085';
    expect(changed('x', sneaky)).toBe('a: "x" → "admin\\u202egnp.exe\\u200b\\u0085"');
    expect(formatFieldChange({ change: 'added', path: ['k\u2066'], text: 'k\u2066', new: 1 })).toBe('k\\u2066: 1');
    expect(objectLines({ ['key\u200d']: sneaky })).toEqual(['key\\u200d: "admin\\u202egnp.exe\\u200b\\u0085"']);
    // A format character outside the first plane is shown as its two UTF-16 units.
    expect(changed('x', 'tag\u{E0041}')).toBe('a: "x" → "tag\\udb40\\udc41"');
  });
});
