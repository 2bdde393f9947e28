import { compareStrings } from '../stable-order.js';
import { ApplicationIndex, ApplicationInfo } from './application-index.js';
import { ChangeContext, isWorkload, meaningsOf, ObjectChange, PlacedObject } from './change-meanings.js';
import { ApplicationGroup, ChangeCounts, ClusterDiff, ManifestDiff, ObjectDiff } from './diff-model.js';
import { fieldChanges, touches } from './field-changes.js';
import { ManifestObject, ManifestTree, ParseCache, parseManifestTree } from './manifest-tree.js';
import { isSecret, maskSecret, maskSecretChanges } from './secret-masking.js';

export interface ManifestDiffOptions {
  /** Names the base tree in the result and in messages. @default 'base' */
  readonly baseName?: string;
  /** Names the head tree. @default 'head' */
  readonly headName?: string;

  /**
   * Where the trees live inside the repository Argo CD pulls: Application source paths are
   * relative to the repository, tree paths relative to this folder.
   *
   * @default 'dist'
   */
  readonly distPath?: string;
}

/** One side of the diff: its objects by identity, and its Applications. */
interface IndexedTree {
  readonly applications: ApplicationIndex;
  readonly byKey: Map<string, PlacedObject>;
}

/**
 * Compares two dist/ trees object by object and says what each difference means once Argo CD
 * syncs it. A pure function over in-memory trees: reading them (from git or disk) is the caller's.
 *
 * Objects are matched by cluster, apiVersion, kind, namespace and name, so moving an object to
 * another file, reordering keys or reformatting YAML is no change.
 *
 * @throws ManifestParseError when a file of either tree is not a list of Kubernetes objects
 */
export function diffManifestTrees(base: ManifestTree, head: ManifestTree, options: ManifestDiffOptions = {}): ManifestDiff {
  const distPath = options.distPath ?? 'dist';
  const baseName = options.baseName ?? 'base';
  const headName = options.headName ?? 'head';
  const cache: ParseCache = new Map();
  // An unchanged file holds unchanged objects: it is read only when the rules need its objects.
  const skipped = new Set([...base.keys()].filter((path) => head.get(path) === base.get(path) && isContextFree(base.get(path)!)));
  const parse = (tree: ManifestTree, name: string, include: (path: string) => boolean) =>
    parseManifestTree(new Map([...tree].filter(([path]) => include(path))), name, cache);
  const baseObjects = parse(base, baseName, (path) => !skipped.has(path));
  const headObjects = parse(head, headName, (path) => !skipped.has(path));
  const baseApplications = new ApplicationIndex(baseObjects, distPath);
  const headApplications = new ApplicationIndex(headObjects, distPath);
  // Unless their folder changes hands: then their objects move from one Application to another.
  const moving = new Set([...skipped].filter((path) => ownersKey(baseApplications.ownersOf(path)) !== ownersKey(headApplications.ownersOf(path))));
  if (moving.size > 0) {
    baseObjects.push(...parse(base, baseName, (path) => moving.has(path)));
    headObjects.push(...parse(head, headName, (path) => moving.has(path)));
  }
  const before = indexTree(baseObjects, baseApplications);
  const after = indexTree(headObjects, headApplications);

  const changes = new Map<string, ObjectChange>();
  for (const key of new Set([...before.byKey.keys(), ...after.byKey.keys()])) {
    const old = before.byKey.get(key);
    const next = after.byKey.get(key);
    if (!old || !next) {
      changes.set(key, { base: old, head: next, fields: [] });
      continue;
    }
    // Files with the same text share one parsed object.
    const fields = old.object.data === next.object.data ? [] : fieldChanges(old.object.data, next.object.data);
    if (fields.length > 0 || ownersKey(old.owners) !== ownersKey(next.owners)) changes.set(key, { base: old, head: next, fields });
  }

  const workloads = new Map<string, PlacedObject[]>();
  for (const placed of after.byKey.values()) {
    if (!isWorkload(placed.object)) continue;
    const scope = `${placed.cluster}\0${placed.object.namespace}`;
    workloads.set(scope, [...(workloads.get(scope) ?? []), placed]);
  }
  const context: ChangeContext = {
    baseApplications: before.applications,
    headApplications: after.applications,
    workloadsIn: (cluster, namespace) => workloads.get(`${cluster}\0${namespace}`) ?? [],
    podTemplateChanged: (workload) => {
      const change = changes.get(identityOf(workload.cluster, workload.object));
      return change !== undefined && (!change.base || touches(change.fields, ['spec', 'template']));
    },
  };

  const objects = [...changes.values()].map((change) => toObjectDiff(change, context));
  return { base: baseName, head: headName, totals: countChanges(objects), clusters: groupByCluster(objects) };
}

