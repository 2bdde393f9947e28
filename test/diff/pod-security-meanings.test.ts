import { stringify } from 'yaml';
import { diffTrees, edited, objectsOf, synthesizedTree } from './trees.js';

const base = synthesizedTree();
const ROLLOUT = 'aws/mandelbrot/rollout-mandelbrot.yaml';

const hostAccessOf = (head: Map<string, string>) =>
  objectsOf(diffTrees(base, head)).flatMap((object) =>
    object.meanings.filter((meaning) => meaning.code === 'host-access').map((meaning) => `${meaning.severity}: ${meaning.message}`),
  );

describe('pod security meanings', () => {
  test('fails if a Rollout gains a privileged container, a hostPath volume, hostNetwork or hostPID', () => {
    const head = edited(base, ROLLOUT, (rollout) => {
      const pod = rollout.spec.template.spec;
      pod.containers[0].securityContext = { privileged: true };
      pod.volumes = [...(pod.volumes ?? []), { name: 'root', hostPath: { path: '/' } }];
      pod.hostNetwork = true;
      pod.hostPID = true;
    });
    expect(hostAccessOf(head)).toEqual([
      "danger: Rollout mandelbrot reaches into its nodes: container mandelbrot runs privileged; volume root mounts host path /; hostNetwork: the pods use the node's network; hostPID: the pods see the node's processes",
    ]);
  });

  test('fails if any pod-bearing kind is added with host access: Pod, DaemonSet, CronJob', () => {
    const pod = { hostPID: true, containers: [{ name: 'c', image: 'busybox:1' }] };
    const head = new Map(base)
      .set(
        'aws/mandelbrot/pod.yaml',
        stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'mandelbrot' }, spec: pod }),
      )
      .set(
        'aws/mandelbrot/daemonset.yaml',
        stringify({
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          metadata: { name: 'd', namespace: 'mandelbrot' },
          spec: { template: { spec: pod } },
        }),
      )
      .set(
        'aws/mandelbrot/cronjob.yaml',
        stringify({
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name: 'c', namespace: 'mandelbrot' },
          spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: pod } } } },
        }),
      );
    expect(hostAccessOf(head).sort()).toEqual([
      "danger: CronJob c reaches into its nodes: hostPID: the pods see the node's processes",
      "danger: DaemonSet d reaches into its nodes: hostPID: the pods see the node's processes",
      "danger: Pod p reaches into its nodes: hostPID: the pods see the node's processes",
    ]);
  });

  test('access a pod spec already had is not flagged again when something else changes', () => {
    const privileged = edited(base, ROLLOUT, (rollout) => (rollout.spec.template.spec.hostNetwork = true));
    const scaled = edited(privileged, ROLLOUT, (rollout) => (rollout.spec.replicas = 3));
    expect(objectsOf(diffTrees(privileged, scaled)).flatMap((object) => object.meanings.map((meaning) => meaning.code))).not.toContain(
      'host-access',
    );
  });
});
