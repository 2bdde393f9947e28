import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, resolveConfig } from 'prettier';
import { AREAS } from '../../bench/areas.js';
import {
  formatMarkdown,
  type MeasuredTable,
  regionIds,
  renderMarkdown,
  replaceRegions,
  tableLinesOutsideRegions,
} from '../../bench/report.js';
import { PROJECT_ROOT } from '../support/synth-process.js';

const DOC = join(PROJECT_ROOT, 'docs', 'benchmarks.md');
const CONDITIONS = { date: '2026-11-30', node: 'v20.20.2', cores: 2, loadBefore: 9.46, loadAfter: 8.1 };

/** Figures recorded from one run of the synth area, as the bench reports them. */
const recorded = (id: string): MeasuredTable => ({
  id,
  title: '`npm run bench -- synth`: the synth entry point (`node scripts/run.cjs main.ts`, warm bundle), median of 15 runs',
  headings: ['clusters', 're-synth median', 'fastest', 'into an empty folder', 'peak memory'],
  rows: [
    ['3', '0.174 s', '0.152 s', '0.181 s', '61 MiB'],
    ['100', '1.089 s', '0.931 s', '0.902 s', '101 MiB'],
  ],
  notes: ['SIGTERM with the largest admitted render in flight: reply 200, exit code 0, 1.80 s from the request to the exit.'],
  conditions: CONDITIONS,
});

/** The text outside every region: what the bench must never change. */
const outsideRegions = (markdown: string) => markdown.replace(/^<!-- bench:([\w-]+) -->\n[\s\S]*?^<!-- \/bench:\1 -->$/gm, '<region $1>');

describe('renderMarkdown', () => {
  test('captions the table with its command, runs, date, Node, cores and load average, and says when the machine was busy', () => {
    const markdown = renderMarkdown(recorded('synth'));
    expect(markdown.split('\n\n')[0]).toBe(
      '`npm run bench -- synth`: the synth entry point (`node scripts/run.cjs main.ts`, warm bundle), median of 15 runs. ' +
        'Measured 2026-11-30 on Node v20.20.2, 2 cores, load average 9.5 as it started and 8.1 as it ended, a machine busy with other work.',
    );
    expect(renderMarkdown({ ...recorded('synth'), conditions: { ...CONDITIONS, loadBefore: 0.4, loadAfter: 1.2 } })).not.toContain('busy');
    expect(markdown).toContain('| 100 | 1.089 s | 0.931 s | 0.902 s | 101 MiB |');
  });
});

describe('replaceRegions', () => {
  const doc = [
    '# Title',
    '',
    'Prose before.',
    '',
    '<!-- bench:synth -->',
    '| old | table |',
    '<!-- /bench:synth -->',
    '',
    'Prose between, naming <!-- bench:synth --> inline.',
    '',
    '<!-- bench:yaml -->',
    'old yaml table',
    '<!-- /bench:yaml -->',
    '',
    'Prose after.',
    '',
  ].join('\n');

  test('replaces exactly the marked region of each table it is given, and nothing else', () => {
    const written = replaceRegions(doc, [recorded('synth')], 'doc.md');
    const [before, rest] = written.split('<!-- bench:synth -->\n');
    expect(before).toBe('# Title\n\nProse before.\n\n');
    expect(rest).toBe(`\n${renderMarkdown(recorded('synth'))}\n\n${doc.slice(doc.indexOf('<!-- /bench:synth -->'))}`);
    expect(written).not.toContain('| old | table |');
    expect(written).toContain('<!-- bench:yaml -->\nold yaml table\n<!-- /bench:yaml -->');
    expect(replaceRegions(written, [recorded('synth')], 'doc.md')).toBe(written);
  });

  test('fails if a table has no region, or more than one, naming the markers to add', () => {
    expect(() => replaceRegions(doc, [recorded('diff')], 'doc.md')).toThrow(
      'doc.md: no region for the bench table diff; expected one, <!-- bench:diff --> ... <!-- /bench:diff -->',
    );
    const twice = `${doc}\n<!-- bench:yaml -->\n<!-- /bench:yaml -->\n`;
    expect(() => replaceRegions(twice, [recorded('yaml')], 'doc.md')).toThrow('doc.md: 2 regions for the bench table yaml');
  });

  test('fails if a table line stands outside a region', () => {
    expect(tableLinesOutsideRegions(doc)).toEqual([]);
    expect(tableLinesOutsideRegions(`${doc}| typed | by hand |\n`)).toEqual([16]);
  });
});

describe('docs/benchmarks.md', () => {
  const committed = readFileSync(DOC, 'utf8');
  const benchTables = Object.values(AREAS).flatMap((area) => area.tables);

  test('every table in it is inside a region the bench writes', () => {
    expect(tableLinesOutsideRegions(committed)).toEqual([]);
    expect(regionIds(committed).filter((id) => !benchTables.includes(id))).toEqual([]);
  });

  test('has one region for each table the bench reports', () => {
    expect([...regionIds(committed)].sort()).toEqual([...benchTables].sort());
  });

  test('written with recorded figures, stays Prettier-clean and changes only inside the regions', async () => {
    const written = await formatMarkdown(replaceRegions(committed, regionIds(committed).map(recorded), DOC), DOC);
    expect(await check(written, { ...(await resolveConfig(DOC)), filepath: DOC })).toBe(true);
    expect(outsideRegions(written)).toBe(outsideRegions(committed));
    expect(written.match(/\| 100 +\| 1\.089 s/g)).toHaveLength(regionIds(committed).length);
    expect(tableLinesOutsideRegions(written)).toEqual([]);
  });
});
