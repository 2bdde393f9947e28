import { listAt, stringAt, valueAt } from '../util/parsed-data.js';
import { type ChangeContext, type ObjectChange, podTemplatePath } from './change-context.js';
import type { Meaning } from './diff-model.js';
import { touches } from './field-changes.js';
import { isSecret } from './secret-masking.js';

/** Which ConfigMaps and Secrets a pod spec reads: volumes, projected volumes, envFrom and env. */
function configReferences(podSpec: unknown): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  const add = (set: Set<string>, name: string | undefined) => name !== undefined && set.add(name);
  for (const volume of listAt(podSpec, 'volumes')) {
    add(configMaps, stringAt(volume, 'configMap', 'name'));
    add(secrets, stringAt(volume, 'secret', 'secretName'));
    for (const source of listAt(volume, 'projected', 'sources')) {
      add(configMaps, stringAt(source, 'configMap', 'name'));
      add(secrets, stringAt(source, 'secret', 'name'));
    }
  }
  for (const container of [...listAt(podSpec, 'initContainers'), ...listAt(podSpec, 'containers')]) {
    for (const from of listAt(container, 'envFrom')) {
      add(configMaps, stringAt(from, 'configMapRef', 'name'));
      add(secrets, stringAt(from, 'secretRef', 'name'));
    }
    for (const env of listAt(container, 'env')) {
      add(configMaps, stringAt(env, 'valueFrom', 'configMapKeyRef', 'name'));
      add(secrets, stringAt(env, 'valueFrom', 'secretKeyRef', 'name'));
    }
  }
  return { configMaps, secrets };
}

/** A changed ConfigMap or Secret: which workloads read it, and whether their pods change with it. */
export function configMeanings(change: ObjectChange, context: ChangeContext): Meaning[] {
  if (!change.base || !change.head) return [];
  const { object, cluster } = change.head;
  const contentChanged = ['data', 'binaryData', 'stringData'].some((field) => touches(change.fields, [field]));
  if (!contentChanged) return [];
  const meanings: Meaning[] = [];
  if (change.base.object.data.immutable === true) {
    // Nothing reaches running pods: the API server rejects the edit.
    return [
      {
        code: 'immutable-changed',
        severity: 'warning',
        message: `${object.kind} ${object.name} is immutable: the API server rejects the change and the sync fails; give the new content a new name`,
      },
    ];
  }
  const secret = isSecret(object);
  for (const workload of context.workloadsIn(cluster, change.head.namespace)) {
    const references = configReferences(valueAt(workload.object.data, [...(podTemplatePath(workload.object) ?? []), 'spec']));
    if (!(secret ? references.secrets : references.configMaps).has(object.name)) continue;
    const user = `${workload.object.kind} ${workload.object.name}`;
    meanings.push(
      context.podTemplateChanged(workload)
        ? {
            code: 'config-with-canary',
            severity: 'info',
            message: `${user} uses it and its pod template changed too: the new pods carry the change`,
          }
        : {
            code: 'config-without-canary',
            severity: 'warning',
            message: `${user} uses it but its pod template did not change: running pods change without a canary (mounted files update in place; environment variables only on restart)`,
          },
    );
  }
  return meanings;
}
