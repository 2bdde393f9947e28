import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { entryPointCommand } from '../lib/util/entry-point.js';
import { formatMiB, formatSeconds, measureNode, repeat } from './measure.js';
import type { BenchTable } from './report.js';

const RUNS = 9;
const BENCH_ROOT = join('node_modules', '.cache', 'trinity-delivery-bench');

/**
 * Start-up of an entry point: scripts/run.cjs (a cached esbuild bundle with its source map) against
 * tsx, which compiles each file on load (and caches it too). Both warm: a first run fills each cache.
 */
export function run(): BenchTable[] {
  mkdirSync(BENCH_ROOT, { recursive: true });
  const scratch = mkdtempSync(join(BENCH_ROOT, 'runner-'));
  try {
    let outputs = 0;
    const cases: [string, (entryArgs: () => string[]) => () => ReturnType<typeof measureNode>][] = [
      ['node scripts/run.cjs', (entryArgs) => () => measureNode(entryPointCommand(resolve('.'), 'main.ts', entryArgs()).args)],
      ['node --import tsx', (entryArgs) => () => measureNode(['--import', 'tsx', 'main.ts', ...entryArgs()])],
    ];
    const work: [string, () => string[]][] = [
      ['start-up (main.ts --help)', () => ['--help']],
      ['3-cluster synth into an empty folder', () => ['--outdir', join(scratch, `dist-${outputs++}`)]],
    ];
    const rows: string[][] = [];
    for (const [label, entryArgs] of work) {
      for (const [runner, measure] of cases) {
        const once = measure(entryArgs);
        once(); // fills the runner's cache
        const figures = repeat(RUNS, once);
        rows.push([label, runner, formatSeconds(figures.median), formatSeconds(figures.fastest), formatMiB(figures.peakMiB)]);
      }
    }
    return [
      {
        id: 'runner',
        title: `\`npm run bench -- runner\`: an entry point's start-up under each runner, warm caches, median of ${RUNS} runs`,
        headings: ['work', 'runner', 'median', 'fastest', 'peak memory'],
        rows,
      },
    ];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
