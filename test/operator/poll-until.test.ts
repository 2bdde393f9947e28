import { type Clock, pollUntil, type Probe, WaitTimeoutError } from '../../lib/operator/poll-until.js';

/** A clock whose sleeps only move time forward. */
function fakeClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: (ms) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

function probes<T>(...answers: Probe<T>[]): () => Promise<Probe<T>> {
  return () => Promise.resolve(answers.shift() ?? answers[answers.length - 1] ?? { done: false, seen: 'nothing left' });
}

describe('pollUntil', () => {
  test('returns the value as soon as the probe is done, probing every interval', async () => {
    const clock = fakeClock();
    const changes: string[] = [];
    const value = await pollUntil({
      what: 'the thing',
      timeoutMs: 10_000,
      intervalMs: 1_000,
      clock,
      onChange: (seen) => changes.push(seen),
      probe: probes<string>(
        { done: false, seen: 'a' },
        { done: false, seen: 'a' },
        { done: false, seen: 'b' },
        { done: true, value: 'ready' },
      ),
    });
    expect(value).toBe('ready');
    expect(clock.slept).toEqual([1_000, 1_000, 1_000]);
    expect(changes).toEqual(['a', 'b']);
  });

  test('fails if the deadline passes, saying what it waited for and what it saw last', async () => {
    const clock = fakeClock();
    let probed = 0;
    const waiting = pollUntil({
      what: 'the CRD rollouts.argoproj.io to be Established',
      timeoutMs: 2_500,
      intervalMs: 1_000,
      clock,
      probe: () => Promise.resolve({ done: false, seen: `look ${++probed}` }),
    });
    await expect(waiting).rejects.toThrow(new WaitTimeoutError('the CRD rollouts.argoproj.io to be Established', 2_500, 'look 4'));
    await expect(waiting).rejects.toThrow(
      'timed out after 2500ms waiting for the CRD rollouts.argoproj.io to be Established; last seen: look 4',
    );
    // The last sleep is cut to the deadline, and the probe looks once more at the deadline.
    expect(clock.slept).toEqual([1_000, 1_000, 500]);
  });

  test('fails at once if the probe throws', async () => {
    const clock = fakeClock();
    const waiting = pollUntil({
      what: 'x',
      timeoutMs: 60_000,
      intervalMs: 1_000,
      clock,
      probe: async () => Promise.reject(new Error('Degraded')),
    });
    await expect(waiting).rejects.toThrow('Degraded');
    expect(clock.slept).toEqual([]);
  });
});
