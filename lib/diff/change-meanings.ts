import { admissionMeanings } from './admission-meanings.js';
import { analysisMeanings } from './analysis-changes.js';
import { applicationMeanings } from './application-meanings.js';
import { isApplication } from './application-index.js';
import {
  type ChangeContext,
  isAppProject,
  isConfigMap,
  isRollout,
  type ObjectChange,
  type PlacedObject,
  POD_TEMPLATE,
} from './change-context.js';
import { configMeanings } from './config-meanings.js';
import type { Meaning } from './diff-model.js';
import { touches } from './field-changes.js';
import { isKind } from './manifest-tree.js';
import { permissionMeanings } from './permission-meanings.js';
import { podSecurityMeanings } from './pod-security-meanings.js';
import { pruneMeaning } from './prune-meanings.js';
import { rolloutMeanings } from './rollout-meanings.js';
import { sourceMeanings } from './source-meanings.js';
import { isSecret } from './secret-masking.js';
import { trafficRoutingMeanings } from './traffic-routing-meanings.js';

/** The kinds whose pod template change rolls their pods over by default, without a canary. */
const ROLLING_UPDATE_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** Every meaning of one change, most important first. */
export function meaningsOf(change: ObjectChange, context: ChangeContext): Meaning[] {
  const meanings: Meaning[] = [];
  const placed = change.head ?? change.base;
  // An ObjectChange has at least one side; this narrows it.
  if (!placed) return meanings;
  const object = placed.object;
  if (!change.head) meanings.push(pruneMeaning(placed, context));
  const selectorChanged = change.base && change.head && hasImmutableSelector(object) && touches(change.fields, ['spec', 'selector']);
  if (selectorChanged) {
    // Nothing rolls out: the whole apply fails.
    meanings.push({
      code: 'selector-changed',
      severity: 'danger',
      message: `spec.selector of ${object.kind} ${object.name} changed, and it cannot change after creation: the apply is rejected and the sync fails; give the new selector a new ${object.kind} name`,
    });
  } else if (isRollout(object)) meanings.push(...rolloutMeanings(change));
  else if (
    ROLLING_UPDATE_KINDS.some((kind) => isKind(object, 'apps', kind)) &&
    change.base &&
    change.head &&
    touches(change.fields, POD_TEMPLATE)
  ) {
    meanings.push({
      code: 'rolling-update',
      severity: 'notice',
      message: 'pod template changed: a rolling update replaces the pods, without a canary',
    });
  }
  meanings.push(...analysisMeanings(change), ...trafficRoutingMeanings(change, context));
  if (isConfigMap(object) || isSecret(object)) meanings.push(...configMeanings(change, context));
  if (isApplication(object)) meanings.push(...sourceMeanings(change, context), ...applicationMeanings(change, context));
  if (isAppProject(object)) meanings.push(...permissionMeanings(change, context));
  if (change.head) meanings.push(...admissionMeanings(change.head, context));
  meanings.push(...podSecurityMeanings(change));
  if (isSecret(object) && change.base && change.head) {
    meanings.push({ code: 'secret-changed', severity: 'info', message: 'Secret changed; its values are masked here' });
  }
  if (change.head) meanings.push(...ownershipMeanings(change.head, change.base));
  if (meanings.length === 0) {
    meanings.push(
      change.base
        ? { code: 'updated', severity: 'info', message: 'Argo CD applies the change in place' }
        : { code: 'created', severity: 'info', message: 'Argo CD creates it' },
    );
  }
  const order = { danger: 0, warning: 1, notice: 2, info: 3 };
  return meanings.sort((a, b) => order[a.severity] - order[b.severity]);
}

/** Kinds whose `spec.selector` is immutable once created. */
function hasImmutableSelector(object: PlacedObject['object']): boolean {
  return (
    isRollout(object) ||
    ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].some((kind) => isKind(object, 'apps', kind)) ||
    isKind(object, 'batch', 'Job')
  );
}

/** Who syncs the object after the change, and whether that moved. */
function ownershipMeanings(head: PlacedObject, base: PlacedObject | undefined): Meaning[] {
  const meanings: Meaning[] = [];
  if (head.owners.length === 0) {
    meanings.push({
      code: 'applied-by-hand',
      severity: 'notice',
      message: `no Application syncs ${head.object.file}: the change reaches the cluster only when someone applies it (kubectl apply -f)`,
    });
  }
  if (base) {
    const names = (placed: PlacedObject) => placed.owners.map((owner) => owner.name).join(', ') || '(none)';
    if (names(base) !== names(head)) {
      meanings.push({
        code: 'owner-changed',
        severity: 'warning',
        message: `moves from Application ${names(base)} to ${names(head)}: the old one prunes it (if it prunes) while the new one creates it`,
      });
    }
  }
  return meanings;
}
