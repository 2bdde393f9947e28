import { clusterApplicationNames } from '../../lib/core/application-names.js';
import { mandelbrot } from '../../lib/workloads/mandelbrot/mandelbrot.js';
import { selectRolloutWorkload } from '../../lib/operator/rollout-workloads.js';
import { KubectlClient } from '../../lib/operator/kubectl-client.js';
import type { CommandResult } from '../../lib/operator/run-command.js';
import { type ClusterTarget, type OperationSettings, planOperation } from '../../lib/operator/operation-plan.js';
import { OPERATIONS } from '../../lib/operator/operations.js';
import type { Clock } from '../../lib/operator/poll-until.js';
import { RolloutOperator } from '../../lib/operator/rollout-operator.js';
import { UsageError } from '../../lib/core/errors.js';

// The operations' logic against scripted kubectl answers and a clock that never waits.
const aws: ClusterTarget = { name: 'aws', cloud: 'aws', context: 'eks-main' };
const settings: OperationSettings = {
  environment: 'dev',
  workload: selectRolloutWorkload([mandelbrot], undefined),
  timeoutMs: 60_000,
  pollIntervalMs: 5_000,
};
const ok = (stdout: string): CommandResult => ({ stdout, stderr: '', exitCode: 0 });
const failed = (stderr: string, exitCode = 1): CommandResult => ({ stdout: '', stderr, exitCode });

const rollout = (status: object) =>
  ok(
    JSON.stringify({
      metadata: { name: 'mandelbrot', generation: 1 },
      spec: { replicas: 2, strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }, { setWeight: 100 }] } } },
      status: { observedGeneration: '1', ...status },
    }),
  );
const HEALTHY = rollout({ phase: 'Healthy', currentStepIndex: 3, stableRS: 'abc', currentPodHash: 'abc', readyReplicas: 2 });

function instantClock(): Clock {
  let now = 0;
  return { now: () => now, sleep: (ms) => Promise.resolve(void (now += ms)) };
}

/** An operator whose kubectl answers with `answer(command)`; records the commands. */
function scripted(answer: (command: string) => CommandResult, extra: Partial<OperationSettings> = {}) {
  const commands: string[] = [];
  const lines: string[] = [];
  const kubectl = new KubectlClient({
    run: (_file, args) => {
      const command = args.join(' ');
      commands.push(command);
      return Promise.resolve(answer(command));
    },
  });
  const operator = new RolloutOperator({
    kubectl,
    settings: { ...settings, ...extra },
    log: (line) => lines.push(line),
    clock: instantClock(),
  });
  return { operator, commands, lines };
}

describe('planOperation', () => {
  test('every plugin command puts its flags, --context included, after the plugin name', () => {
    for (const operation of OPERATIONS) {
      for (const step of planOperation(operation, aws, { ...settings, toRevision: 4 }).steps) {
        if (step.args[0] === 'argo') expect(step.args.slice(0, 4)).toEqual(['argo', 'rollouts', '--context', 'eks-main']);
        else expect(step.args.slice(-2)).toEqual(['--context', 'eks-main']);
      }
    }
  });

  test('names the Applications as the synth does', () => {
    expect(clusterApplicationNames('dev', 'gcp', ['mandelbrot', 'notes'])).toEqual([
      'trinity-dev-gcp-root',
      'trinity-rollouts-gcp',
      'trinity-mandelbrot-gcp',
      'trinity-notes-gcp',
    ]);
    const sync = planOperation('sync', aws, { ...settings, environment: 'prod' });
    expect(sync.steps.map((step) => step.args[2])).toEqual([
      'trinity-prod-aws-root',
      'rollouts.argoproj.io',
      'trinity-mandelbrot-aws',
      'trinity-mandelbrot-aws',
      'mandelbrot',
    ]);
  });

  test('status --watch always carries a --timeout, and booleans carry their value after "="', () => {
    for (const operation of ['promote', 'promote-full'] as const) {
      const watch = planOperation(operation, aws, { ...settings, timeoutMs: 90_000 }).steps.find((step) => step.args.includes('status'))!;
      expect(watch.args.slice(4)).toEqual(['status', 'mandelbrot', '--namespace', 'mandelbrot', '--watch=true', '--timeout', '90s']);
    }
    expect(planOperation('promote-full', aws, settings).steps[0]?.args).toContain('--full=true');
  });

  test('promote reads the Rollout first, refusing unless forced; promote-full never does', () => {
    expect(planOperation('promote', aws, settings).steps[0]?.args[0]).toBe('get');
    expect(planOperation('promote', aws, { ...settings, force: true }).steps[0]?.args[0]).toBe('get');
    expect(planOperation('promote-full', aws, settings).steps[0]?.args[4]).toBe('promote');
  });
});

