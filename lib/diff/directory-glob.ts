/**
 * Argo CD v3.3.7 matches a directory source's `include` and `exclude` with gobwas/glob compiled
 * without separators, against each file's path relative to the source path. Without separators
 * `*` (and `**`) match any text, `/` included; `?` matches one character; `[abc]`, `[a-z]` and
 * `[!abc]` match one character of a class; `{a,b}` matches either alternative; `\` escapes the
 * next character. A pattern that does not compile matches nothing, as Argo CD logs and moves on.
 */
export function directoryGlobMatches(pattern: string, relativePath: string): boolean {
  const compiled = compile(pattern);
  return compiled !== undefined && compiled.test(relativePath);
}

const cache = new Map<string, RegExp | undefined>();

function compile(pattern: string): RegExp | undefined {
  if (cache.has(pattern)) return cache.get(pattern);
  let regex: RegExp | undefined;
  try {
    const { source, end } = translate(pattern, 0, false);
    regex = end === pattern.length ? new RegExp(`^${source}$`, 'su') : undefined;
  } catch {
    regex = undefined;
  }
  cache.set(pattern, regex);
  return regex;
}

const escapeRegex = (text: string) => text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
const escapeInClass = (text: string) => text.replace(/[\\^\][-]/g, '\\$&');

/**
 * The regular expression for `pattern` from `start`, up to its end or, inside `{...}`, up to
 * the `,` or `}` that ends the alternative.
 *
 * @throws Error for an unclosed class or group, or a trailing escape
 */
function translate(pattern: string, start: number, inGroup: boolean): { source: string; end: number } {
  let source = '';
  let index = start;
  while (index < pattern.length) {
    const char = pattern[index]!;
    if (inGroup && (char === ',' || char === '}')) return { source, end: index };
    if (char === '*') {
      while (pattern[index] === '*') index++;
      source += '.*';
      continue;
    }
    if (char === '?') source += '.';
    else if (char === '\\') {
      index++;
      if (index >= pattern.length) throw new Error('trailing escape');
      source += escapeRegex(pattern[index]!);
    } else if (char === '[') {
      const close = pattern.indexOf(']', index + 2);
      if (close < 0) throw new Error('unclosed class');
      let body = pattern.slice(index + 1, close);
      const negated = body.startsWith('!');
      if (negated) body = body.slice(1);
      if (body === '') throw new Error('empty class');
      const parts = body.match(/.-.|./gsu) ?? [];
      source += `[${negated ? '^' : ''}${parts.map((part) => (part.length === 3 ? `${escapeInClass(part[0]!)}-${escapeInClass(part[2]!)}` : escapeInClass(part))).join('')}]`;
      index = close;
    } else if (char === '{') {
      const alternatives: string[] = [];
      let at = index + 1;
      for (;;) {
        const alternative = translate(pattern, at, true);
        alternatives.push(alternative.source);
        if (alternative.end >= pattern.length) throw new Error('unclosed group');
        at = alternative.end + 1;
        if (pattern[alternative.end] === '}') break;
      }
      source += `(?:${alternatives.join('|')})`;
      index = at;
      continue;
    } else source += escapeRegex(char);
    index++;
  }
  if (inGroup) throw new Error('unclosed group');
  return { source, end: index };
}
