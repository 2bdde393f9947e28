import { formatDuration } from './duration.js';

/** Time, injectable so waits can be tested without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** One look at what is awaited: finished with a value, or not yet, with what was seen instead. */
export type Probe<T> = { readonly done: true; readonly value: T } | { readonly done: false; readonly seen: string };

export interface PollOptions<T> {
  /** What is awaited, completing "waiting for ...": `the CRD rollouts.argoproj.io to be Established`. */
  readonly what: string;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  /** Looks once. Throwing ends the wait at once: for states that waiting cannot fix. */
  readonly probe: () => Promise<Probe<T>>;
  /** Called when what is seen changes, to show progress. */
  readonly onChange?: (seen: string) => void;
  /** @default SYSTEM_CLOCK */
  readonly clock?: Clock;
}

/** A deadline passed; the message says what was awaited and what was seen last. */
export class WaitTimeoutError extends Error {
  constructor(
    public readonly what: string,
    public readonly timeoutMs: number,
    public readonly lastSeen: string,
  ) {
    super(`timed out after ${formatDuration(timeoutMs)} waiting for ${what}; last seen: ${lastSeen}`);
    this.name = 'WaitTimeoutError';
  }
}

/** Probes every `intervalMs` until the probe is done or `timeoutMs` has passed; probes at least once. */
export async function pollUntil<T>(options: PollOptions<T>): Promise<T> {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const deadline = clock.now() + options.timeoutMs;
  let lastSeen: string | undefined;
  for (;;) {
    const probe = await options.probe();
    if (probe.done) return probe.value;
    if (probe.seen !== lastSeen) options.onChange?.(probe.seen);
    lastSeen = probe.seen;
    const left = deadline - clock.now();
    if (left <= 0) throw new WaitTimeoutError(options.what, options.timeoutMs, lastSeen);
    await clock.sleep(Math.min(options.intervalMs, left));
  }
}
