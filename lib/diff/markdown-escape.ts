// Text from the tree (file names, object names, values) is untrusted in a pull-request comment:
// a newline can end a code span and `<!--` can then hide the rest of the comment.

/** Control characters, line and paragraph separators: each shown as a visible escape. */
const CONTROL = /(?![\u0080-\u009f])[\p{Cc}\u2028\u2029]/gu;

function visibleControls(text: string): string {
  return text.replace(CONTROL, (character) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** Text for Markdown paragraphs and list items: one line, no emphasis, links, HTML or comments. */
export function markdownText(text: string): string {
  return visibleControls(text)
    .replace(/[\\`*_[\]|#~!]/g, (character) => `\\${character}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Text inside an HTML element such as `<summary>`: one line, markup shown as text. */
export function htmlText(text: string): string {
  return visibleControls(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * An inline code span that shows `text` exactly, on one line: the fence is longer than any run of
 * backticks inside, and `|` is escaped so the span also works in a table cell.
 */
export function inlineCode(text: string): string {
  const line = visibleControls(text).replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const padded = line.startsWith('`') || line.endsWith('`') || line === '' ? ` ${line} ` : line;
  return `${fence}${padded}${fence}`;
}

/** A fenced block whose fence is longer than any run of backticks inside, so content never closes it. */
export function fencedBlock(language: string, lines: readonly string[]): string {
  const safe = lines.map((line) => line.replace(/[\r\u2028\u2029]/g, (character) => visibleControls(character)));
  const longest = Math.max(2, ...safe.map((line) => Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length))));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${safe.join('\n')}\n${fence}`;
}
