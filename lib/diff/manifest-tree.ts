import { parseAllDocuments } from 'yaml';
import { apiGroupOf } from '../argocd/resource-kinds.js';
import { UsageError } from '../command-line-errors.js';
import { compareStrings } from '../stable-order.js';

/** A dist/ tree in memory: each file's path inside dist/ (`/`-separated) and its YAML text. */
export type ManifestTree = ReadonlyMap<string, string>;

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

/** A file of a tree that is not a list of Kubernetes objects. */
export class ManifestParseError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestParseError';
  }
}

/** Whether a tree path is a manifest: a file Argo CD's directory source reads (JSON parses as YAML). */
export function isManifestPath(path: string): boolean {
  return path.endsWith('.yaml') || path.endsWith('.yml') || path.endsWith('.json');
}

/**
 * Parsed documents by file content. Trees at two commits share most files, so a diff parses each
 * distinct text once; the parsed objects are shared and must not be changed.
 */
export type ParseCache = Map<string, readonly ManifestData[]>;

/**
 * Every object of `tree`, sorted by file. A file may hold several YAML documents; empty
 * documents are skipped.
 *
 * @param where names the tree in messages, such as `dist/ at origin/main`
 * @throws ManifestParseError naming the file when it is not YAML or holds something other than objects
 */
export function parseManifestTree(tree: ManifestTree, where: string, cache: ParseCache = new Map()): ManifestObject[] {
  const objects: ManifestObject[] = [];
  for (const file of [...tree.keys()].filter(isManifestPath).sort(compareStrings)) {
    const text = tree.get(file)!;
    let documents = cache.get(text);
    if (!documents) {
      documents = parseDocuments(text, `${file} (${where})`);
      cache.set(text, documents);
    }
    for (const data of documents) objects.push(toManifestObject(file, data, where));
  }
  return objects;
}

function parseDocuments(text: string, displayName: string): ManifestData[] {
  const documents: ManifestData[] = [];
  for (const document of parseAllDocuments(text)) {
    const error = document.errors[0];
    if (error) {
      // The first line of yaml's message ends with the position: "... at line 2, column 1:".
      throw new ManifestParseError(`${displayName}: not valid YAML: ${error.message.split('\n')[0].replace(/:$/, '')}`);
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new ManifestParseError(`${displayName}: expected Kubernetes objects (mappings), found ${Array.isArray(value) ? 'a list' : `a ${typeof value}`}`);
    }
    documents.push(value as ManifestData);
  }
  return documents;
}

function toManifestObject(file: string, data: ManifestData, where: string): ManifestObject {
  const metadata = (data.metadata ?? {}) as Record<string, unknown>;
  const fields = { apiVersion: data.apiVersion, kind: data.kind, name: metadata.name };
  for (const [field, value] of Object.entries(fields)) {
    if (typeof value !== 'string' || value === '') {
      throw new ManifestParseError(`${file} (${where}): an object has no ${field === 'name' ? 'metadata.name' : field}; every manifest needs apiVersion, kind and metadata.name`);
    }
  }
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
  return { file, apiVersion: data.apiVersion as string, kind: data.kind as string, namespace, name: metadata.name as string, data };
}
