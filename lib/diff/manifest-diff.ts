import { compareStrings } from '../util/stable-order.js';
import { apiGroupOf } from '../core/resource-kinds.js';
import { ApplicationIndex, type ApplicationInfo, isApplication } from './application-index.js';
import {
  type ChangeContext,
  isAppProject,
  isWorkload,
  type ObjectChange,
  type PlacedObject,
  POD_TEMPLATE_KINDS,
  podTemplatePath,
} from './change-context.js';
import { meaningsOf } from './change-meanings.js';
import type { ApplicationGroup, ChangeCounts, ClusterDiff, ManifestDiff, ObjectDiff } from './diff-model.js';
import { fieldChanges, touches } from './field-changes.js';
import { type ManifestObject, type ManifestTree, type ParseCache, parseManifestTree, topFolderOf } from './manifest-tree.js';
import { resolveProject } from './project-policy.js';
import { reviewedSources } from './source-meanings.js';
import { isSecret, maskSecret, maskSecretChanges } from './secret-masking.js';
import { type RecentlyMountedVersion, withSourceHistoryMeanings } from './source-history-meanings.js';
import { reviewCodeFinding, sortFindings, sourceLinkFindings, treeFindings } from './tree-findings.js';

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

  /**
   * Files of the review's own code (the diff, the check, entry points, scripts, workflows,
   * package manifests) that the change touches, by path in the repository.
   *
   * @default - none
   */
  readonly reviewCodeChanges?: readonly string[];

  /**
   * The source ConfigMap versions pods mounted at the base's last commits, read from Git: removing
   * one is a warning.
   *
   * @default - none known
   */
  readonly recentlyMounted?: readonly RecentlyMountedVersion[];

  /**
   * Parsed files by their text, to share with other diffs of trees that hold the same files (many
   * heads against one base): each distinct text is parsed once. Its objects are shared and never
   * changed.
   *
   * @default - a cache of this diff's own
   */
  readonly parseCache?: ParseCache;
}

/** One side of the diff: its objects by identity, and its Applications. */
interface IndexedTree {
  readonly applications: ApplicationIndex;
  readonly byKey: Map<string, PlacedObject>;
  /** Every copy of every object, by identity and file, the kept copy too. */
  readonly byFile: Map<string, PlacedObject>;
  /** Objects defined more than once in a cluster: every copy, by each copy. */
  readonly duplicates: Map<PlacedObject, PlacedObject[]>;
}

/**
 * Compares two dist/ trees object by object and says what each difference means once Argo CD
 * syncs it. A pure function over in-memory trees: reading them (from git or disk) is the caller's.
 *
 * The trees are read as Argo CD v3.3.7's directory source reads them (see
 * {@link parseManifestTree} and {@link treeFindings}). Objects are matched by cluster, API group,
 * kind, namespace and name, as Argo CD matches them, so moving an object to another file,
 * reordering keys or reformatting YAML is no change.
 *
 * @throws ManifestParseError when a file of either tree is not a list of Kubernetes objects
 */
export function diffManifestTrees(base: ManifestTree, head: ManifestTree, options: ManifestDiffOptions = {}): ManifestDiff {
  const distPath = options.distPath ?? 'dist';
  const baseName = options.baseName ?? 'base';
  const headName = options.headName ?? 'head';
  const cache: ParseCache = options.parseCache ?? (new Map() as ParseCache);
  // An unchanged file holds unchanged objects: it is read only when the rules need its objects.
  let skipped = new Set(
    [...base.keys()].filter((path) => {
      const text = base.get(path);
      return typeof text === 'string' && head.get(path) === text && isContextFree(text);
    }),
  );
  let sides = readSides(base, head, { distPath, baseName, headName, cache, skipped });
  let changes = changedObjects(sides.before, sides.after);
  // New objects may duplicate unchanged ones, and project changes concern every object a project
  // governs: then the rest of that cluster's files are read too.
  const needed = new Set<string>();
  for (const change of changes.values()) {
    const placed = (change.head ?? change.base)!;
    if (!change.base || isApplication(placed.object) || isAppProject(placed.object)) needed.add(placed.cluster);
  }
  const rest = new Set([...skipped].filter((path) => !needed.has(topFolderOf(path))));
  if (rest.size < skipped.size) {
    skipped = rest;
    sides = readSides(base, head, { distPath, baseName, headName, cache, skipped });
    changes = changedObjects(sides.before, sides.after);
  }
  const context = changeContext(sides.before, sides.after, changes, head, distPath);
  const objects = withSourceHistoryMeanings(
    [...changes.values()].map((change) => toObjectDiff(change, context)),
    base,
    head,
    options.recentlyMounted ?? [],
    distPath,
  );
  const files = sortFindings([
    ...treeFindings(base, head, distPath),
    ...sourceLinkFindings(base, head, { base: sides.before.applications, head: sides.after.applications }, distPath),
    ...(options.reviewCodeChanges ?? []).map(reviewCodeFinding),
  ]);
  const totals = countChanges(objects);
  return {
    base: baseName,
    head: headName,
    totals: { ...totals, dangers: totals.dangers + files.filter((file) => file.severity === 'danger').length },
    files,
    clusters: groupByCluster(objects),
  };
}