describe('RolloutOperator.run', () => {
  test('fails if the Rollout turns Degraded during a sync, at once and with its message', async () => {
    const { operator, commands } = scripted((command) => {
      if (command.startsWith('get crd')) return ok(JSON.stringify({ status: { conditions: [{ type: 'Established', status: 'True' }] } }));
      if (command.startsWith('get application')) return ok(JSON.stringify({ status: { operationState: { phase: 'Succeeded' } } }));
      if (command.startsWith('get rollout'))
        return rollout({ phase: 'Degraded', message: 'InvalidSpec: The Rollout "mandelbrot" is invalid: spec.selector: Required value' });
      return ok('patched');
    });
    const [outcome] = await operator.run('sync', [aws]);
    expect(outcome?.error).toBe(
      'Rollout mandelbrot is Degraded: InvalidSpec: The Rollout "mandelbrot" is invalid: spec.selector: Required value',
    );
    expect(commands.filter((command) => command.startsWith('get rollout'))).toHaveLength(2); // the wait's one look, then the report
  });

  test("sync asks for each Application's sync with the Application's own syncOptions, as argocd app sync does", async () => {
    const syncOptions = {
      'trinity-dev-aws-root': [],
      'trinity-mandelbrot-aws': ['ApplyOutOfSyncOnly=true', 'RespectIgnoreDifferences=true'],
    };
    const { operator, commands } = scripted((command) => {
      if (command.startsWith('get crd')) return ok(JSON.stringify({ status: { conditions: [{ type: 'Established', status: 'True' }] } }));
      if (command.startsWith('get application')) {
        const name = command.split(' ')[2] as keyof typeof syncOptions;
        return ok(
          JSON.stringify({ spec: { syncPolicy: { syncOptions: syncOptions[name] } }, status: { operationState: { phase: 'Succeeded' } } }),
        );
      }
      return command.startsWith('get rollout') ? HEALTHY : ok('patched');
    });
    const [outcome] = await operator.run('sync', [aws]);
    expect(outcome?.error).toBeUndefined();
    const operations = commands
      .filter((command) => command.startsWith('patch application'))
      .map((command) => JSON.parse(command.split(' --patch ')[1]!.split(' --context ')[0]!).operation);
    expect(operations).toEqual([
      { sync: { syncStrategy: { hook: {} } } },
      { sync: { syncStrategy: { hook: {} }, syncOptions: syncOptions['trinity-mandelbrot-aws'] } },
    ]);
    // Each Application is read before its sync is asked for.
    expect(commands.indexOf('get application trinity-mandelbrot-aws --namespace argocd --output json --context eks-main')).toBeLessThan(
      commands.findIndex((command) => command.startsWith('patch application trinity-mandelbrot-aws')),
    );
  });

  test('fails if reading the CRD fails for another reason than NotFound, without waiting', async () => {
    const { operator, commands } = scripted((command) =>
      command.startsWith('get crd')
        ? failed('Error from server (Forbidden): customresourcedefinitions.apiextensions.k8s.io is forbidden')
        : command.startsWith('get rollout')
          ? HEALTHY
          : ok('{}'),
    );
    const [outcome] = await operator.run('sync', [aws]);
    expect(outcome?.error).toBe(
      'kubectl get crd rollouts.argoproj.io --output json --context eks-main exited 1: Error from server (Forbidden): customresourcedefinitions.apiextensions.k8s.io is forbidden',
    );
    expect(commands.filter((command) => command.startsWith('get crd'))).toHaveLength(1);
    expect(outcome?.state?.status).toBe('Healthy');
  });

  test('fails if the sync wait reaches its deadline, reading the Rollout every interval', async () => {
    const { operator, commands } = scripted((command) => {
      if (command.startsWith('get crd')) return ok(JSON.stringify({ status: { conditions: [{ type: 'Established', status: 'True' }] } }));
      if (command.startsWith('get application')) return ok(JSON.stringify({ status: { operationState: { phase: 'Succeeded' } } }));
      if (command.startsWith('get rollout'))
        return rollout({ phase: 'Progressing', message: 'more replicas need to be updated', currentStepIndex: 0 });
      return ok('');
    });
    const [outcome] = await operator.run('sync', [aws]);
    expect(outcome?.error).toBe(
      'timed out after 1m waiting for Rollout mandelbrot to be Paused or Healthy; last seen: Progressing (more replicas need to be updated) at step 0/3: weight 50, 0/2 ready, stable -',
    );
    // One look at 0s, then every 5s up to 60s, then the report.
    expect(commands.filter((command) => command.startsWith('get rollout'))).toHaveLength(14);
  });

  test('fails if status --watch is killed after the deadline plus grace', async () => {
    const { operator } = scripted(
      (command) => (command.includes(' status ') ? { stdout: 'Paused - CanaryPauseStep\n', stderr: '', exitCode: -1 } : HEALTHY),
      { force: true },
    );
    const [outcome] = await operator.run('promote', [aws]);
    expect(outcome?.error).toBe(
      'timed out after 1m waiting for Rollout mandelbrot to be Healthy (kubectl argo rollouts status --watch); last seen: Paused - CanaryPauseStep',
    );
  });

  test("fails if status --watch ends Degraded, with the plugin's message", async () => {
    const { operator } = scripted(
      (command) =>
        command.includes(' status ')
          ? {
              stdout: 'Degraded - RolloutAborted: Rollout aborted update to revision 2\n',
              stderr: 'Error: The rollout is in a degraded state with message: RolloutAborted: Rollout aborted update to revision 2\n',
              exitCode: 1,
            }
          : HEALTHY,
      { force: true },
    );
    const [outcome] = await operator.run('promote', [aws]);
    expect(outcome?.error).toContain(
      'exited 1: Error: The rollout is in a degraded state with message: RolloutAborted: Rollout aborted update to revision 2',
    );
  });

  describe('promote with canary weights of several steps', () => {
    const weighted = (status: object) =>
      ok(
        JSON.stringify({
          metadata: { name: 'mandelbrot', generation: 1 },
          spec: { replicas: 2, strategy: { canary: { steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }, { pause: {} }] } } },
          status: { observedGeneration: '1', stableRS: 'abc', currentPodHash: 'def', ...status },
        }),
      );
    const pausedAt = (step: number) =>
      weighted({ phase: 'Paused', currentStepIndex: step, pauseConditions: [{ reason: 'CanaryPauseStep' }], controllerPause: true });

    test('from the first pause, waits until the canary is Paused at the next one, where status --watch would wait out its deadline', async () => {
      let promoted = false;
      const { operator, commands } = scripted((command) => {
        if (command.includes(' promote ')) {
          promoted = true;
          return ok("rollout 'mandelbrot' promoted");
        }
        if (command.includes(' status ')) return { stdout: 'Paused - CanaryPauseStep\n', stderr: '', exitCode: -1 };
        return pausedAt(promoted ? 3 : 1);
      });
      const [outcome] = await operator.run('promote', [aws]);
      expect(outcome?.error).toBeUndefined();
      expect(outcome?.state?.step).toBe('3/4');
      expect(commands.some((command) => command.includes(' status '))).toBe(false);
    });

    test('from the last pause, watches with status --watch until Healthy', async () => {
      const { operator, commands } = scripted((command) => {
        if (command.includes(' promote ')) return ok("rollout 'mandelbrot' promoted");
        if (command.includes(' status ')) return ok('Healthy\n');
        return pausedAt(3);
      });
      const [outcome] = await operator.run('promote', [aws]);
      expect(outcome?.error).toBeUndefined();
      expect(commands.filter((command) => command.includes(' status '))).toHaveLength(1);
    });

    test('fails if the canary is Degraded before it reaches the next pause', async () => {
      let promoted = false;
      const { operator } = scripted((command) => {
        if (command.includes(' promote ')) {
          promoted = true;
          return ok("rollout 'mandelbrot' promoted");
        }
        return promoted
          ? weighted({ phase: 'Degraded', message: 'RolloutAborted: metric "success-rate" assessed Failed', currentStepIndex: 2 })
          : pausedAt(1);
      });
      const [outcome] = await operator.run('promote', [aws]);
      expect(outcome?.error).toBe('Rollout mandelbrot is Degraded: RolloutAborted: metric "success-rate" assessed Failed');
    });
  });

  test('gives the undo note only once undo has run', async () => {
    const undone = scripted((command) => (command.includes(' undo ') ? ok("rollout 'mandelbrot' undo") : HEALTHY));
    expect((await undone.operator.run('undo', [aws]))[0]?.notes).toHaveLength(1);
    const refused = scripted((command) =>
      command.includes(' undo ') ? failed('Error: no revision found for rollout "mandelbrot"') : HEALTHY,
    );
    const [outcome] = await refused.operator.run('undo', [aws]);
    expect(outcome?.notes).toEqual([]);
    expect(outcome?.error).toContain('no revision found');
  });

  test('a missing Rollout is an error for status', async () => {
    const { operator } = scripted(() => failed('Error from server (NotFound): rollouts.argoproj.io "mandelbrot" not found'));
    const [outcome] = await operator.run('status', [aws]);
    expect(outcome?.error).toBe('there is no Rollout mandelbrot in namespace mandelbrot');
    expect(outcome?.state).toBeUndefined();
  });
});

describe('RolloutOperator.checkTools', () => {
  test('warns about a plugin version other than v1.9.0', async () => {
    const { operator, lines } = scripted(() => ok('kubectl-argo-rollouts: v1.8.3\n  BuildDate: x\n'));
    expect(await operator.checkTools('promote')).toBe('kubectl-argo-rollouts: v1.8.3');
    expect(lines).toEqual([
      'warning: found "kubectl-argo-rollouts: v1.8.3"; these operations guard against the behaviour of kubectl-argo-rollouts v1.9.0',
    ]);
    const current = scripted(() => ok('kubectl-argo-rollouts: v1.9.0+838d4e7\n'));
    await current.operator.checkTools('promote');
    expect(current.lines).toEqual([]);
  });

  test('fails if the plugin check is killed after its time limit, saying so rather than "exited -1"', async () => {
    const { operator } = scripted(() => ({ stdout: '', stderr: '', exitCode: -1 }));
    const error = await operator.checkTools('promote').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      'the kubectl-argo-rollouts plugin is missing or does not run: kubectl argo rollouts version was killed after its time limit. ' +
        'Install kubectl-argo-rollouts v1.9.0 on PATH (https://github.com/argoproj/argo-rollouts/releases).',
    );
  });
});
