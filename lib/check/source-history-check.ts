import { GitInputError } from '../core/errors.js';
import { openGitRepository, resolveCommit } from '../diff/git-manifest-tree.js';
import type { ManifestObject } from '../diff/manifest-tree.js';
import { currentVersions, familyOf, SourceHistory, type SourceVersion, sourceVersionOf } from '../diff/source-history.js';
import type { CheckResult } from './check-result.js';

const NAME = 'ConfigMap history';

/** A version's identity in history: its family, name and generation. */
const keyOf = (version: SourceVersion) => `${familyOf(version)}\0${version.name}\0${version.generation}`;

/**
 * Every earlier source ConfigMap version kept in dist/ was, with its generation, the version pods
 * mounted at an earlier commit on HEAD's first-parent line. Synth keeps the highest generations,
 * so a forged version with a high one would evict a real rollback version; this is the only
 * check that sees it, since a fresh synth reads the same forged history.
 *
 * @param objects the committed dist/'s objects
 */
export async function checkSourceHistory(projectRoot: string, distPath: string, objects: readonly ManifestObject[]): Promise<CheckResult> {
  const versions = objects.flatMap((object) => sourceVersionOf(object.file, object.data) ?? []);
  const current = new Set(currentVersions(versions));
  const retained = versions.filter((version) => !current.has(version));
  if (retained.length === 0)
    return { name: NAME, ok: true, summary: `no earlier source ConfigMap versions in ${distPath}/ to verify`, problems: [] };

  let history: SourceHistory;
  let commits: string[];
  try {
    const repository = await openGitRepository(projectRoot);
    history = new SourceHistory(repository, distPath);
    commits = await history.commits(await resolveCommit(repository, 'HEAD'));
  } catch (error) {
    if (!(error instanceof GitInputError)) throw error;
    // Outside a clone (an unpacked archive), or before the first commit, there is nothing to verify
    // against; CI always has a clone.
    return { name: NAME, ok: true, summary: `not verified: ${error.message}`, problems: [] };
  }
  const pending = new Map(retained.map((version) => [keyOf(version), version]));
  for (const commit of commits) {
    if (pending.size === 0) break;
    for (const version of currentVersions(await history.versionsAt(commit))) pending.delete(keyOf(version));
  }
  if (pending.size === 0)
    return {
      name: NAME,
      ok: true,
      summary: `${retained.length} earlier source ConfigMap versions, each mounted by pods at an earlier commit`,
      problems: [],
    };
  const shallow = (await history.isShallow()) ? ' (the clone is shallow: fetch the whole history, e.g. fetch-depth: 0)' : '';
  return {
    name: NAME,
    ok: false,
    summary: `${pending.size} earlier source ConfigMap version${pending.size === 1 ? ' was' : 's were'} never mounted by pods at an earlier commit`,
    problems: [...pending.values()].map(
      (version) =>
        `${distPath}/${version.file}: ConfigMap ${version.name} with generation ${version.generation} was never the version pods mount at an earlier commit of HEAD's first-parent history${shallow}, so no pods need it, and it takes the place of a real rollback version (it is forged, or from a source changed twice between commits): restore ${distPath}/ from the base branch and run npm run synth`,
    ),
  };
}
