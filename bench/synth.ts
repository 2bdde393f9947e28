import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CLOUDS } from '../lib/core/fields.js';
import { entryPointCommand } from '../lib/util/entry-point.js';
import { formatMiB, formatSeconds, measureNode, repeat } from './measure.js';
import type { BenchTable } from './report.js';

const RUNS = 15;
const BENCH_ROOT = join('node_modules', '.cache', 'trinity-delivery-bench');

/** Writes `count` overlays, cycling through the clouds, and returns their folder. */
function generateOverlays(root: string, count: number): string {
  const folder = join(root, `overlays-${count}`);
  mkdirSync(folder);
  for (let index = 0; index < count; index++) {
    const cloud = CLOUDS[index % CLOUDS.length] ?? 'aws';
    writeFileSync(
      join(folder, `${cloud}-${String(index).padStart(3, '0')}.yaml`),
      `cloud: ${cloud}\nregion: region-${index}\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n`,
    );
  }
  return folder;
}

/**
 * Synth wall time and peak memory: the synth entry point as `npm run synth` runs it, minus npm.
 * "re-synth" replaces an output folder that already holds the same tree, as `npm run synth` does
 * day to day; "into an empty folder" writes every file.
 */
export function run(): BenchTable[] {
  // Inside the project, like dist/ itself: on some machines the system temp folder is on a much
  // slower file system, which would measure the disk rather than the synth.
  mkdirSync(BENCH_ROOT, { recursive: true });
  const scratch = mkdtempSync(join(BENCH_ROOT, 'synth-'));
  try {
    let fresh = 0;
    const synth = (overlays: string, outdir: () => string) => () =>
      measureNode(entryPointCommand(resolve('.'), 'main.ts', ['--overlays', overlays, '--outdir', outdir()]).args);
    const rows: string[][] = [];
    for (const count of [3, 30, 100]) {
      const overlays = count === 3 ? 'overlays' : generateOverlays(scratch, count);
      const resynth = synth(overlays, () => join(scratch, `dist-${count}`));
      resynth(); // warm the bundle cache, and leave a tree to replace
      const again = repeat(RUNS, resynth);
      const empty = repeat(
        RUNS,
        synth(overlays, () => join(scratch, `empty-${fresh++}`, 'dist')),
      );
      rows.push([
        String(count),
        formatSeconds(again.median),
        formatSeconds(again.fastest),
        formatSeconds(empty.median),
        formatMiB(Math.max(again.peakMiB, empty.peakMiB)),
      ]);
    }
    return [
      {
        id: 'synth',
        title: `\`npm run bench -- synth\`: the synth entry point (\`node scripts/run.cjs main.ts\`, warm bundle), median of ${RUNS} runs`,
        headings: ['clusters', 're-synth median', 'fastest', 'into an empty folder', 'peak memory'],
        rows,
      },
    ];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
