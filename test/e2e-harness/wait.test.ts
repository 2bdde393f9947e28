import { StepFailure, waitFor } from '../e2e/support/wait.js';

describe('waitFor', () => {
  test('resolves with the value of the first look that is done', async () => {
    let looks = 0;
    const value = await waitFor(
      'step',
      'three looks',
      () => {
        looks++;
        return Promise.resolve({ done: looks === 3, seen: `look ${looks}`, value: looks });
      },
      { intervalMs: 1 },
    );
    expect(value).toBe(3);
  });

  test('fails if the deadline passes, naming the step, what was awaited and what was seen last', async () => {
    let looks = 0;
    const waiting = waitFor(
      '3. release',
      'Paused at step 1/3',
      () => Promise.resolve({ done: false, seen: `phase Progressing, look ${++looks}` }),
      {
        timeoutMs: 30,
        intervalMs: 5,
      },
    );
    await expect(waiting).rejects.toBeInstanceOf(StepFailure);
    await expect(waiting).rejects.toThrow(
      new RegExp(`^3\\. release: Paused at step 1/3 \\(not reached within 0 s\\); last seen: phase Progressing, look ${looks}$`),
    );
  });

  test('a look that throws counts as a look that saw the error', async () => {
    const waiting = waitFor('step', 'the API server', () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')), {
      timeoutMs: 10,
      intervalMs: 2,
    });
    await expect(waiting).rejects.toThrow('last seen: connect ECONNREFUSED 127.0.0.1:1');
  });
});
