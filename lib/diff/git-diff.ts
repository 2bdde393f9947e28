import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GitInputError } from '../core/errors.js';
import type { ManifestDiff } from './diff-model.js';
import {
  changedFiles,
  openGitRepository,
  readManifestTreeAtCommit,
  readManifestTreeFromDirectory,
  resolveCommit,
} from './git-manifest-tree.js';
import { diffManifestTrees } from './manifest-diff.js';
import { REVIEW_CODE_PATHS } from './tree-findings.js';
import { currentVersions, SourceHistory } from './source-history.js';
import { RECENT_COMMITS, type RecentlyMountedVersion, removesConfigMapFiles } from './source-history-meanings.js';

export interface GitDiffOptions {
  /** A folder inside the repository: the project root, which holds `distPath`. */
  readonly directory: string;
  /** The ref to compare from: a branch, tag or commit. */
  readonly base: string;

  /**
   * The ref to compare to.
   *
   * @default - the working tree, uncommitted changes included
   */
  readonly head?: string;

  /**
   * The manifest folder, relative to `directory`; Application source paths name it too.
   *
   * @default 'dist'
   */
  readonly distPath?: string;
}

/**
 * Compares `distPath` at `base` with the working tree or `head`: the thin git layer over
 * {@link diffManifestTrees}.
 *
 * @throws GitInputError for a folder outside git or an unknown ref
 */
export async function diffGitRevisions(options: GitDiffOptions): Promise<ManifestDiff> {
  const distPath = options.distPath ?? 'dist';
  const workingTree = join(options.directory, distPath);
  // A missing folder is an empty tree (a first synth), but a file in its place is a mistake.
  if (options.head === undefined && existsSync(workingTree) && !statSync(workingTree).isDirectory())
    throw new GitInputError(`--dist ${distPath}: not a folder; expected the folder of manifests, such as dist`);
  const repository = await openGitRepository(options.directory);
  const [baseCommit, headCommit] = await Promise.all([
    resolveCommit(repository, options.base),
    options.head === undefined ? undefined : resolveCommit(repository, options.head),
  ]);
  const label = (ref: string, commit: string) =>
    ref.startsWith(commit.slice(0, 7)) ? commit.slice(0, 12) : `${ref} (${commit.slice(0, 7)})`;
  const baseName = label(options.base, baseCommit);
  const headName = options.head === undefined || headCommit === undefined ? 'working tree' : label(options.head, headCommit);
  const [base, head, reviewCodeChanges] = await Promise.all([
    readManifestTreeAtCommit(repository, baseCommit, distPath, baseName),
    headCommit === undefined
      ? readManifestTreeFromDirectory(workingTree, options.directory, headName)
      : readManifestTreeAtCommit(repository, headCommit, distPath, headName),
    changedFiles(repository, baseCommit, headCommit, REVIEW_CODE_PATHS),
  ]);
  return diffManifestTrees(base, head, {
    baseName,
    headName,
    distPath,
    reviewCodeChanges,
    recentlyMounted: removesConfigMapFiles(base, head) ? await recentlyMounted(new SourceHistory(repository, distPath), baseCommit) : [],
  });
}

/** The source ConfigMap versions pods mounted at the last {@link RECENT_COMMITS} commits to dist/ up to `base`. */
async function recentlyMounted(history: SourceHistory, base: string): Promise<RecentlyMountedVersion[]> {
  const mounted: RecentlyMountedVersion[] = [];
  for (const commit of await history.commits(base, RECENT_COMMITS))
    mounted.push(...currentVersions(await history.versionsAt(commit)).map((version) => ({ version, commit })));
  return mounted;
}
