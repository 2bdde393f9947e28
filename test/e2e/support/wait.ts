/** A drill step that did not reach what it awaited; the message carries what was seen last. */
export class StepFailure extends Error {
  constructor(
    public readonly step: string,
    public readonly awaited: string,
    public readonly lastSeen: string,
    detail = '',
  ) {
    super(`${step}: ${awaited}${detail ? ` (${detail})` : ''}; last seen: ${lastSeen}`);
    this.name = 'StepFailure';
  }
}

/** An error a probe throws to end the wait at once: what it waits for can no longer happen (a process it needs exited). */
export class WaitEnded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WaitEnded';
  }
}

export interface WaitOptions {
  /** @default 90_000 */
  readonly timeoutMs?: number;
  /** @default 250 */
  readonly intervalMs?: number;
}

/**
 * Looks with `probe` until it returns `{ done: true }` or the deadline passes. Each look says what
 * it saw, so a timeout can report the last state instead of only "timed out". A probe that throws
 * counts as a look that saw the error, unless the error is a {@link WaitEnded}, which ends the wait.
 */
export async function waitFor<T>(
  step: string,
  awaited: string,
  probe: () => Promise<{ done: boolean; seen: string; value?: T }> | { done: boolean; seen: string; value?: T },
  options: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  let lastSeen: string;
  for (;;) {
    try {
      const look = await probe();
      lastSeen = look.seen;
      if (look.done) return look.value as T;
    } catch (error) {
      if (error instanceof WaitEnded) throw error;
      lastSeen = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline)
      throw new StepFailure(step, awaited, lastSeen, `not reached within ${Math.round((options.timeoutMs ?? 90_000) / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
}
