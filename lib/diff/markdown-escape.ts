// Text from the tree (file names, object names, values) is untrusted in a pull-request comment:
// a newline can end a code span and `<!--` can then hide the rest of the comment.

/**
 * Characters that show nothing or move other text: controls, format characters (`\p{Cf}`: bidi
 * overrides, zero-width spaces, the byte-order mark), line and paragraph separators.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` with each invisible character as a `\uXXXX` escape (`\n`, `\r` and `\t` by name), so a reviewer sees it. */
export function visibleCharacters(text: string): string {
  return text.replace(
    INVISIBLE,
    (character) =>
      NAMED[character] ??
      [...Array(character.length).keys()].map((unit) => `\\u${character.charCodeAt(unit).toString(16).padStart(4, '0')}`).join(''),
  );
}

/**
 * Breaks what GitHub turns into a notification or a link: `@name` mentions and bare URLs,
 * `www.` hosts and e-mail addresses. An empty HTML comment splits the text, so nothing matches
 * and nothing shows.
 */
function inert(text: string): string {
  return text
    .replace(/@/g, '@<!-- -->')
    .replace(/:\/\//g, ':<!-- -->//')
    .replace(/\bwww\./gi, (match) => `${match.slice(0, 3)}<!-- -->.`);
}

/** Text for Markdown paragraphs and list items: one line, no emphasis, links, HTML or comments. */
export function markdownText(text: string): string {
  return inert(
    visibleCharacters(text)
      .replace(/[\\`*_[\]|#~!]/g, (character) => `\\${character}`)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;'),
  );
}

/** Text inside an HTML element such as `<summary>`: one line, markup shown as text. */
export function htmlText(text: string): string {
  return inert(visibleCharacters(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
}

/**
 * An inline code span that shows `text` exactly, on one line: the fence is longer than any run of
 * backticks inside, and `|` is escaped so the span also works in a table cell.
 */
export function inlineCode(text: string): string {
  const line = visibleCharacters(text).replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const padded = line.startsWith('`') || line.endsWith('`') || line === '' ? ` ${line} ` : line;
  return `${fence}${padded}${fence}`;
}

/** A fenced block whose fence is longer than any run of backticks inside, so content never closes it. */
export function fencedBlock(language: string, lines: readonly string[]): string {
  const safe = lines.map((line) => line.replace(INVISIBLE, (character) => (character === '\t' ? character : visibleCharacters(character))));
  const longest = Math.max(2, ...safe.map((line) => Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length))));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${safe.join('\n')}\n${fence}`;
}
