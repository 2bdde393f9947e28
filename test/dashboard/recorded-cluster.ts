import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterObjects, PodObject, ReplicaSetObject } from '../../lib/dashboard/fleet-view.js';
import { POD_TEMPLATE_HASH } from '../../lib/dashboard/fleet-view.js';
import type { FakeKubeApi, FakeObject } from '../support/fake-kube-api.js';
import { parseGetRollout } from '../operator/plugin-output.js';
import { pluginFixture } from '../operator/plugin-fixtures.js';

export const NAMESPACE = 'mandelbrot';
export const ROLLOUT = 'mandelbrot';
export const RELEASE_VARIABLE = 'MANDELBROT_RELEASE';

/** The stages the release drill recorded, each with the Rollout's JSON and the plugin's tree. */
export const RECORDED_STAGES = ['first-revision-healthy', 'release-paused', 'promoted-healthy', 'aborted', 'restarted', 'undone'] as const;

/**
 * One cluster's objects at a recorded stage: the Rollout as the API server returned it, and its
 * ReplicaSets and pods as the plugin's tree lists them (each revision's release given by `releases`,
 * by role), so the view and the plugin can be held against each other.
 */
export function recordedCluster(stage: string, releases: { stable?: string; canary?: string } = {}): ClusterObjects {
  const fixture = pluginFixture(stage);
  const rollout = fixture.rollout;
  const plugin = parseGetRollout(fixture.getRollout);
  const hashOf = (name: string) => name.slice(`${ROLLOUT}-`.length);
  const replicaSets: ReplicaSetObject[] = plugin.replicaSets.map(({ name, info }) => {
    const role = info.includes('canary') ? 'canary' : info.includes('stable') ? 'stable' : 'old';
    const release = role === 'canary' ? releases.canary : role === 'stable' ? releases.stable : undefined;
    return replicaSet(hashOf(name), release);
  });
  const pods: PodObject[] = fixture.getRollout
    .split('\n')
    .map((line) => /(\S+)\s+Pod\s+\S+\s+\w+\s+\S+\s+ready:(\d)\/\d/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map(([, name, ready]) => pod(name!, hashOf(name!.replace(/-[^-]+$/, '')), ready === '1'));
  return { rollouts: [rollout], replicaSets, pods, analysisRuns: [], applications: [] };
}

export function replicaSet(hash: string, release?: string): ReplicaSetObject & { metadata: { name: string } } {
  return {
    metadata: {
      name: `${ROLLOUT}-${hash}`,
      namespace: NAMESPACE,
      labels: { [POD_TEMPLATE_HASH]: hash },
      ownerReferences: [{ kind: 'Rollout', name: ROLLOUT }],
    },
    spec: { template: { spec: { containers: [{ env: release === undefined ? [] : [{ name: RELEASE_VARIABLE, value: release }] }] } } },
  };
}

export function pod(name: string, hash: string, ready: boolean): PodObject & { metadata: { name: string } } {
  return {
    metadata: { name, namespace: NAMESPACE, labels: { [POD_TEMPLATE_HASH]: hash } },
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

/**
 * A project folder of its own: platform.yaml and one overlay per cluster, each reached through
 * the kube context named after it. Returns the folder.
 */
export function writeProject(
  dir: string,
  clusters: readonly { name: string; cloud: string; release?: string }[],
  releaseTrain?: readonly string[],
): string {
  mkdirSync(join(dir, 'overlays'), { recursive: true });
  writeFileSync(
    join(dir, 'platform.yaml'),
    [
      'environment: dev',
      'repository: {repoURL: https://example.com/trinity.git, revision: main, distPath: dist}',
      'rolloutsChart: {repoURL: https://argoproj.github.io/argo-helm, version: 2.40.9}',
      'workloads:',
      `  mandelbrot: {release: continuous, stageRoute: [${[...new Set(clusters.map((cluster) => cluster.cloud))].join(', ')}]}`,
      ...(releaseTrain === undefined ? [] : [`releaseTrain: [${releaseTrain.join(', ')}]`]),
      '',
    ].join('\n'),
  );
  for (const cluster of clusters) {
    const release = cluster.release === undefined ? '' : `, release: ${cluster.release}`;
    writeFileSync(
      join(dir, 'overlays', `${cluster.name}.yaml`),
      `cloud: ${cluster.cloud}\nregion: r1\nworkloads:\n  mandelbrot: {image: 'node:22-alpine'${release}}\n`,
    );
  }
  return dir;
}

/** The API path of each kind's collection in the workload's namespace (Applications in argocd). */
export const COLLECTIONS: Readonly<Record<keyof ClusterObjects, string>> = {
  rollouts: `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/rollouts`,
  replicaSets: `/apis/apps/v1/namespaces/${NAMESPACE}/replicasets`,
  pods: `/api/v1/namespaces/${NAMESPACE}/pods`,
  analysisRuns: `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/analysisruns`,
  applications: '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications',
};

/** Puts every object of `objects` on `cluster` of the stand-in API server, and removes the pods and ReplicaSets it does not name. */
export function putCluster(api: FakeKubeApi, cluster: string, objects: ClusterObjects): void {
  for (const [kind, collection] of Object.entries(COLLECTIONS) as [keyof ClusterObjects, string][]) {
    const wanted = objects[kind] as readonly FakeObject[];
    for (const name of api.names(cluster, collection)) {
      if (!wanted.some((object) => object.metadata.name === name)) api.remove(cluster, collection, name);
    }
    for (const object of wanted) api.put(cluster, collection, object);
  }
}
