import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Wall time and peak resident memory of one process run. */
export interface ProcessFigures {
  readonly seconds: number;
  readonly peakMiB: number;
}

/**
 * Runs `node <args>` and measures it from outside: wall time, and the child's own peak RSS,
 * which a preloaded hook reads from `process.resourceUsage()` as the process exits.
 */
export function measureNode(args: readonly string[], options: { cwd?: string } = {}): ProcessFigures {
  const scratch = mkdtempSync(join(tmpdir(), 'trinity-bench-'));
  try {
    const hook = join(scratch, 'peak-rss.cjs');
    const report = join(scratch, 'peak-rss.txt');
    writeFileSync(
      hook,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, String(process.resourceUsage().maxRSS)));\n`,
    );
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, ['--require', hook, ...args], { cwd: options.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed:\n${result.stderr.toString()}`);
    return { seconds, peakMiB: Number(readFileSync(report, 'utf8')) / 1024 };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Runs `measure` `runs` times and summarizes: median and fastest wall time, largest peak memory. */
export function repeat(runs: number, measure: () => ProcessFigures): { median: number; fastest: number; peakMiB: number } {
  const figures = Array.from({ length: runs }, measure);
  const seconds = figures.map((figure) => figure.seconds);
  return { median: median(seconds), fastest: Math.min(...seconds), peakMiB: Math.max(...figures.map((figure) => figure.peakMiB)) };
}

/** The middle value (the upper one of an even count); NaN for none. */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
}

export const formatSeconds = (seconds: number): string => `${seconds.toFixed(3)} s`;
export const formatMiB = (mib: number): string => `${mib.toFixed(0)} MiB`;
