import type { FieldPathSegment } from '../util/field-path.js';
import { listAt, mappingAt, stringAt, valueAt } from '../util/parsed-data.js';
import type { ObjectChange } from './change-context.js';
import type { Meaning } from './diff-model.js';
import { apiGroupOf } from '../core/resource-kinds.js';
import type { ManifestObject } from './manifest-tree.js';

/** Where each pod-bearing kind keeps its pod spec, by `group/kind`. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly FieldPathSegment[]>> = {
  '/Pod': ['spec'],
  'apps/Deployment': ['spec', 'template', 'spec'],
  'apps/StatefulSet': ['spec', 'template', 'spec'],
  'apps/DaemonSet': ['spec', 'template', 'spec'],
  'apps/ReplicaSet': ['spec', 'template', 'spec'],
  'batch/Job': ['spec', 'template', 'spec'],
  'batch/CronJob': ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  'argoproj.io/Rollout': ['spec', 'template', 'spec'],
};

/** What in a pod spec reaches into its node: privileged containers, host paths, the host's network or processes. */
function hostAccess(object: ManifestObject): string[] {
  const path = POD_SPEC_PATHS[`${apiGroupOf(object.apiVersion)}/${object.kind}`];
  if (!path) return [];
  const podSpec = mappingAt(object.data, ...path);
  const found: string[] = [];
  for (const field of ['initContainers', 'containers', 'ephemeralContainers'])
    for (const container of listAt(podSpec, field))
      if (valueAt(container, ['securityContext', 'privileged']) === true)
        found.push(`container ${stringAt(container, 'name') ?? '(unnamed)'} runs privileged`);
  for (const volume of listAt(podSpec, 'volumes')) {
    const hostPath = stringAt(volume, 'hostPath', 'path');
    if (hostPath !== undefined) found.push(`volume ${stringAt(volume, 'name') ?? '(unnamed)'} mounts host path ${hostPath}`);
  }
  if (podSpec.hostNetwork === true) found.push("hostNetwork: the pods use the node's network");
  if (podSpec.hostPID === true) found.push("hostPID: the pods see the node's processes");
  return found;
}

/**
 * An added or changed pod-bearing object that gains access to its node: each of these lets the
 * pods read or change the node, and the cluster's other pods through it.
 */
export function podSecurityMeanings(change: ObjectChange): Meaning[] {
  if (!change.head) return [];
  const before = new Set(change.base ? hostAccess(change.base.object) : []);
  const gained = hostAccess(change.head.object).filter((access) => !before.has(access));
  if (gained.length === 0) return [];
  return [
    {
      code: 'host-access',
      severity: 'danger',
      message: `${change.head.object.kind} ${change.head.object.name} reaches into its nodes: ${gained.join('; ')}`,
    },
  ];
}
