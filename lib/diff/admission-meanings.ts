import { apiGroupOf } from '../core/resource-kinds.js';
import { type ChangeContext, isConfigMap, type PlacedObject } from './change-context.js';
import type { Meaning } from './diff-model.js';
import type { ManifestData } from './manifest-tree.js';
import { isDestinationPermitted, isNamespacedKind, isPermitted, refusalMessage } from './project-policy.js';
import { ANNOTATIONS_SIZE_LIMIT, annotationsSizeAfterClientSideApply, LAST_APPLIED_ANNOTATION } from '../util/last-applied-size.js';
import { stringAt } from '../util/parsed-data.js';
import { rbacMeanings } from './rbac-meanings.js';
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
  meanings.push(...rbacMeanings(head, context));
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
  meanings.push(...lastAppliedMeanings(head));
  const copies = context.duplicatesOf(head);
  if (copies.length > 1) {
    meanings.push({
      code: 'duplicate',
      severity: 'danger',
      message: `defined ${copies.length} times in cluster ${cluster} (${copies.map((copy) => copy.object.file).join(', ')}): Argo CD applies only the last copy it reads (${copies.at(-1)!.object.file}) and reports a conflict; keep one`,
    });
  }
  return meanings;
}

/**
 * Client-side apply, Argo CD's default, copies the object into an annotation, and annotations
 * together may hold 256 KiB: a larger object fails to sync unless it is applied server-side.
 */
function lastAppliedMeanings(head: PlacedObject): Meaning[] {
  const { object } = head;
  const syncOptions = stringAt(object.data, 'metadata', 'annotations', SYNC_OPTIONS_ANNOTATION) ?? '';
  const serverSide =
    syncOptions.split(',').some((option) => option.trim() === 'ServerSideApply=true') ||
    (head.owners.length > 0 && head.owners.every((owner) => owner.serverSideApply));
  if (serverSide) return [];
  const size = annotationsSizeAfterClientSideApply(object.data);
  if (size <= ANNOTATIONS_SIZE_LIMIT) return [];
  return [
    {
      code: 'too-large',
      severity: 'danger',
      message: `${object.kind} ${object.name} would carry ${size} bytes of annotations once client-side apply adds ${LAST_APPLIED_ANNOTATION}, over the ${ANNOTATIONS_SIZE_LIMIT} bytes Kubernetes accepts: the sync fails; make it smaller, or sync it with ServerSideApply=true`,
    },
  ];
}

const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';

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
