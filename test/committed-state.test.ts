import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCheck } from '../bin/check.js';
import { MAX_REPLICAS } from '../lib/core/fields.js';
import { brokenLinks, documentationFiles, readDocumentation } from './support/docs.js';
import { runCommand } from './support/run-command.js';
import { PROJECT_ROOT } from './support/synth-process.js';

// What is committed and must agree with the code: the generated files and the documentation.
// A failure here means a change was committed without its consequence.

test('the project passes npm run check: dist/ and the rollout workflow are what synth writes, of known kinds and schemas', async () => {
  const check = await runCommand(runCheck, [], { cwd: PROJECT_ROOT });
  // On a failure the report names each stale file and the fix: run `npm run synth` and commit the result.
  const lines = check.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^✓ fresh synth: dist\/ \(\d+ files\) and every other generated file match a fresh synth$/);
  expect(lines[1]).toBe(
    '✓ directory source: Argo CD reads dist/ as written: no jsonnet, skipped files, outside symlinks or duplicate objects',
  );
  expect(lines[2]).toMatch(/^✓ kind allow-list: \d+ objects of \d+ kinds, all on the allow-list$/);
  expect(lines[3]).toMatch(/^✓ schemas: \d+ objects match their schemas/);
  expect(lines.at(-1)).toBe('npm run check: passed');
  expect(check).toMatchObject({ status: 0, stderr: '' });
});

describe('the documentation', () => {
  const operating = readFileSync(join(PROJECT_ROOT, 'docs', 'operating.md'), 'utf8');
  const scripts = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;

  test('README.md and docs/ are the documentation set', () => {
    expect(documentationFiles(PROJECT_ROOT)).toEqual(
      expect.arrayContaining([
        'README.md',
        'docs/benchmarks.md',
        'docs/operating.md',
        'docs/reviewing.md',
        'docs/service.md',
        'docs/testing.md',
      ]),
    );
  });

  test.each(documentationFiles(PROJECT_ROOT))('every relative link in %s reaches an existing file and heading', (file) => {
    expect(brokenLinks(PROJECT_ROOT, file)).toEqual([]);
  });

  test('names only npm scripts that exist', () => {
    const mentioned = [...readDocumentation(PROJECT_ROOT).matchAll(/npm run ([a-z0-9:-]+)/g)].map((match) => match[1]);
    expect(mentioned.length).toBeGreaterThan(0);
    expect(mentioned.filter((script) => script === undefined || !(script in scripts))).toEqual([]);
  });

  test('gives the replicas ceiling synth enforces', () => {
    expect(operating).toContain(`a whole number from 2 to ${MAX_REPLICAS}`);
  });
});
