import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_REPLICAS } from '../lib/core/fields.js';
import { checkIn, documentationProblems } from './support/committed-state.js';
import { documentationFiles } from './support/docs.js';
import { PROJECT_ROOT } from './support/synth-process.js';

// What is committed and must agree with the code, whatever the configuration: the generated files
// and the documentation. A failure here means a change was committed without its consequence.
// test/routine-changes.test.ts runs the same checks on copies changed as the docs describe.

test('the project passes npm run check: dist/ and the rollout workflow are what synth writes, of known kinds and schemas', async () => {
  const check = await checkIn(PROJECT_ROOT);
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
  test('README.md and docs/ are the documentation set', () => {
    expect(documentationFiles(PROJECT_ROOT)).toEqual(
      expect.arrayContaining([
        'README.md',
        'docs/adopting.md',
        'docs/benchmarks.md',
        'docs/operating.md',
        'docs/reviewing.md',
        'docs/service.md',
        'docs/testing.md',
      ]),
    );
  });

  test('its links reach existing files and headings, it names only npm scripts that exist, and its example workload is the tested one', () => {
    expect(documentationProblems(PROJECT_ROOT)).toEqual([]);
  });

  test('gives the replicas ceiling synth enforces', () => {
    expect(readFileSync(join(PROJECT_ROOT, 'docs', 'operating.md'), 'utf8')).toContain(`a whole number from 2 to ${MAX_REPLICAS}`);
  });
});
