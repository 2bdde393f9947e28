import { selectRolloutWorkload } from '../../lib/operator/rollout-workloads.js';
import { mandelbrot } from '../../lib/workloads/mandelbrot/mandelbrot.js';
import { notes } from '../fixtures/notes-workload.js';
import { UsageError } from '../../lib/core/errors.js';
import { FIXTURE_WORKLOADS } from '../support/fixture-project.js';

describe('selectRolloutWorkload', () => {
  // A second Rollout workload: Mandelbrot's definition under another name.
  const tiles = { ...mandelbrot, name: 'tiles', rollout: { name: 'tiles', namespace: 'tiles' } };

  test('defaults to the only workload that runs a Rollout, beside workloads that run none', () => {
    expect(selectRolloutWorkload(FIXTURE_WORKLOADS, undefined)).toBe(mandelbrot);
    expect(selectRolloutWorkload([...FIXTURE_WORKLOADS, notes], undefined)).toBe(mandelbrot);
    expect(selectRolloutWorkload([mandelbrot, tiles], 'tiles')).toBe(tiles);
  });

  test('fails if --workload is left out among several Rollout workloads, naming them', () => {
    expect(() => selectRolloutWorkload([mandelbrot, tiles], undefined)).toThrow(
      new UsageError('--workload is needed: more than one workload runs a Rollout; expected one of mandelbrot, tiles'),
    );
  });

  test('fails if --workload names a workload without a Rollout, or none at all', () => {
    expect(() => selectRolloutWorkload([...FIXTURE_WORKLOADS, notes], 'notes')).toThrow(
      new UsageError('--workload "notes" is not a workload that runs a Rollout; expected mandelbrot'),
    );
    expect(() => selectRolloutWorkload([mandelbrot, tiles], 'mandel')).toThrow(
      new UsageError('--workload "mandel" is not a workload that runs a Rollout; expected one of mandelbrot, tiles'),
    );
    expect(() => selectRolloutWorkload([notes], undefined)).toThrow(UsageError);
  });
});
