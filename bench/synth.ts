import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLOUDS } from '../lib/config/fields.js';
import { formatMiB, formatSeconds, measureNode, printTable, repeat } from './measure.js';

const RUNS = 9;
const BENCH_ROOT = join('node_modules', '.cache', 'trinity-delivery-bench');

/** Writes `count` overlays, cycling through the clouds, and returns their folder. */
function generateOverlays(root: string, count: number): string {
  const folder = join(root, `overlays-${count}`);
  mkdirSync(folder);
  for (let index = 0; index < count; index++) {
    const cloud = CLOUDS[index % CLOUDS.length];
    writeFileSync(join(folder, `${cloud}-${String(index).padStart(3, '0')}.yaml`), `cloud: ${cloud}\nregion: region-${index}\nimage: node:22-alpine\n`);
  }
  return folder;
}

/** Synth wall time and peak memory: the synth entry point as `npm run synth` runs it, minus npm. */
export async function run(): Promise<void> {
  // Inside the project, like dist/ itself: on some machines the system temp folder is on a much
  // slower file system, which would measure the disk rather than the synth.
  mkdirSync(BENCH_ROOT, { recursive: true });
  const scratch = mkdtempSync(join(BENCH_ROOT, 'synth-'));
  try {
    const synth = (overlays: string) => () =>
      measureNode(['scripts/run.cjs', 'main.ts', '--overlays', overlays, '--outdir', join(scratch, 'dist')]);
    console.log(`synth (node scripts/run.cjs main.ts; warm bundle and code cache; ${RUNS} runs)`);
    const rows: string[][] = [];
    for (const count of [3, 30, 100]) {
      const overlays = count === 3 ? 'overlays' : generateOverlays(scratch, count);
      synth(overlays)(); // warm the bundle cache
      const figures = repeat(RUNS, synth(overlays));
      rows.push([String(count), formatSeconds(figures.median), formatSeconds(figures.fastest), formatMiB(figures.peakMiB), `${((figures.median / count) * 1000).toFixed(1)} ms`]);
    }
    printTable(['clusters', 'median', 'fastest', 'peak memory', 'median per cluster'], rows);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
