import { compareStrings } from '../util/stable-order.js';
import type { FileFinding } from './diff-model.js';
import type { ApplicationIndex } from './application-index.js';
import {
  type InRepositorySymlink,
  isIndirection,
  isJsonnetPath,
  isOutOfBoundsSymlink as isSymlink,
  type ManifestTree,
  SKIP_FILE_RENDERING_MARKER,
  type Submodule,
  type TreeEntry,
  topFolderOf,
} from './manifest-tree.js';

const hasMarker = (content: TreeEntry | undefined) => typeof content === 'string' && content.includes(SKIP_FILE_RENDERING_MARKER);

/**
 * The files whose change plain YAML objects do not show, as Argo CD v3.3.7's directory source
 * treats them: jsonnet it renders, files it skips for the skip-file-rendering marker, and
 * symlinks out of the repository, for which it refuses the whole repository.
 *
 * @param distPath the tree's folder in the repository, for messages
 */
export function treeFindings(base: ManifestTree, head: ManifestTree, distPath: string): FileFinding[] {
  const findings: FileFinding[] = [];
  const paths = [...new Set([...base.keys(), ...head.keys()])].sort(compareStrings);
  for (const path of paths) {
    const [before, after] = [base.get(path), head.get(path)];
    const shown = `${distPath}/${path}`;
    const add = (code: FileFinding['code'], severity: FileFinding['severity'], message: string) =>
      findings.push({ code, severity, cluster: topFolderOf(path), file: path, message });
    if (isSymlink(after) && !(isSymlink(before) && before.symlink === after.symlink)) {
      add(
        'out-of-bounds-symlink',
        'danger',
        `${shown} is a symlink to ${after.symlink}, outside the repository: Argo CD refuses the whole repository, so every Application that reads it fails to generate manifests (ComparisonError) and stops syncing, in every cluster`,
      );
      continue;
    }
    if (typeof after === 'object' && 'submodule' in after) {
      if (!(typeof before === 'object' && 'submodule' in before && before.submodule === after.submodule))
        add(
          'submodule',
          'danger',
          `${shown} is a submodule (commit ${after.submodule}): Argo CD deploys files this diff does not show, since it checks the submodule out with the repository and reads its files`,
        );
      continue;
    }
    if (isJsonnetPath(path) && before !== after) {
      add(
        'jsonnet',
        'danger',
        after === undefined
          ? `${shown} (jsonnet) is removed: Argo CD rendered it, so whatever it deployed leaves the Application; this diff does not render jsonnet and cannot list those objects`
          : `${shown} is jsonnet: Argo CD renders it and deploys the result, which this diff does not render or show; npm run check refuses jsonnet in ${distPath}/`,
      );
      continue;
    }
    if (hasMarker(after) && !hasMarker(before)) {
      if (before === undefined)
        add(
          'skip-file-rendering',
          'notice',
          `${shown} carries the ${SKIP_FILE_RENDERING_MARKER} marker: Argo CD skips it, so nothing in it is deployed`,
        );
      else {
        add(
          'skip-file-rendering',
          'danger',
          `${shown} now carries the ${SKIP_FILE_RENDERING_MARKER} marker: Argo CD skips the whole file, so its objects leave their Application (shown below as removed)`,
        );
      }
    }
  }
  return sortFindings(findings);
}

/** Findings most severe first, in their order otherwise. */
export function sortFindings(findings: readonly FileFinding[]): FileFinding[] {
  const order = { danger: 0, warning: 1, notice: 2, info: 3 };
  return [...findings].sort((a, b) => order[a.severity] - order[b.severity]);
}

/**
 * The folders and files of the review's own code: what makes this diff and the check, runs them,
 * and installs their dependencies. A change to them is judged by the base branch's copy in CI,
 * but judges every later change once merged.
 */
export const REVIEW_CODE_PATHS: readonly string[] = [
  'lib/diff/',
  'lib/check/',
  'bin/',
  'scripts/',
  '.github/',
  'package.json',
  'package-lock.json',
];

/** A change to a file of the review's own code (see {@link REVIEW_CODE_PATHS}), by its path in the repository. */
export function reviewCodeFinding(path: string): FileFinding {
  return {
    code: 'review-code',
    severity: 'warning',
    cluster: '',
    file: path,
    message: `changes the review's own code: this diff was made by the base branch's copy, but once merged this file makes or runs the diff, the check or CI for every later change; review it as code that judges`,
  };
}

/**
 * Symlinks and submodules on the source path of an Application after the change: Argo CD reads
 * the folder they lead to, whose files this tree does not hold. Each is named once, unless the
 * same link stood on the same Application's path before.
 */
export function sourceLinkFindings(
  base: ManifestTree,
  head: ManifestTree,
  applications: { readonly base: ApplicationIndex; readonly head: ApplicationIndex },
  distPath: string,
): FileFinding[] {
  const linksOnPaths = (tree: ManifestTree, index: ApplicationIndex) => {
    const found = new Map<string, { path: string; entry: InRepositorySymlink | Submodule; application: string; folder: string }>();
    for (const application of index.all())
      for (const folder of application.folders) {
        const segments = folder.split('/');
        for (let length = 1; length <= segments.length && folder !== ''; length++) {
          const path = segments.slice(0, length).join('/');
          const entry = tree.get(path);
          if (isIndirection(entry))
            found.set([path, JSON.stringify(entry), application.name].join('\0'), { path, entry, application: application.name, folder });
        }
      }
    return found;
  };
  const before = linksOnPaths(base, applications.base);
  const findings: FileFinding[] = [];
  for (const [key, { path, entry, application, folder }] of linksOnPaths(head, applications.head)) {
    if (before.has(key)) continue;
    const what = 'submodule' in entry ? `a submodule (commit ${entry.submodule})` : `a symlink to ${entry.linkTo}`;
    findings.push({
      code: 'linked-source-path',
      severity: 'danger',
      cluster: topFolderOf(path),
      file: path,
      message: `${distPath}/${path} is ${what} on the source path of Application ${application} (${distPath}/${folder}): Argo CD deploys files this diff does not show`,
    });
  }
  return findings;
}
