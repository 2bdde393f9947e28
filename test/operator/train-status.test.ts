import { describeTrain, type TrainStopState } from '../../lib/operator/train-status.js';

const healthy = (cluster: string, release: string): TrainStopState => ({
  cluster,
  gitRelease: release,
  liveRelease: release,
  status: 'Healthy',
});

describe('where a release train stands', () => {
  test('names the next cluster and the command that moves it once the one before is Healthy with the release', () => {
    expect(describeTrain([healthy('aws', 'new'), healthy('gcp', 'old'), healthy('azure', 'old')])).toEqual({
      release: 'new',
      next: 'gcp',
      blocker: 'aws is Healthy with "new"; gcp is next: npm run release -- new --train --resume',
    });
  });

  test.each<[string, Partial<TrainStopState>, string]>([
    ['Argo CD has not synced it', { liveRelease: 'old' }, 'gcp waits for aws: Argo CD has not brought "new" to its Rollout yet'],
    [
      'the canary waits at its pause step',
      { status: 'Paused', pausedAtPauseStep: true },
      'gcp waits for aws: its canary waits for an operator (npm run rollout -- promote --cluster aws)',
    ],
    ['the analysis runs', { status: 'Progressing' }, 'gcp waits for aws: its canary is Progressing'],
    ['the cluster does not answer', { unreachable: true, status: undefined }, 'gcp waits for aws: its Rollout cannot be read'],
    [
      'the canary aborted',
      { status: 'Degraded' },
      'the train stopped at aws: its canary of "new" was aborted or degraded; after a fix: npm run release -- new --train --resume',
    ],
  ])('says what blocks the next cluster when %s', (_case, aws, blocker) => {
    expect(describeTrain([{ ...healthy('aws', 'new'), ...aws }, healthy('gcp', 'old')])).toEqual({ release: 'new', next: 'gcp', blocker });
  });

  test('is done when every cluster runs the release Healthy, and waits on the last one until then', () => {
    expect(describeTrain([healthy('aws', 'new'), healthy('gcp', 'new')])).toEqual({
      release: 'new',
      blocker: 'done: every cluster runs "new" Healthy',
    });
    expect(describeTrain([healthy('aws', 'new'), { ...healthy('gcp', 'new'), status: 'Paused' }]).blocker).toBe(
      'the train waits for gcp: its canary is Paused',
    );
  });
});
