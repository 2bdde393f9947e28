import { listAt, mappingAt, stringAt } from '../util/parsed-data.js';
import { type ChangeContext, isRollout, type ObjectChange, type PlacedObject } from './change-context.js';
import type { Meaning } from './diff-model.js';
import { isKind, type ManifestObject } from './manifest-tree.js';

// The Rollouts controller writes the weights of the TraefikService its Rollout routes through:
// they are the controller's, not Git's.

const TRAEFIK_GROUP = 'traefik.io';
const WEIGHT_POINTER = /^\/spec\/weighted\/services\/\d+\/weight$/;

export const isTraefikService = (object: ManifestObject) => isKind(object, TRAEFIK_GROUP, 'TraefikService');

/** The TraefikService a Rollout's controller sets weights on, when the Rollout routes through Traefik. */
function weightedTraefikService(rollout: ManifestObject): string | undefined {
  return stringAt(rollout.data, 'spec', 'strategy', 'canary', 'trafficRouting', 'traefik', 'weightedTraefikServiceName');
}

/** Whether a Rollout among `objects` routes through the TraefikService `name`. */
function routedThrough(objects: readonly PlacedObject[], name: string): boolean {
  return objects.some(({ object }) => isRollout(object) && weightedTraefikService(object) === name);
}

/**
 * Whether an `ignoreDifferences` entry of an Application covers only weights its own Rollouts'
 * controller writes: a TraefikService it syncs that one of its Rollouts routes through, and no
 * field of it but `spec.weighted.services[i].weight`.
 */
export function isControllerWeightEntry(entry: unknown, owned: readonly PlacedObject[]): boolean {
  const { group, kind, name, jqPathExpressions, managedFieldsManagers } = mappingAt(entry);
  const pointers = listAt(entry, 'jsonPointers');
  if (group !== TRAEFIK_GROUP || kind !== 'TraefikService' || typeof name !== 'string') return false;
  if (jqPathExpressions !== undefined || managedFieldsManagers !== undefined || pointers.length === 0) return false;
  if (!pointers.every((pointer) => typeof pointer === 'string' && WEIGHT_POINTER.test(pointer))) return false;
  return owned.some(({ object }) => isTraefikService(object) && object.name === name) && routedThrough(owned, name);
}

/** A TraefikService a Rollout routes through that carries weights in Git: Argo CD and the controller fight over them. */
export function trafficRoutingMeanings(change: ObjectChange, context: ChangeContext): Meaning[] {
  const head = change.head;
  if (!head || !isTraefikService(head.object)) return [];
  const written = listAt(head.object.data, 'spec', 'weighted', 'services').filter((service) => mappingAt(service).weight !== undefined);
  if (written.length === 0 || !routedThrough(context.workloadsIn(head.cluster, head.namespace), head.object.name)) return [];
  return [
    {
      code: 'controller-weights-in-git',
      severity: 'danger',
      message: `TraefikService ${head.object.name} sets weights in Git, but a Rollout routes through it: the Rollouts controller owns them, so Argo CD and the controller overwrite each other; leave the weights out`,
    },
  ];
}