/** What the rules may look up: both sides' Applications, projects, owned objects and workloads. */
function changeContext(
  before: IndexedTree,
  after: IndexedTree,
  changes: ReadonlyMap<string, ObjectChange>,
  head: ManifestTree,
  distPath: string,
): ChangeContext {
  const byOwner = (tree: IndexedTree) => {
    const owned = new Map<string, PlacedObject[]>();
    for (const placed of tree.byKey.values()) for (const owner of placed.owners) pushTo(owned, `${placed.cluster}\0${owner.name}`, placed);
    return owned;
  };
  const [baseOwned, headOwned] = [byOwner(before), byOwner(after)];
  const projects = (tree: IndexedTree) => {
    const byName = new Map<string, PlacedObject>();
    for (const placed of tree.byKey.values())
      if (isAppProject(placed.object)) byName.set(`${placed.cluster}\0${placed.object.name}`, placed);
    return byName;
  };
  const [baseProjects, headProjects] = [projects(before), projects(after)];
  const workloads = new Map<string, PlacedObject[]>();
  for (const placed of after.byKey.values())
    if (isWorkload(placed.object)) pushTo(workloads, `${placed.cluster}\0${placed.namespace}`, placed);
  const headFolders = new Set<string>();
  for (const path of head.keys())
    for (let slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) headFolders.add(path.slice(0, slash));
  const baseApplicationData = [...before.byKey.values()]
    .filter((placed) => isApplication(placed.object))
    .map((placed) => placed.object.data);
  return {
    distPath,
    reviewedSources: reviewedSources(baseApplicationData),
    baseApplications: before.applications,
    headApplications: after.applications,
    workloadsIn: (cluster, namespace) => workloads.get(`${cluster}\0${namespace}`) ?? [],
    podTemplateChanged: (workload) => {
      const change = changes.get(identityOf(workload));
      return change !== undefined && (!change.base || touches(change.fields, podTemplatePath(workload.object) ?? []));
    },
    ownedBy: (side, cluster, application) => (side === 'base' ? baseOwned : headOwned).get(`${cluster}\0${application}`) ?? [],
    project: (side, cluster, name) =>
      resolveProject(name, (side === 'base' ? baseProjects : headProjects).get(`${cluster}\0${name}`)?.object.data),
    headObject: (cluster, apiGroup, kind, namespace, name) => {
      for (const placed of after.byKey.values()) {
        const { object } = placed;
        if (
          placed.cluster === cluster &&
          object.kind === kind &&
          apiGroupOf(object.apiVersion) === apiGroup &&
          placed.namespace === namespace &&
          object.name === name
        )
          return placed;
      }
      return undefined;
    },
    duplicatesOf: (placed) => after.duplicates.get(placed) ?? [],
    headHasFolder: (folder) => headFolders.has(folder),
  };
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

interface ReadOptions {
  readonly distPath: string;
  readonly baseName: string;
  readonly headName: string;
  readonly cache: ParseCache;
  /** Files both sides share that need not be read. */
  readonly skipped: ReadonlySet<string>;
}

/** Both sides parsed (but for the skipped files), with their Applications, indexed by identity. */
function readSides(base: ManifestTree, head: ManifestTree, options: ReadOptions): { before: IndexedTree; after: IndexedTree } {
  const { distPath, cache, skipped } = options;
  const parse = (tree: ManifestTree, name: string, include: (path: string) => boolean) =>
    parseManifestTree(new Map([...tree].filter(([path]) => include(path))), name, cache, `${distPath}/`);
  let baseObjects = parse(base, options.baseName, (path) => !skipped.has(path));
  let headObjects = parse(head, options.headName, (path) => !skipped.has(path));
  let baseApplications = new ApplicationIndex(baseObjects, distPath);
  let headApplications = new ApplicationIndex(headObjects, distPath);
  // Unless their folder changes hands: then their objects move from one Application to another.
  const moving = new Set(
    [...skipped].filter((path) => ownersKey(baseApplications.ownersOf(path)) !== ownersKey(headApplications.ownersOf(path))),
  );
  if (moving.size > 0) {
    baseObjects.push(...parse(base, options.baseName, (path) => moving.has(path)));
    headObjects.push(...parse(head, options.headName, (path) => moving.has(path)));
  }
  // Files an Application's directory include or exclude leaves out are not deployed at all.
  [baseObjects, baseApplications] = withoutDropped(baseObjects, baseApplications, distPath);
  [headObjects, headApplications] = withoutDropped(headObjects, headApplications, distPath);
  return { before: indexTree(baseObjects, baseApplications), after: indexTree(headObjects, headApplications) };
}

/**
 * `objects` without those Argo CD leaves out for a directory `include` or `exclude`, and the
 * Applications of what remains (an Application left out owns nothing).
 */
function withoutDropped(objects: ManifestObject[], applications: ApplicationIndex, distPath: string): [ManifestObject[], ApplicationIndex] {
  if (!objects.some((object) => applications.drops(object.file))) return [objects, applications];
  const kept = objects.filter((object) => !applications.drops(object.file));
  return [kept, new ApplicationIndex(kept, distPath)];
}

/** The objects that differ, by identity. */
function changedObjects(before: IndexedTree, after: IndexedTree): Map<string, ObjectChange> {
  const changes = new Map<string, ObjectChange>();
  for (const key of new Set([...before.byKey.keys(), ...after.byKey.keys()])) {
    // A copy Argo CD does not keep is matched by its file: the same copy in the same file, kept
    // before or not, is no change.
    const old = before.byKey.get(key) ?? (after.byFile.has(key) ? before.byFile.get(key) : undefined);
    const next = after.byKey.get(key) ?? (before.byFile.has(key) ? after.byFile.get(key) : undefined);
    if (!old || !next) {
      changes.set(key, { base: old, head: next, fields: [] });
      continue;
    }
    // Files with the same text share one parsed object.
    const fields = old.object.data === next.object.data ? [] : fieldChanges(old.object.data, next.object.data);
    if (fields.length > 0 || ownersKey(old.owners) !== ownersKey(next.owners)) changes.set(key, { base: old, head: next, fields });
  }
  return changes;
}

/** Kinds the rules read even when they did not change: owners, projects, roles, and the workloads that mount ConfigMaps. */
const CONTEXT_KINDS = new Set(['Application', 'AppProject', 'Role', 'ClusterRole', ...POD_TEMPLATE_KINDS.map(({ kind }) => kind)]);
const TOP_LEVEL_KIND = /^kind:[ \t]*(["']?)([A-Za-z0-9]+)\1[ \t]*$/gm;

/**
 * True for a file of one document whose top-level `kind:` line names a kind the rules never need
 * for context. Anything else (several documents, a list, JSON style, no such line) is parsed.
 */
function isContextFree(text: string): boolean {
  if (/^---/m.test(text.replace(/^---[ \t]*\n/, '')) || /^items:/m.test(text)) return false;
  const [kind, ...more] = [...text.matchAll(TOP_LEVEL_KIND)].map((match) => match[2]);
  return kind !== undefined && more.length === 0 && !CONTEXT_KINDS.has(kind);
}

/** Compares who syncs an object: the same Applications give the same key. */
function ownersKey(owners: readonly ApplicationInfo[]): string {
  return owners.map((owner) => owner.name).join('\0');
}

/**
 * Argo CD's identity of an object: API group (not version), kind, namespace (the one Argo CD
 * fills in for an object that names none) and name, per cluster.
 */
function identityOf(placed: Omit<PlacedObject, 'owners'>): string {
  const { cluster, object, namespace } = placed;
  return [cluster, apiGroupOf(object.apiVersion), object.kind, namespace, object.name].join('\0');
}

/** The order Argo CD's directory source reads files in: Go's `filepath.Walk`, folder by folder, names in byte order. */
function compareWalkOrder(a: string, b: string): number {
  const [left, right] = [a.split('/'), b.split('/')];
  for (let index = 0; index < Math.min(left.length, right.length); index++) {
    const order = compareStrings(left[index]!, right[index]!);
    if (order !== 0) return order;
  }
  return left.length - right.length;
}

/**
 * Objects by identity. The same object twice in one cluster: Argo CD keeps the copy it reads last,
 * which takes the plain identity; every other copy stays visible under its file.
 */
function indexTree(objects: readonly ManifestObject[], applications: ApplicationIndex): IndexedTree {
  const copies = new Map<string, PlacedObject[]>();
  for (const object of objects) {
    const placed = {
      object,
      cluster: applications.clusterOf(object),
      namespace: applications.namespaceOf(object),
      owners: applications.ownersOf(object.file),
    };
    pushTo(copies, identityOf(placed), placed);
  }
  const byKey = new Map<string, PlacedObject>();
  const byFile = new Map<string, PlacedObject>();
  const duplicates = new Map<PlacedObject, PlacedObject[]>();
  for (const [identity, unordered] of copies) {
    // A stable sort keeps the documents of one file in their order.
    const group = [...unordered].sort((a, b) => compareWalkOrder(a.object.file, b.object.file));
    const primary = group.at(-1);
    if (!primary) continue;
    byKey.set(identity, primary);
    for (const placed of group) {
      if (placed !== primary) byKey.set(`${identity}\0${placed.object.file}`, placed);
      byFile.set(`${identity}\0${placed.object.file}`, placed);
      if (group.length > 1) duplicates.set(placed, group);
    }
  }
  return { applications, byKey, byFile, duplicates };
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
    namespace: placed.namespace,
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
    dangers: objects.reduce((sum, object) => sum + object.meanings.filter((meaning) => meaning.severity === 'danger').length, 0),
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
    const grouped: ApplicationGroup[] = [...groups.entries()]
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([, objects]) => ({
        applications: objects[0]?.applications ?? [],
        objects: objects.sort(
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
