import { stringify } from 'yaml';
import { CLOUDS } from '../../lib/core/fields.js';
import { type ManifestDiff, objectsOf } from '../../lib/diff/diff-model.js';
import { diffManifestTrees, type ManifestDiffOptions } from '../../lib/diff/manifest-diff.js';
import type { ManifestTree, ParseCache } from '../../lib/diff/manifest-tree.js';
import { parseYamlDocuments } from '../../lib/util/yaml-parse.js';
import { synthClusterFiles } from '../support/cluster.js';
import { parseYamlObject } from '../support/yaml.js';

/** The files of {@link synthesizedTree}: made once per worker, since every diff test starts from them. */
let threeClouds: ReadonlyMap<string, string> | undefined;

/** A dist/ tree of the three clouds, synthesized in-process the way main.ts does: a new copy each call. */
export function synthesizedTree(): Map<string, string> {
  threeClouds ??= new Map(CLOUDS.flatMap((cloud) => [...synthClusterFiles({ cluster: cloud, cloud })]));
  return new Map(threeClouds);
}

/** Parsed files the diffs of a worker share: most of their trees are {@link synthesizedTree}'s files. */
const sharedParses: ParseCache = new Map();

/** {@link diffManifestTrees} with the worker's parse cache, so each distinct file is parsed once per worker. */
export function diffTrees(base: ManifestTree, head: ManifestTree, options: ManifestDiffOptions = {}): ManifestDiff {
  // Trees made for one test (hundreds of generated objects) are not worth keeping.
  if (sharedParses.size > 2000) sharedParses.clear();
  return diffManifestTrees(base, head, { parseCache: sharedParses, ...options });
}

/** A copy of `tree` with the object at `path` changed by `edit`. */
export function edited(tree: ReadonlyMap<string, string>, path: string, edit: (object: any) => void): Map<string, string> {
  const text = tree.get(path);
  if (text === undefined) throw new Error(`no ${path} in the tree; it has ${[...tree.keys()].join(', ')}`);
  const object = parseYamlObject(text);
  edit(object);
  return new Map(tree).set(path, stringify(object));
}

/** The path of the only file whose name starts with `prefix`. */
export function onlyPath(tree: ReadonlyMap<string, string>, prefix: string): string {
  const paths = [...tree.keys()].filter((path) => path.startsWith(prefix));
  if (paths.length !== 1) throw new Error(`expected one file starting with ${prefix}, found ${paths.join(', ') || 'none'}`);
  return paths[0]!;
}

export { objectsOf };

/** `change kind name @cluster` for each object diff: compact expectations. */
export function summaryOf(diff: ManifestDiff): string[] {
  return objectsOf(diff).map((object) => `${object.change} ${object.kind} ${object.name} @${object.cluster}`);
}

/** The meaning codes of the object `kind name` in `cluster`. */
export function codesOf(diff: ManifestDiff, cluster: string, kind: string, name: string): string[] {
  const object = objectsOf(diff).find((candidate) => candidate.cluster === cluster && candidate.kind === kind && candidate.name === name);
  if (!object) throw new Error(`no ${kind} ${name} in ${cluster}; the diff has ${summaryOf(diff).join('; ')}`);
  return object.meanings.map((meaning) => meaning.code);
}

/** Every document of a multi-document YAML text. */
export function documentsOf(text: string): any[] {
  return parseYamlDocuments(text) as any[];
}

/** `value` with the keys of every mapping in reverse order: the same objects, written differently. */
export function withKeysReversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withKeysReversed);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([key, item]) => [key, withKeysReversed(item)]),
    );
  return value;
}
