import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { diffGitRevisions } from '../../lib/diff/git-diff.js';
import { openGitRepository, readManifestTreeAtCommit } from '../../lib/diff/git-manifest-tree.js';
import { renderMarkdown } from '../../lib/diff/render-markdown.js';
import { TempGitRepo } from './git-repo.js';

// A small repository of its own: a root Application, one child, and the child's folder.
const application = (name: string, path: string) =>
  `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ${name}\n  namespace: argocd\nspec:\n  project: default\n  destination: { server: https://kubernetes.default.svc, namespace: app }\n  source: { repoURL: https://example.com/repo.git, targetRevision: main, path: ${path} }\n  syncPolicy: { automated: { prune: true } }\n`;
const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: app\ndata: { a: b }\n`;

let repo: TempGitRepo;
let first: string;
beforeEach(() => {
  repo = TempGitRepo.create('git-tree');
  repo.write('dist/bootstrap/application-root.yaml', application('root', 'dist/aws/argocd'));
  repo.write('dist/aws/argocd/application-app.yaml', application('app', 'dist/aws/app'));
  repo.write('dist/aws/app/configmap-shown.yaml', configMap('shown'));
  repo.write('evil/configmap-hidden.yaml', configMap('hidden'));
  repo.write('lib/diff/rules.ts', 'export const strict = true;\n');
  first = repo.commit('first');
});
afterEach(() => repo.cleanup());

test('a submodule in dist/ is read as one, and is a danger: Argo CD deploys files this diff does not show', async () => {
  repo.git('update-index', '--add', '--cacheinfo', `160000,${first},dist/aws/app/vendor`);
  repo.git('commit', '-q', '-m', 'add a submodule');
  const tree = await readManifestTreeAtCommit(await openGitRepository(repo.path), 'HEAD', 'dist');
  expect(tree.get('aws/app/vendor')).toEqual({ submodule: first });
  const diff = await diffGitRevisions({ directory: repo.path, base: first, head: 'HEAD' });
  expect(diff.files).toEqual([
    {
      code: 'submodule',
      severity: 'danger',
      cluster: 'aws',
      file: 'aws/app/vendor',
      message: `dist/aws/app/vendor is a submodule (commit ${first}): Argo CD deploys files this diff does not show, since it checks the submodule out with the repository and reads its files`,
    },
  ]);
  expect(diff.totals.dangers).toBe(1);
});

test('fails if a symlinked folder on a source path were read as dist/ says: it is a danger naming the Application', async () => {
  repo.remove('dist/aws/app');
  symlinkSync('../../evil', join(repo.path, 'dist/aws/app'));
  repo.commit('point the folder elsewhere');
  const diff = await diffGitRevisions({ directory: repo.path, base: first, head: 'HEAD' });
  expect(diff.files.map((file) => [file.code, file.severity, file.message])).toEqual([
    [
      'linked-source-path',
      'danger',
      'dist/aws/app is a symlink to ../../evil on the source path of Application app (dist/aws/app): Argo CD deploys files this diff does not show',
    ],
  ]);
});

test("changes to the review's own code are named as such, in every format's warnings", async () => {
  repo.write('lib/diff/rules.ts', 'export const strict = false;\n');
  repo.write('.github/workflows/ci.yml', 'on: push\n');
  repo.write('package.json', '{}\n');
  repo.write('lib/other.ts', 'export {};\n');
  repo.commit('loosen the rules');
  const diff = await diffGitRevisions({ directory: repo.path, base: first, head: 'HEAD' });
  expect(diff.files.map((file) => [file.code, file.severity, file.file])).toEqual([
    ['review-code', 'warning', '.github/workflows/ci.yml'],
    ['review-code', 'warning', 'lib/diff/rules.ts'],
    ['review-code', 'warning', 'package.json'],
  ]);
  expect(diff.files[0]?.message).toContain("changes the review's own code");
  const markdown = renderMarkdown(diff);
  expect(markdown).toContain("3 files of the review's own code changed");
  expect(markdown).toContain(
    "> **Warnings to review before approving:**\n> - ⚠️ `.github/workflows/ci.yml`: changes the review's own code",
  );
});
