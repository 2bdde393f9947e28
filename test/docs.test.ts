import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anchorsOf, brokenLinks, githubSlug } from './support/docs.js';

// The link checker itself; the committed-state suite runs it on the project's documentation.
describe('documentation links', () => {
  test('anchors follow GitHub: lower case, code marks and punctuation dropped, repeats numbered', () => {
    expect(githubSlug('`npm run diff`')).toBe('npm-run-diff');
    expect(githubSlug('Regenerating `imports/`')).toBe('regenerating-imports');
    expect(githubSlug('The end-to-end drill')).toBe('the-end-to-end-drill');
    expect([...anchorsOf('# A\n## A\n```sh\n# not a heading\n```\n<a id="x"></a>\n')]).toEqual(['a', 'a-1', 'x']);
  });

  describe('on a scratch tree', () => {
    let root: string;
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'docs-links-'));
      mkdirSync(join(root, 'docs'));
      writeFileSync(join(root, 'docs', 'a.md'), '# A\n\n## Some `code` section\n');
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    test('accepts links to existing files and headings', () => {
      const readme = '[a](docs/a.md) [s](docs/a.md#some-code-section) [self](#top) [web](https://example.com/x#y)\n\n# Top\n';
      expect(brokenLinks(root, 'README.md', readme)).toEqual([]);
    });

    test('fails if a linked file is missing', () => {
      expect(brokenLinks(root, 'README.md', '[b](docs/b.md)\n')).toEqual(['README.md: docs/b.md (no file docs/b.md)']);
    });

    test('fails if a linked heading is missing, in another file or the same one', () => {
      expect(brokenLinks(root, 'README.md', '[s](docs/a.md#gone)\n[t](#top)\n')).toEqual([
        'README.md: docs/a.md#gone (no heading #gone)',
        'README.md: #top (no heading #top)',
      ]);
    });

    test('resolves links relative to the linking file', () => {
      expect(brokenLinks(root, 'docs/a.md', '[x](a.md#a) [y](../README.md)\n')).toEqual(['docs/a.md: ../README.md (no file README.md)']);
    });
  });
});
