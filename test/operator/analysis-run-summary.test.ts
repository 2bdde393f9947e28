import {
  analysisStoppedRollout,
  describeAnalysisRun,
  latestAnalysisRun,
  summarizeAnalysisRun,
} from '../../lib/operator/analysis-run-summary.js';
import { selectRolloutWorkload } from '../../lib/operator/rollout-workloads.js';
import { mandelbrot } from '../../lib/workloads/mandelbrot/mandelbrot.js';
import { KubectlClient } from '../../lib/operator/kubectl-client.js';
import type { CommandResult } from '../../lib/operator/run-command.js';
import type { ClusterTarget } from '../../lib/operator/operation-plan.js';
import { RolloutOperator } from '../../lib/operator/rollout-operator.js';
import { renderAnalysisLines } from '../../lib/operator/status-table.js';

const aws: ClusterTarget = { name: 'aws', cloud: 'aws', context: 'eks-main' };
const ok = (value: object): CommandResult => ({ stdout: JSON.stringify(value), stderr: '', exitCode: 0 });
const ABORT_MESSAGE = 'Metric "success-rate" assessed Failed due to failed (3) > failureLimit (2)';

const STEPS = [{ setWeight: 50 }, { pause: {} }, { setWeight: 100 }];
const ANALYSIS = {
  templates: [{ templateName: 'mandelbrot-success-rate' }],
  startingStep: 1,
  args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
};
const rollout = (status: object, analysis: object | null = ANALYSIS) => ({
  metadata: { name: 'mandelbrot', generation: 2 },
  spec: { replicas: 2, strategy: { canary: { steps: STEPS, analysis: analysis ?? undefined } } },
  status: { observedGeneration: '2', stableRS: '5b8c7d9f4', currentPodHash: '6d4f8b7c9', readyReplicas: 2, ...status },
});
const PAUSED = rollout({
  phase: 'Paused',
  message: 'CanaryPauseStep',
  currentStepIndex: 1,
  pauseConditions: [{ reason: 'CanaryPauseStep' }],
});
const ABORTED = rollout({
  phase: 'Degraded',
  message: `RolloutAborted: Rollout aborted update to revision 2: ${ABORT_MESSAGE}`,
  abort: true,
  currentStepIndex: 0,
});

const run = (name: string, created: string, phase: string, values: string[], message?: string) => ({
  metadata: { name, creationTimestamp: created, labels: { 'rollouts-pod-template-hash': '6d4f8b7c9' } },
  status: {
    phase,
    message,
    metricResults: [
      { name: 'success-rate', phase, measurements: values.map((value) => ({ phase: phase === 'Running' ? 'Successful' : phase, value })) },
    ],
  },
});
const RUNNING = run('mandelbrot-6d4f8b7c9-2-1', '2026-11-30T21:00:00Z', 'Running', ['[1]', '[0.998]']);
const FAILED = run('mandelbrot-6d4f8b7c9-2-2', '2026-11-30T21:05:00Z', 'Failed', ['[0.61]', '[0.52]', '[0.49]'], ABORT_MESSAGE);

/** `status` against scripted answers: the Rollout, and the analysis runs of its canary. */
async function status(rolloutJson: object, runs: object[]) {
  const commands: string[] = [];
  const kubectl = new KubectlClient({
    run: (_file, args) => {
      commands.push(args.join(' '));
      return Promise.resolve(args[1] === 'rollout' ? ok(rolloutJson) : ok({ items: runs }));
    },
  });
  const operator = new RolloutOperator({
    kubectl,
    settings: { environment: 'dev', workload: selectRolloutWorkload([mandelbrot], undefined), timeoutMs: 60_000, pollIntervalMs: 5_000 },
    log: () => {},
  });
  const outcomes = await operator.run('status', [aws]);
  return { outcomes, commands };
}

