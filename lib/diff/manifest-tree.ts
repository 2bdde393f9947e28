import { apiGroupOf } from '../core/resource-kinds.js';
import { compareStrings } from '../util/stable-order.js';
import { parseYamlDocuments, YamlParseError } from '../util/yaml-parse.js';
import { ManifestParseError } from '../core/errors.js';

/**
 * A symlink of a tree whose target lies outside the repository. Argo CD's repo server refuses a
 * repository that holds one ("repository contains out-of-bounds symlinks"), so it never reads it.
 */
export interface OutOfBoundsSymlink {
  /** The link's target, as stored. */
  readonly symlink: string;
}

/**
 * A symlink inside the repository that does not read as a manifest file: to a folder, or under
 * another name. Argo CD follows it when it is part of an Application's source path.
 */
export interface InRepositorySymlink {
  /** The link's target, as stored. */
  readonly linkTo: string;
}

/** A submodule (a gitlink): Argo CD checks it out with the repository and reads its files. */
export interface Submodule {
  /** The commit it pins. */
  readonly submodule: string;
}

/** What a tree holds at a path: a file's text, or a link or submodule Argo CD reads through. */
export type TreeEntry = string | OutOfBoundsSymlink | InRepositorySymlink | Submodule;

/**
 * A dist/ tree in memory: each file's path inside dist/ (`/`-separated) and its text. A symlink
 * to a file inside the repository holds that file's text; one pointing outside holds
 * {@link OutOfBoundsSymlink}; other symlinks and submodules hold what they point at.
 */
export type ManifestTree = ReadonlyMap<string, TreeEntry>;

export const isOutOfBoundsSymlink = (entry: TreeEntry | undefined): entry is OutOfBoundsSymlink =>
  typeof entry === 'object' && 'symlink' in entry;

/** A link or submodule through which Argo CD reads files that the tree does not hold. */
export const isIndirection = (entry: TreeEntry | undefined): entry is InRepositorySymlink | Submodule =>
  typeof entry === 'object' && ('linkTo' in entry || 'submodule' in entry);

/** A manifest as parsed from YAML. */
export type ManifestData = Readonly<Record<string, unknown>>;

/** One Kubernetes object of a tree and the file that holds it. */
export interface ManifestObject {
  /** Path of the file inside the tree. */
  readonly file: string;
  readonly apiVersion: string;
  readonly kind: string;
  /** `''` when the object names no namespace. */
  readonly namespace: string;
  readonly name: string;
  readonly data: ManifestData;
}

/** Whether `object` is a `kind` of API `group` (`''` for the core group), at any version. */
export function isKind(object: { apiVersion: string; kind: string }, group: string, kind: string): boolean {
  return object.kind === kind && apiGroupOf(object.apiVersion) === group;
}

/** The first folder of a `/`-separated path inside a tree (the cluster's), or the whole path when it has none. */
export function topFolderOf(path: string): string {
  const slash = path.indexOf('/');
  return slash < 0 ? path : path.slice(0, slash);
}

/** Files Argo CD v3.3.7's directory source reads: `.yaml`, `.yml`, `.json` and `.jsonnet`. */
export function isManifestPath(path: string): boolean {
  return /\.(ya?ml|json|jsonnet)$/.test(path);
}

/** Jsonnet, which Argo CD renders and this program does not. */
export const isJsonnetPath = (path: string): boolean => path.endsWith('.jsonnet');

/**
 * Argo CD skips a file that holds this text anywhere, comment or not: its objects are not part
 * of the Application, so automated prune deletes them.
 */
export const SKIP_FILE_RENDERING_MARKER = '+argocd:skip-file-rendering';

/** Whether Argo CD reads `content` as manifests: text, with no skip marker, not jsonnet. */
export function isReadAsManifests(path: string, content: TreeEntry): content is string {
  return typeof content === 'string' && !isJsonnetPath(path) && !content.includes(SKIP_FILE_RENDERING_MARKER);
}

/**
 * Parsed documents by file content. Trees at two commits share most files, so a diff parses each
 * distinct text once; the parsed objects are shared and must not be changed.
 */
export type ParseCache = Map<string, readonly ManifestData[]>;

/**
 * Every object of `tree` as Argo CD's directory source reads it, sorted by file: each YAML
 * document of a file, with the items of a list (an object whose `items` is a list, such as
 * `kind: List`) in place of the list. Files Argo CD skips (jsonnet, the skip marker,
 * out-of-bounds symlinks) are not read; {@link treeFindings} names them.
 *
 * @param where names the tree's side in messages, such as `origin/main (1a2b3c4)`
 * @param folder the tree's folder, which messages put before each path, such as `dist/`
 * @throws ManifestParseError naming the file when it is not YAML or holds something other than objects
 */
export function parseManifestTree(tree: ManifestTree, where: string, cache: ParseCache = new Map(), folder = ''): ManifestObject[] {
  const objects: ManifestObject[] = [];
  for (const file of [...tree.keys()].filter(isManifestPath).sort(compareStrings)) {
    const text = tree.get(file)!;
    if (!isReadAsManifests(file, text)) continue;
    let documents = cache.get(text);
    if (!documents) {
      documents = parseDocuments(text, `${folder}${file} at ${where}`);
      cache.set(text, documents);
    }
    for (const data of documents) objects.push(toManifestObject(file, data, `${folder}${file} at ${where}`));
  }
  return objects;
}

function parseDocuments(text: string, displayName: string): ManifestData[] {
  if (text.includes('\0')) {
    throw new ManifestParseError(`${displayName}: not a text file (binary, or not UTF-8); Argo CD cannot read it either`);
  }
  let values: unknown[];
  try {
    values = parseYamlDocuments(text, { scalars: 'kubernetes' });
  } catch (error) {
    if (!(error instanceof YamlParseError)) throw error;
    throw new ManifestParseError(`${displayName}: ${error.message}`);
  }
  const documents: ManifestData[] = [];
  for (const value of values) {
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new ManifestParseError(
        `${displayName}: expected Kubernetes objects (mappings), found ${Array.isArray(value) ? 'a list' : `a ${typeof value}`}`,
      );
    }
    const items = (value as ManifestData).items;
    // Argo CD's IsList: any object whose `items` is a list stands for its items.
    if (Array.isArray(items)) {
      for (const [index, item] of items.entries()) {
        if (item === null || typeof item !== 'object' || Array.isArray(item)) {
          throw new ManifestParseError(`${displayName}: items[${index}] of the list is not an object`);
        }
        documents.push(item as ManifestData);
      }
    } else documents.push(value as ManifestData);
  }
  return documents;
}

function toManifestObject(file: string, data: ManifestData, displayName: string): ManifestObject {
  const metadata = (data.metadata ?? {}) as Record<string, unknown>;
  const fields = { apiVersion: data.apiVersion, kind: data.kind, name: metadata.name };
  for (const [field, value] of Object.entries(fields)) {
    if (typeof value !== 'string' || value === '') {
      throw new ManifestParseError(
        `${displayName}: an object has no ${field === 'name' ? 'metadata.name' : field}; every manifest needs apiVersion, kind and metadata.name`,
      );
    }
  }
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
  return { file, apiVersion: data.apiVersion as string, kind: data.kind as string, namespace, name: metadata.name as string, data };
}
