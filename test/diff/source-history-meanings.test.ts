import { diffGitRevisions } from '../../lib/diff/git-diff.js';
import type { ManifestDiff } from '../../lib/diff/diff-model.js';
import { RECENT_COMMITS } from '../../lib/diff/source-history-meanings.js';
import { TempGitRepo } from './git-repo.js';
import { sourceVersionFile, writeSourceVersion } from './source-versions.js';
import { diffTrees, objectsOf } from './trees.js';

/** `name: codes` of each object the diff removes: which warnings each removal carries. */
const removals = (diff: ManifestDiff) =>
  objectsOf(diff)
    .filter((object) => object.change === 'removed')
    .map((object) => `${object.name}: ${object.meanings.map((meaning) => meaning.code).join(', ')}`);

/** A dist/ tree of the given versions, as `[hash, generation]`. */
const treeOf = (...versions: [string, number][]) => new Map(versions.map(([hash, generation]) => sourceVersionFile(hash, generation)));

describe('removed source ConfigMap versions', () => {
  test(`warns when a removed version was mounted at one of the base's last ${RECENT_COMMITS} commits to dist/`, async () => {
    const repo = TempGitRepo.create('source-history-diff');
    try {
      const kept: string[] = [];
      // Five versions, one commit each; synth keeps the newest and three earlier ones.
      for (const [generation, hash] of ['aaaaaaaaaa', 'bbbbbbbbbb', 'cccccccccc', 'dddddddddd', 'eeeeeeeeee'].entries()) {
        writeSourceVersion(repo, hash, generation + 1);
        kept.push(hash);
        if (kept.length > 4) repo.remove(`dist/aws/notes/configmap-notes-source-${kept.shift()}.yaml`);
        repo.commit(`version ${generation + 1}`);
      }
      // The rotation retires aaaaaaaaaa, mounted four commits back: no warning.
      expect(removals(await diffGitRevisions({ directory: repo.path, base: 'HEAD~1', head: 'HEAD' }))).toEqual([
        'notes-source-aaaaaaaaaa: prune',
      ]);
      // Removing by hand one mounted three commits back warns; one mounted four back does not.
      repo.remove('dist/aws/notes/configmap-notes-source-bbbbbbbbbb.yaml');
      repo.remove('dist/aws/notes/configmap-notes-source-cccccccccc.yaml');
      const diff = await diffGitRevisions({ directory: repo.path, base: 'HEAD' });
      expect(removals(diff)).toEqual(['notes-source-bbbbbbbbbb: prune', 'notes-source-cccccccccc: prune, mounted-version-removed']);
      const commit = repo.git('rev-parse', '--short=7', 'HEAD~2').trim();
      expect(objectsOf(diff).find((object) => object.name === 'notes-source-cccccccccc')?.meanings[1]?.message).toBe(
        `pods mounted this version at ${commit}, one of the base's last 3 commits to dist/: stable pods may still mount it, and once Argo CD prunes it an abort or a restarted stable pod cannot start; keep it until the canary that replaced it is promoted`,
      );
    } finally {
      repo.cleanup();
    }
  });

  test('warns once when every earlier version leaves at once, as after rm -rf dist, with or without a new version', () => {
    const base = treeOf(['bbbbbbbbbb', 2], ['cccccccccc', 3], ['dddddddddd', 4], ['eeeeeeeeee', 5]);
    const sameSource = diffTrees(base, treeOf(['eeeeeeeeee', 1]));
    expect(removals(sameSource)).toEqual([
      'notes-source-bbbbbbbbbb: prune',
      'notes-source-cccccccccc: prune',
      'notes-source-dddddddddd: prune, source-history-lost',
    ]);
    expect(objectsOf(sameSource).find((object) => object.name === 'notes-source-dddddddddd')?.meanings[1]?.message).toBe(
      'every earlier version of notes-source in dist/aws/notes/ leaves dist/ (notes-source-bbbbbbbbbb, notes-source-cccccccccc, notes-source-dddddddddd): the ConfigMap history was lost, as after `rm -rf dist` or `cdk8s synth --output dist`, and stable pods may still mount those versions; restore dist/ from the base (git checkout <base> -- dist) and run npm run synth',
    );
    const newSource = diffTrees(base, treeOf(['ffffffffff', 1]));
    expect(removals(newSource).filter((removal) => removal.includes('source-history-lost'))).toEqual([
      'notes-source-eeeeeeeeee: prune, source-history-lost',
    ]);
  });

  test('says nothing for the rotation synth makes, or when the workload leaves with all its versions', () => {
    const base = treeOf(['bbbbbbbbbb', 2], ['cccccccccc', 3], ['dddddddddd', 4], ['eeeeeeeeee', 5]);
    const rotated = diffTrees(base, treeOf(['cccccccccc', 3], ['dddddddddd', 4], ['eeeeeeeeee', 5], ['ffffffffff', 6]));
    expect(removals(rotated)).toEqual(['notes-source-bbbbbbbbbb: prune']);
    const gone = diffTrees(base, new Map(), {
      recentlyMounted: [
        {
          version: {
            file: 'aws/notes/configmap-notes-source-eeeeeeeeee.yaml',
            baseName: 'notes-source',
            name: 'notes-source-eeeeeeeeee',
            generation: 5,
          },
          commit: 'f'.repeat(40),
        },
      ],
    });
    expect(removals(gone)).toHaveLength(4);
    expect(removals(gone).every((removal) => removal.endsWith(': prune'))).toBe(true);
  });
});
