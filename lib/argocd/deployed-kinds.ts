import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { apiGroupOf, findKnownKind, formatKind, type ResourceKind, uniqueKinds } from '../core/resource-kinds.js';

/**
 * The kinds of every API object under `scope`.
 *
 * @throws when an object's kind is not in {@link KNOWN_KINDS}: its scope decides its whitelist
 */
export function kindsDeployedBy(scope: Construct): ResourceKind[] {
  const objects = scope.node.findAll().filter((child): child is ApiObject => child instanceof ApiObject);
  return uniqueKinds(
    objects.map((object) => {
      const group = apiGroupOf(object.apiVersion);
      const known = findKnownKind(group, object.kind);
      if (!known) {
        throw new Error(
          `${object.kind} ${object.name} (${object.node.path}) has kind ${formatKind({ group, kind: object.kind })}, ` +
            'which is not in KNOWN_KINDS (lib/core/resource-kinds.ts); add it with its scope',
        );
      }
      return { group: known.group, kind: known.kind, namespaced: known.namespaced };
    }),
  );
}
