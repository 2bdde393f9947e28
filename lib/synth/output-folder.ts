import { existsSync, lstatSync, readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { BOOTSTRAP_FOLDER } from '../core/application-names.js';

/** A path synth must never replace, nor any folder holding it. */
export interface ProtectedPath {
  readonly path: string;
  /** What it is, for messages: "the project folder", "the overlays". */
  readonly what: string;
  /**
   * Whether an output folder inside it is refused too: true for inputs such as overlays/, false
   * for the project folder, which holds dist/.
   *
   * @default false
   */
  readonly refuseInside?: boolean;
}

/**
 * Why `outdir` may not be replaced, or `undefined` when it may: it is one of `protectedPaths`
 * or holds one (or, for inputs, lies inside one). Symbolic links are followed, so a link to the
 * project is the project.
 */
export function outputFolderProblem(outdir: string, protectedPaths: readonly ProtectedPath[]): string | undefined {
  const target = canonicalPath(outdir);
  for (const { path, what, refuseInside } of protectedPaths) {
    const guarded = canonicalPath(path);
    if (target === guarded) return `is ${what}`;
    if (isInside(guarded, target)) return `holds ${what} (${path})`;
    if (refuseInside && isInside(target, guarded)) return `is inside ${what} (${path})`;
  }
  return undefined;
}

const MANIFEST_FILE = /^[a-z][a-z0-9]*-[a-z0-9]([-a-z0-9.]*[a-z0-9])?\.yaml$/;
const FOLDER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Why the existing `outdir` does not look like an earlier output of synth, or `undefined` when
 * it does (or does not exist). An output holds `bootstrap/<kind>-<name>.yaml` and
 * `<cluster>/<folder>/<kind>-<name>.yaml` files and nothing else.
 *
 * @param workloads the workloads' names: with `argocd`, the folders a cluster's output has (see ClusterDelivery)
 */
export function previousOutputProblem(outdir: string, workloads: readonly string[]): string | undefined {
  const clusterFolders = ['argocd', ...workloads];
  if (!existsSync(outdir)) return undefined;
  if (!lstatSync(outdir).isDirectory()) return 'is not a folder';
  const unexpected = (path: string) => `holds ${relative(outdir, path).split(sep).join('/')}, which synth does not write`;
  for (const top of readdirSync(outdir, { withFileTypes: true })) {
    const topPath = join(outdir, top.name);
    if (!top.isDirectory() || !FOLDER_NAME.test(top.name)) return unexpected(topPath);
    const manifestFolders = top.name === BOOTSTRAP_FOLDER ? [topPath] : [];
    if (top.name !== BOOTSTRAP_FOLDER) {
      for (const folder of readdirSync(topPath, { withFileTypes: true })) {
        if (!folder.isDirectory() || !clusterFolders.includes(folder.name)) return unexpected(join(topPath, folder.name));
        manifestFolders.push(join(topPath, folder.name));
      }
    }
    for (const folder of manifestFolders) {
      const stray = readdirSync(folder, { withFileTypes: true }).find((file) => !file.isFile() || !MANIFEST_FILE.test(file.name));
      if (stray) return unexpected(join(folder, stray.name));
    }
  }
  return undefined;
}

/** `path` with symbolic links resolved as far as it exists, the rest appended. */
function canonicalPath(path: string): string {
  const absolute = resolve(path);
  let existing = absolute;
  const rest: string[] = [];
  while (!existsSync(existing) && dirname(existing) !== existing) {
    rest.unshift(basename(existing));
    existing = dirname(existing);
  }
  return join(realpathSync(existing), ...rest);
}

/** True when `path` is strictly inside `folder`. */
function isInside(path: string, folder: string): boolean {
  const fromFolder = relative(folder, path);
  return fromFolder !== '' && !fromFolder.startsWith(`..${sep}`) && fromFolder !== '..' && !fromFolder.startsWith(sep);
}

/**
 * Why `platform.yaml`'s `repository.distPath` disagrees with the folder synth writes, or
 * `undefined` when it agrees. Applications point Argo CD at `distPath`, so a different output
 * folder leaves Argo CD reading files no synth or review produced. An output outside the
 * platform file's folder, or under its `node_modules/` or a dot-folder, is a copy Argo CD never
 * reads (a scratch or staging folder) and is not compared.
 *
 * @param platformFile the platform settings file; its folder is the repository's top
 * @param platformLabel how messages name it, such as `platform.yaml`
 */
export function distPathProblem(distPath: string, outdir: string, platformFile: string, platformLabel: string): string | undefined {
  const [top, output] = [canonicalPath(dirname(platformFile)), canonicalPath(outdir)];
  if (!isInside(output, top)) return undefined;
  const written = relative(top, output).split(sep).join('/');
  const first = written.split('/')[0] ?? '';
  // Never committed, so never what Argo CD reads: a scratch output (benchmarks, caches).
  if (first === 'node_modules' || first.startsWith('.')) return undefined;
  if (written === distPath) return undefined;
  return `${platformLabel}: field "repository.distPath": "${distPath}" is not the folder synth writes (${written}); expected ${written}, or synth's --outdir ${distPath}, so that Argo CD reads what synth writes and the diff reviews`;
}
