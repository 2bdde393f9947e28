import { UsageError } from '../core/errors.js';

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
const DURATION = /^(?:\d+(?:ms|h|m|s))+$/;
const PART = /(\d+)(ms|h|m|s)/g;

/**
 * Parses a duration written the way kubectl and its plugins accept it (Go's `time.ParseDuration`,
 * whole numbers only): `10m`, `30s`, `1m30s`, `500ms`. Returns milliseconds, or `undefined`
 * when the text is not such a duration.
 */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return total;
}

/** Writes `ms` in the largest unit that divides it: 600000 → `10m`, 2000 → `2s`, 1500 → `1500ms`. */
export function formatDuration(ms: number): string {
  for (const unit of ['h', 'm', 's'] as const) {
    if (ms > 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * The milliseconds of a duration option such as `--timeout 10m`.
 *
 * @throws UsageError naming the flag when the text is not a positive duration
 */
export function durationOption(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    throw new UsageError(
      `${flag} "${text}" is not a duration; expected a positive whole number with a unit: ms, s, m or h (30s, 10m, 1m30s)`,
    );
  }
  return ms;
}
