import { posix } from 'node:path';
import type { Meaning, ObjectDiff } from './diff-model.js';
import type { ManifestTree } from './manifest-tree.js';
import { currentVersions, familyOf, isConfigMapFile, type SourceVersion, sourceVersionOf, sourceVersionsOf } from './source-history.js';

/**
 * How many of the base's commits count as recent: the last 3 on its first-parent line that
 * changed dist/. Synth keeps 3 earlier versions, and each new one comes in its own commit, so a
 * version that synth retires in turn was last mounted at least 4 such commits back and never
 * warns; one mounted within these 3 still backs stable pods or a likely rollback.
 */
export const RECENT_COMMITS = 3;

/** A source ConfigMap version pods mounted at one of the base's recent commits. */
export interface RecentlyMountedVersion {
  readonly version: SourceVersion;
  readonly commit: string;
}

const SEVERITY_ORDER = { danger: 0, warning: 1, notice: 2, info: 3 };

/** The text files of `tree` directly in `folder`. */
function filesIn(tree: ManifestTree, folder: string): [string, string][] {
  return [...tree].flatMap(([path, content]) => (posix.dirname(path) === folder && typeof content === 'string' ? [[path, content]] : []));
}

/**
 * Adds the warnings about removed source ConfigMap versions (see `VersionedConfigMap`): a version
 * pods mounted at one of the base's recent commits, and the loss of a family's whole history,
 * as after `rm -rf dist` or `cdk8s synth --output dist`, which leaves synth nothing to keep.
 *
 * @param recent the versions pods mounted at the base's {@link RECENT_COMMITS} last commits
 */
export function withSourceHistoryMeanings(
  objects: readonly ObjectDiff[],
  base: ManifestTree,
  head: ManifestTree,
  recent: readonly RecentlyMountedVersion[],
  distPath: string,
): ObjectDiff[] {
  const added = new Map<ObjectDiff, Meaning[]>();
  const add = (object: ObjectDiff, meaning: Meaning) => added.set(object, [...(added.get(object) ?? []), meaning]);
  const removed = new Map<string, { object: ObjectDiff; version: SourceVersion }[]>();
  for (const object of objects) {
    const version = object.change === 'removed' ? sourceVersionOf(object.file, object.object) : undefined;
    if (version) removed.set(familyOf(version), [...(removed.get(familyOf(version)) ?? []), { object, version }]);
  }
  for (const [family, members] of removed) {
    const folder = posix.dirname(members[0]!.version.file);
    const ofFamily = (tree: ManifestTree) => sourceVersionsOf(filesIn(tree, folder)).filter((version) => familyOf(version) === family);
    const [before, after] = [ofFamily(base), ofFamily(head)];
    // The workload leaves the folder: no pods stay to mount any version.
    if (after.length === 0) continue;
    for (const { object, version } of members) {
      const mounted = recent.find((candidate) => familyOf(candidate.version) === family && candidate.version.name === version.name);
      if (mounted)
        add(object, {
          code: 'mounted-version-removed',
          severity: 'warning',
          message: `pods mounted this version at ${mounted.commit.slice(0, 7)}, one of the base's last ${RECENT_COMMITS} commits to ${distPath}/: stable pods may still mount it, and once Argo CD prunes it an abort or a restarted stable pod cannot start; keep it until the canary that replaced it is promoted`,
        });
    }
    const headCurrent = new Set(currentVersions(after).map((version) => version.name));
    const headNames = new Set(after.map((version) => version.name));
    const earlier = before.filter((version) => !headCurrent.has(version.name));
    if (earlier.length === 0 || earlier.some((version) => headNames.has(version.name))) continue;
    const newest = members.reduce((a, b) => (b.version.generation > a.version.generation ? b : a));
    add(newest.object, {
      code: 'source-history-lost',
      severity: 'warning',
      message: `every earlier version of ${newest.version.baseName} in ${distPath}/${folder}/ leaves ${distPath}/ (${earlier.map((version) => version.name).join(', ')}): the ConfigMap history was lost, as after \`rm -rf ${distPath}\` or \`cdk8s synth --output ${distPath}\`, and stable pods may still mount those versions; restore ${distPath}/ from the base (git checkout <base> -- ${distPath}) and run npm run synth`,
    });
  }
  return objects.map((object) => {
    const meanings = added.get(object);
    if (!meanings) return object;
    return {
      ...object,
      meanings: [...object.meanings, ...meanings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]),
    };
  });
}

/** Whether `head` lacks a ConfigMap file of `base`: only then can a source version be removed. */
export function removesConfigMapFiles(base: ManifestTree, head: ManifestTree): boolean {
  return [...base.keys()].some((path) => isConfigMapFile(path) && !head.has(path));
}
