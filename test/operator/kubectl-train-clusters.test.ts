import { KubectlClient } from '../../lib/operator/kubectl-client.js';
import { KubectlTrainClusters } from '../../lib/operator/kubectl-train-clusters.js';
import { releaseOfRollout } from '../../lib/operator/rollout-summary.js';
import type { CommandResult } from '../../lib/operator/run-command.js';
import { mandelbrot } from '../../lib/workloads/mandelbrot/mandelbrot.js';
import { rolloutWorkloads } from '../../lib/operator/rollout-workloads.js';
import { pluginFixture } from './plugin-fixtures.js';

// What the train reads of a cluster, from recorded kubectl-argo-rollouts v1.9.0 output and an Application as Argo CD reports it.

const [workload] = rolloutWorkloads([mandelbrot]);
const AWS = { name: 'aws', cloud: 'aws', context: 'eks-east' };

/** A kubectl that answers from `answers` by the command's first words, and records every call. */
function recordedKubectl(answers: Record<string, CommandResult>): { kubectl: KubectlClient; calls: string[][] } {
  const calls: string[][] = [];
  const kubectl = new KubectlClient({
    run: (_file, args) => {
      calls.push([...args]);
      const key = Object.keys(answers).find((prefix) => args.join(' ').startsWith(prefix));
      return Promise.resolve(key === undefined ? { stdout: '', stderr: 'unexpected call', exitCode: 1 } : answers[key]!);
    },
  });
  return { kubectl, calls };
}

const ok = (value: unknown): CommandResult => ({ stdout: JSON.stringify(value), stderr: '', exitCode: 0 });
const APPLICATION = { status: { sync: { revision: 'a1b2c3', status: 'Synced' } } };

describe('the train through kubectl', () => {
  test("reads the Application's synced revision, the Rollout's phase and the release its pod template names", async () => {
    const { kubectl, calls } = recordedKubectl({
      'get application': ok(APPLICATION),
      'get rollout': ok(pluginFixture('release-paused').rollout),
    });
    const state = await new KubectlTrainClusters(kubectl, workload!).read(AWS);
    expect(state).toMatchObject({ syncRevision: 'a1b2c3', syncStatus: 'Synced', liveRelease: 'e2e-canary' });
    expect(state.rollout?.status).toBe('Paused');
    expect(calls.map((args) => args.join(' '))).toEqual([
      'get application trinity-mandelbrot-aws --namespace argocd --output json --context eks-east',
      'get rollout mandelbrot --namespace mandelbrot --output json --context eks-east',
    ]);
  });

  test('a Rollout not created yet is a state to wait through, not a failure', async () => {
    const { kubectl } = recordedKubectl({
      'get application': ok(APPLICATION),
      'get rollout': { stdout: '', stderr: 'Error from server (NotFound): rollouts.argoproj.io "mandelbrot" not found', exitCode: 1 },
    });
    await expect(new KubectlTrainClusters(kubectl, workload!).read(AWS)).resolves.toEqual({ syncRevision: 'a1b2c3', syncStatus: 'Synced' });
  });

  test('fails if the cluster cannot be reached, with what kubectl said', async () => {
    const { kubectl } = recordedKubectl({
      'get application': { stdout: '', stderr: 'The connection to the server 127.0.0.1:6443 was refused', exitCode: 1 },
    });
    await expect(new KubectlTrainClusters(kubectl, workload!).read(AWS)).rejects.toThrow(
      /exited 1: The connection to the server 127\.0\.0\.1:6443 was refused$/,
    );
  });

  test("asks Argo CD to refresh the workload's Application, and the plugin to retry an aborted Rollout", async () => {
    const { kubectl, calls } = recordedKubectl({ annotate: ok({}), 'argo rollouts': ok({}) });
    const clusters = new KubectlTrainClusters(kubectl, workload!);
    await clusters.refresh(AWS);
    await clusters.retry(AWS);
    expect(calls.map((args) => args.join(' '))).toEqual([
      'annotate application trinity-mandelbrot-aws argocd.argoproj.io/refresh=normal --namespace argocd --overwrite --context eks-east',
      'argo rollouts --context eks-east retry rollout mandelbrot --namespace mandelbrot',
    ]);
  });

  test('a Rollout without the release variable, or a workload without one, names no release', () => {
    expect(releaseOfRollout({ spec: {} }, 'MANDELBROT_RELEASE')).toBeUndefined();
    expect(releaseOfRollout(pluginFixture('release-paused').rollout, undefined)).toBeUndefined();
  });
});
