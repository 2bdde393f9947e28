import { apiGroupOf } from '../core/resource-kinds.js';
import { listAt, mappingAt, stringAt } from '../util/parsed-data.js';
import { type ChangeContext, isConfigMap, type PlacedObject } from './change-context.js';
import type { Meaning } from './diff-model.js';
import type { ManifestData, ManifestObject } from './manifest-tree.js';
import { isDestinationPermitted, isNamespacedKind, isPermitted, refusalMessage } from './project-policy.js';
import { isSecret } from './secret-masking.js';

/**
 * What the cluster's admission makes of an added or changed object: its project's permission
 * for its kind and destination, bindings that grant everything, the size limit, duplicates.
 */
export function admissionMeanings(head: PlacedObject, context: ChangeContext): Meaning[] {
  const { object, cluster } = head;
  const meanings: Meaning[] = [];
  const group = apiGroupOf(object.apiVersion);
  for (const owner of head.owners) {
    const project = context.project('head', cluster, owner.project);
    if (!project) continue;
    if (!isPermitted(project, { group, kind: object.kind, name: object.name })) {
      meanings.push({
        code: 'sync-refused',
        severity: 'danger',
        message: refusalMessage(owner.name, project.name, [{ group, kind: object.kind }], 'fails'),
      });
    } else if (isNamespacedKind(group, object.kind)) {
      const namespace = object.namespace || owner.destination.namespace;
      if (!isDestinationPermitted(project, owner.destination.server, namespace)) {
        meanings.push({
          code: 'sync-refused',
          severity: 'danger',
          message: `the sync of ${owner.name} fails: destination namespace ${namespace} on ${owner.destination.server} is not permitted in project ${project.name}`,
        });
      }
    }
  }
  if (group === 'rbac.authorization.k8s.io' && (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding')) {
    const grant = broadGrant(object, cluster, context);
    if (grant) meanings.push({ code: 'broad-binding', severity: 'danger', message: `${object.kind} ${object.name} ${grant}` });
  }
  if (isConfigMap(object) || isSecret(object)) {
    const size = dataSize(object.data);
    if (size > MAX_CONFIG_SIZE) {
      meanings.push({
        code: 'too-large',
        severity: 'danger',
        message: `${object.kind} ${object.name} holds ${size} bytes of data, over the API server's 1 MiB limit (${MAX_CONFIG_SIZE} bytes): the API server rejects it and the sync fails`,
      });
    }
  }
  const copies = context.duplicatesOf(head);
  if (copies.length > 1) {
    meanings.push({
      code: 'duplicate',
      severity: 'danger',
      message: `defined ${copies.length} times in cluster ${cluster} (${copies.map((copy) => copy.object.file).join(', ')}): Argo CD applies only one of them and reports a conflict; keep one`,
    });
  }
  return meanings;
}

/** The API server's limit on a ConfigMap's or Secret's data (`MaxSecretSize`). */
const MAX_CONFIG_SIZE = 1024 * 1024;

/** Bytes of data as the API server counts them: keys and values, binary values decoded. */
function dataSize(data: ManifestData): number {
  let size = 0;
  const add = (values: unknown, decode: boolean) => {
    if (!values || typeof values !== 'object') return;
    for (const [key, value] of Object.entries(values)) {
      const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
      size += Buffer.byteLength(key) + (decode ? Buffer.byteLength(text, 'base64') : Buffer.byteLength(text));
    }
  };
  const secret = data.kind === 'Secret';
  add(data.data, secret);
  add(data.binaryData, true);
  add(data.stringData, false);
  return size;
}

/** What a binding grants when it is everything: `cluster-admin`, or a role whose rules are wildcards; otherwise `undefined`. */
function broadGrant(binding: ManifestObject, cluster: string, context: ChangeContext): string | undefined {
  const [kind, name] = [stringAt(binding.data, 'roleRef', 'kind') ?? '', stringAt(binding.data, 'roleRef', 'name') ?? ''];
  if (kind === 'ClusterRole' && name === 'cluster-admin')
    return 'binds ClusterRole cluster-admin: its subjects get full control of the cluster';
  const role = context.headObject(cluster, 'rbac.authorization.k8s.io', kind, kind === 'Role' ? binding.namespace : '', name);
  const rules = listAt(role?.object.data, 'rules').map((rule) => mappingAt(rule));
  const wildcard = (values: unknown) => Array.isArray(values) && values.includes('*');
  const broad = rules.find((rule) => wildcard(rule.verbs) && (wildcard(rule.resources) || wildcard(rule.nonResourceURLs)));
  return broad
    ? `binds ${kind} ${name}, whose rules allow every verb on ${wildcard(broad.resources) ? 'every resource' : 'every URL'}: its subjects get full control${kind === 'Role' ? ' of the namespace' : ''}`
    : undefined;
}
