import { fencedBlock, htmlText, inlineCode, markdownText } from '../../lib/diff/markdown-escape.js';

describe('Markdown escaping', () => {
  test('inline code stays on one line, outlasts any backticks inside, and is safe in a table cell', () => {
    expect(inlineCode('a\n\n<!-- b')).toBe('`a\\n\\n<!-- b`');
    expect(inlineCode('x ``y`` z')).toBe('```x ``y`` z```');
    expect(inlineCode('`edge`')).toBe('`` `edge` ``');
    expect(inlineCode('a|b')).toBe('`a\\|b`');
  });

  test('text shows markup as text: no emphasis, links, HTML comments or line breaks', () => {
    // The escapes of control characters are escaped too, so they render as \r and \n.
    expect(markdownText('*a* [b](c) <!-- d\r\ne')).toBe('\\*a\\* \\[b\\](c) &lt;\\!-- d\\\\r\\\\ne');
    expect(htmlText('<b>&\n')).toBe('&lt;b&gt;&amp;\\n');
  });

  test('mentions, bare URLs and e-mail addresses cannot ping or link: an empty comment splits them', () => {
    expect(markdownText('ping @admins and @org/team at https://evil.test, www.evil.test or me@evil.test')).toBe(
      'ping @<!-- -->admins and @<!-- -->org/team at https:<!-- -->//evil.test, www<!-- -->.evil.test or me@<!-- -->evil.test',
    );
    expect(htmlText('@admin http://x')).toBe('@<!-- -->admin http:<!-- -->//x');
  });

  test('format characters and controls show as \\u escapes everywhere', () => {
    expect(markdownText('a\u202eb\u200bc\u0085')).toBe('a\\\\u202eb\\\\u200bc\\\\u0085');
    expect(inlineCode('a\u2066b')).toBe('`a\\u2066b`');
    expect(htmlText('\ufeffx')).toBe('\\ufeffx');
    expect(fencedBlock('diff', ['+ a\u202eb\tc'])).toBe('```diff\n+ a\\u202eb\tc\n```');
  });

  test('a fence is longer than any run of backticks inside', () => {
    expect(fencedBlock('diff', ['+ ````', '- x'])).toBe('`````diff\n+ ````\n- x\n`````');
  });
});
