/** How a table is printed: aligned plain text, or Markdown (for documents such as docs/benchmarks.md). */
export type TableFormat = 'text' | 'markdown';

/**
 * `rows` under `headings` as lines. Plain text: each column as wide as its widest cell, two
 * spaces apart, no trailing spaces. Markdown: with `|` in a cell escaped.
 */
export function formatTable(headings: readonly string[], rows: readonly (readonly string[])[], format: TableFormat = 'text'): string[] {
  if (format === 'markdown') {
    const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
    return [line(headings), `|${headings.map(() => '---').join('|')}|`, ...rows.map(line)];
  }
  const widths = headings.map((heading, column) => Math.max(heading.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headings), ...rows.map(line)];
}