describe('analysis run summary', () => {
  test("summarizes a run's phase and each metric's last measured value", () => {
    expect(summarizeAnalysisRun(RUNNING)).toEqual({
      name: 'mandelbrot-6d4f8b7c9-2-1',
      phase: 'Running',
      message: '',
      measurements: [{ metric: 'success-rate', phase: 'Successful', value: '[0.998]' }],
    });
  });

  test('a run before its first measurement is Pending with no value', () => {
    expect(summarizeAnalysisRun({ metadata: { name: 'r' }, status: { metricResults: [{ name: 'success-rate' }] } })).toEqual({
      name: 'r',
      phase: 'Pending',
      message: '',
      measurements: [{ metric: 'success-rate', phase: 'Pending', value: '-' }],
    });
  });

  test('the newest run counts, by creation time', () => {
    expect(latestAnalysisRun([FAILED, RUNNING])?.name).toBe('mandelbrot-6d4f8b7c9-2-2');
    expect(latestAnalysisRun([])).toBeUndefined();
  });

  test('Failed, Error and Inconclusive runs stop the Rollout; Running and Successful do not', () => {
    const phases = ['Failed', 'Error', 'Inconclusive', 'Running', 'Successful', 'Pending'];
    expect(phases.filter((phase) => analysisStoppedRollout({ name: 'r', phase, message: '', measurements: [] }))).toEqual([
      'Failed',
      'Error',
      'Inconclusive',
    ]);
  });
});

describe('status with canary analysis', () => {
  test("shows the running analysis of a paused canary: the AnalysisRun's phase and last measured value", async () => {
    const { outcomes, commands } = await status(PAUSED, [RUNNING]);
    expect(commands[1]).toBe(
      'get analysisruns --namespace mandelbrot --selector rollouts-pod-template-hash=6d4f8b7c9 --output json --context eks-main',
    );
    expect(outcomes[0]?.state?.analysis?.phase).toBe('Running');
    expect(renderAnalysisLines(outcomes)).toEqual([
      'aws: analysis: AnalysisRun mandelbrot-6d4f8b7c9-2-1 Running: last measured success-rate [0.998] (Successful)',
    ]);
  });

  test("reports a Rollout aborted by analysis as such, with the AnalysisRun's message", async () => {
    const { outcomes } = await status(ABORTED, [RUNNING, FAILED]);
    expect(outcomes[0]?.error).toBeUndefined();
    expect(renderAnalysisLines(outcomes)).toEqual([
      `aws: aborted by analysis: AnalysisRun mandelbrot-6d4f8b7c9-2-2 Failed: last measured success-rate [0.49] (Failed); ${ABORT_MESSAGE}`,
    ]);
  });

  test('a Rollout without analysis, or without a canary, reads no analysis runs', async () => {
    for (const json of [
      rollout({ phase: 'Paused', currentStepIndex: 1 }, null),
      rollout({ phase: 'Healthy', currentStepIndex: 3, currentPodHash: '5b8c7d9f4' }),
    ]) {
      const { outcomes, commands } = await status(json, [RUNNING]);
      expect(commands).toHaveLength(1);
      expect(renderAnalysisLines(outcomes)).toEqual([]);
    }
  });

  test('fails if the analysis runs cannot be read, naming the command', async () => {
    const kubectl = new KubectlClient({
      run: (_file, args) => Promise.resolve(args[1] === 'rollout' ? ok(PAUSED) : { stdout: '', stderr: 'error: forbidden', exitCode: 1 }),
    });
    const operator = new RolloutOperator({
      kubectl,
      settings: { environment: 'dev', workload: selectRolloutWorkload([mandelbrot], undefined), timeoutMs: 60_000, pollIntervalMs: 5_000 },
      log: () => {},
    });
    const [outcome] = await operator.run('status', [aws]);
    expect(outcome?.error).toMatch(/get analysisruns .*forbidden/);
  });

  test('describes a run with its message after the measurements', () => {
    expect(describeAnalysisRun(summarizeAnalysisRun(FAILED))).toBe(
      `AnalysisRun mandelbrot-6d4f8b7c9-2-2 Failed: last measured success-rate [0.49] (Failed); ${ABORT_MESSAGE}`,
    );
  });
});
