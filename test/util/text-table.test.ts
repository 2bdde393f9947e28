import { formatTable } from '../../lib/util/text-table.js';

describe('formatTable', () => {
  const headings = ['clusters', 'median'];
  const rows = [
    ['3', '0.170 s'],
    ['100', '1.060 s'],
  ];

  test('aligns plain-text columns by default', () => {
    expect(formatTable(headings, rows)).toEqual(['clusters  median', '3         0.170 s', '100       1.060 s']);
  });

  test('prints a Markdown table, for docs/benchmarks.md', () => {
    expect(formatTable(headings, rows, 'markdown')).toEqual(['| clusters | median |', '|---|---|', '| 3 | 0.170 s |', '| 100 | 1.060 s |']);
  });

  test('escapes a pipe inside a Markdown cell, so it cannot split the row', () => {
    expect(formatTable(['case'], [['a | b']], 'markdown').at(-1)).toBe('| a \\| b |');
  });
});
