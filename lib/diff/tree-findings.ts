import { compareStrings } from '../util/stable-order.js';
import type { FileFinding } from './diff-model.js';
import { isJsonnetPath, type ManifestTree, type OutOfBoundsSymlink, SKIP_FILE_RENDERING_MARKER, topFolderOf } from './manifest-tree.js';

const isSymlink = (content: string | OutOfBoundsSymlink | undefined): content is OutOfBoundsSymlink => typeof content === 'object';
const hasMarker = (content: string | OutOfBoundsSymlink | undefined) =>
  typeof content === 'string' && content.includes(SKIP_FILE_RENDERING_MARKER);

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
  const order = { danger: 0, warning: 1, notice: 2, info: 3 };
  return findings.sort((a, b) => order[a.severity] - order[b.severity]);
}
