import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { checkSourceHistory } from '../../lib/check/source-history-check.js';
import { readManifestTreeFromDirectory } from '../../lib/diff/git-manifest-tree.js';
import { parseManifestTree } from '../../lib/diff/manifest-tree.js';
import { TempGitRepo } from '../diff/git-repo.js';
import { writeSourceVersion } from '../diff/source-versions.js';
import { makeTempDir } from '../support/synth-process.js';

/** The check's line for a version never mounted with that generation. */
const neverMounted = (hash: string, generation: number) =>
  `dist/aws/notes/configmap-notes-source-${hash}.yaml: ConfigMap notes-source-${hash} with generation ${generation} was never the version pods mount at an earlier commit of HEAD's first-parent history, so no pods need it, and it takes the place of a real rollback version (it is forged, or from a source changed twice between commits): restore dist/ from the base branch and run npm run synth`;

/** The check of the working tree's dist/. */
function check(root: string) {
  const objects = parseManifestTree(readManifestTreeFromDirectory(join(root, 'dist'), root), 'the working tree', new Map(), 'dist/');
  return checkSourceHistory(root, 'dist', objects);
}

describe('checkSourceHistory', () => {
  let repo: TempGitRepo;
  beforeEach(() => {
    repo = TempGitRepo.create('source-history');
    writeSourceVersion(repo, 'aaaaaaaaaa', 1);
    repo.commit('first version');
    writeSourceVersion(repo, 'bbbbbbbbbb', 2);
    repo.commit('second version');
  });
  afterEach(() => repo.cleanup());

  test('passes when every earlier version was the one pods mounted at an earlier commit', async () => {
    writeSourceVersion(repo, 'cccccccccc', 3);
    expect(await check(repo.path)).toEqual({
      name: 'ConfigMap history',
      ok: true,
      summary: '2 earlier source ConfigMap versions, each mounted by pods at an earlier commit',
      problems: [],
    });
  });

  test('fails if an earlier version is forged or its generation raised, naming each file', async () => {
    writeSourceVersion(repo, 'ffffffffff', 5);
    writeSourceVersion(repo, 'aaaaaaaaaa', 4);
    writeSourceVersion(repo, 'cccccccccc', 6);
    const result = await check(repo.path);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([neverMounted('aaaaaaaaaa', 4), neverMounted('ffffffffff', 5)]);
  });

  test('fails if a version was mounted only on a merged branch, not on the first-parent line', async () => {
    repo.git('checkout', '-q', '-b', 'pull-request');
    writeSourceVersion(repo, 'ffffffffff', 3);
    repo.commit('the forged version, mounted once');
    writeSourceVersion(repo, 'cccccccccc', 4);
    repo.commit('a real change keeps it as an earlier version');
    repo.git('checkout', '-q', 'main');
    repo.git('merge', '-q', '--no-ff', '-m', 'merge', 'pull-request');
    const result = await check(repo.path);
    expect(result.problems).toEqual([neverMounted('ffffffffff', 3)]);
  });

  test('says it could not verify anything outside a clone', async () => {
    const plain = makeTempDir('source-history-plain');
    try {
      cpSync(join(repo.path, 'dist'), join(plain.path, 'dist'), { recursive: true });
      const result = await check(plain.path);
      expect(result).toMatchObject({ ok: true, problems: [] });
      expect(result.summary).toMatch(/^not verified: .* is not inside a git repository/);
    } finally {
      plain.cleanup();
    }
  });
});