/** Kinds the rules read even when they did not change: owners, and the workloads that mount ConfigMaps. */
const CONTEXT_KINDS = new Set(['Application', 'Rollout', 'Deployment']);
const TOP_LEVEL_KIND = /^kind:[ \t]*(["']?)([A-Za-z0-9]+)\1[ \t]*$/gm;

/**
 * True for a file of one document whose top-level `kind:` line names a kind the rules never need
 * for context. Anything else (several documents, JSON style, no such line) is parsed.
 */
function isContextFree(text: string): boolean {
  if (/^---/m.test(text.replace(/^---[ \t]*\n/, ''))) return false;
  const kinds = [...text.matchAll(TOP_LEVEL_KIND)].map((match) => match[2]);
  return kinds.length === 1 && !CONTEXT_KINDS.has(kinds[0]);
}

/** Compares who syncs an object: the same Applications give the same key. */
function ownersKey(owners: readonly ApplicationInfo[]): string {
  return owners.map((owner) => owner.name).join('\0');
}

function identityOf(cluster: string, object: ManifestObject): string {
  return [cluster, object.apiVersion, object.kind, object.namespace, object.name].join('\0');
}

function indexTree(objects: readonly ManifestObject[], applications: ApplicationIndex): IndexedTree {
  const byKey = new Map<string, PlacedObject>();
  for (const object of objects) {
    const cluster = applications.clusterOf(object);
    let key = identityOf(cluster, object);
    // The same object twice in one cluster is a conflict Argo CD reports; keep both visible.
    if (byKey.has(key)) key += `\0${object.file}`;
    byKey.set(key, { object, cluster, owners: applications.ownersOf(object.file) });
  }
  return { applications, byKey };
}

function toObjectDiff(change: ObjectChange, context: ChangeContext): ObjectDiff {
  const placed = (change.head ?? change.base)!;
  const { object } = placed;
  const secret = isSecret(object);
  const kind = change.base && change.head ? 'changed' : change.head ? 'added' : 'removed';
  const diff: ObjectDiff = {
    change: kind,
    cluster: placed.cluster,
    applications: placed.owners.map((owner) => owner.name),
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: object.namespace,
    name: object.name,
    file: object.file,
    ...(change.base && change.head && change.base.object.file !== object.file ? { previousFile: change.base.object.file } : {}),
    fields: secret ? maskSecretChanges(change.fields) : change.fields,
    ...(kind === 'changed' ? {} : { object: secret ? maskSecret(object.data) : object.data }),
    meanings: meaningsOf(change, context),
  };
  return diff;
}

function countChanges(objects: readonly ObjectDiff[]): ChangeCounts {
  const count = (test: (object: ObjectDiff) => boolean) => objects.filter(test).length;
  const has = (object: ObjectDiff, code: string) => object.meanings.some((meaning) => meaning.code === code);
  return {
    added: count((object) => object.change === 'added'),
    changed: count((object) => object.change === 'changed'),
    removed: count((object) => object.change === 'removed'),
    canaries: count((object) => has(object, 'canary-started')),
    permissionsWidened: count((object) => has(object, 'permissions-widened')),
    permissionsNarrowed: count((object) => has(object, 'permissions-narrowed')),
    warnings: objects.reduce((sum, object) => sum + object.meanings.filter((meaning) => meaning.severity === 'warning').length, 0),
  };
}

const CHANGE_ORDER = { removed: 0, changed: 1, added: 2 };

function groupByCluster(objects: readonly ObjectDiff[]): ClusterDiff[] {
  const clusters = new Map<string, ObjectDiff[]>();
  for (const object of objects) clusters.set(object.cluster, [...(clusters.get(object.cluster) ?? []), object]);
  return [...clusters.keys()].sort(compareStrings).map((cluster) => {
    const members = clusters.get(cluster)!;
    const groups = new Map<string, ObjectDiff[]>();
    for (const object of members) {
      const key = object.applications.join(', ');
      groups.set(key, [...(groups.get(key) ?? []), object]);
    }
    // Objects applied by hand (the root Application) first: everything else hangs off them.
    const grouped: ApplicationGroup[] = [...groups.keys()].sort(compareStrings).map((key) => ({
      applications: groups.get(key)![0].applications,
      objects: groups.get(key)!.sort(
        (a, b) =>
          CHANGE_ORDER[a.change] - CHANGE_ORDER[b.change] ||
          compareStrings(a.kind, b.kind) ||
          compareStrings(a.namespace, b.namespace) ||
          compareStrings(a.name, b.name),
      ),
    }));
    return { cluster, counts: countChanges(members), groups: grouped };
  });
}
