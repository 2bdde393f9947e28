import { spawnSync } from 'node:child_process';
import { stringify } from 'yaml';
import { entryPointCommand } from '../../lib/util/entry-point.js';
import { plainEnv } from '../support/run-command.js';
import { makeTempDir, PROJECT_ROOT } from '../support/synth-process.js';
import type { TempGitRepo } from './git-repo.js';
import { diffIn, SynthesizedRepos } from './synthesized-repo.js';
import { objectsOf } from './trees.js';
import { parseYamlObject } from '../support/yaml.js';

// `npm run diff` run in process on real repositories: formats, exit codes and errors. A process
// only where the process itself is the subject: a terminal's colour, and an error's exit.
let repos: SynthesizedRepos;
beforeAll(async () => (repos = await SynthesizedRepos.create()));
afterAll(() => repos?.cleanup());

describe('npm run diff renders', () => {
  test('an AppProject widening is flagged prominently in every format', async () => {
    const repo = repos.repo();
    const project = parseYamlObject(repo.read('dist/gcp/argocd/appproject-trinity.yaml'));
    project.spec.sourceRepos.push('https://example.com/untrusted.git');
    project.spec.destinations.push({ server: 'https://kubernetes.default.svc', namespace: 'kube-system' });
    repo.write('dist/gcp/argocd/appproject-trinity.yaml', stringify(project));
    repo.commit('widen the gcp project');

    const widened =
      'permissions widened: sourceRepos + https://example.com/untrusted.git; destinations + namespace kube-system on https://kubernetes.default.svc';
    const text = await diffIn(repo.path, ['--base', 'HEAD~1', '--head', 'HEAD']);
    expect(text.status).toBe(0);
    expect(text.stdout.split('\n')[2]).toBe(`!! gcp: AppProject argocd/trinity: ${widened}`);
    const markdown = (await diffIn(repo.path, ['--base', 'HEAD~1', '--head', 'HEAD', '--format', 'markdown'])).stdout;
    expect(markdown).toContain('> [!CAUTION]');
    expect(markdown).toContain('| `gcp` | 0 | 1 | 0 | 0 | 🚨 widened (1) |');
    const json = JSON.parse((await diffIn(repo.path, ['--base', 'HEAD~1', '--head', 'HEAD', '--format', 'json'])).stdout);
    expect(objectsOf(json)[0]?.meanings).toEqual([{ code: 'permissions-widened', severity: 'danger', message: widened }]);
  });

  test('Secret values are masked in every format', async () => {
    const repo = repos.repo();
    const secret = (password: string, extra: Record<string, string> = {}) =>
      stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db', namespace: 'mandelbrot' },
        type: 'Opaque',
        data: { password, ...extra },
      });
    repo.write('dist/aws/mandelbrot/secret-db.yaml', secret('b2xkLXBhc3N3b3Jk'));
    repo.commit('add a Secret');
    repo.write('dist/aws/mandelbrot/secret-db.yaml', secret('bmV3LXBhc3N3b3Jk', { user: 'YWRtaW4tdXNlcg==' }));
    repo.write('dist/gcp/mandelbrot/secret-db.yaml', secret('Z2NwLXBhc3N3b3Jk'));
    repo.commit('change the Secret, add another');

    for (const format of ['text', 'markdown', 'json']) {
      const { stdout, status } = await diffIn(repo.path, ['--base', 'HEAD~1', '--head', 'HEAD', '--format', format]);
      expect(status).toBe(0);
      for (const value of ['b2xkLXBhc3N3b3Jk', 'bmV3LXBhc3N3b3Jk', 'YWRtaW4tdXNlcg==', 'Z2NwLXBhc3N3b3Jk'])
        expect(stdout).not.toContain(value);
      expect(stdout).toContain('(masked)');
      expect(stdout).toContain('data.user');
    }
  });

  test('Markdown is cut below 60,000 characters by whole objects, saying what was cut', async () => {
    const repo = repos.repo();
    for (let index = 0; index < 250; index++) {
      const data = Object.fromEntries(Array.from({ length: 10 }, (_, key) => [`key-${key}`, `value ${index}.${key}`]));
      repo.write(
        `dist/aws/mandelbrot/configmap-bulk-${index}.yaml`,
        stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `bulk-${index}`, namespace: 'mandelbrot' }, data }),
      );
    }
    repo.commit('add many ConfigMaps');

    const { stdout, status } = await diffIn(repo.path, ['--base', 'HEAD~1', '--head', 'HEAD', '--format', 'markdown']);
    expect(status).toBe(0);
    expect(stdout.length).toBeLessThan(60000);
    const shown = (stdout.match(/^\*\*➕ added\*\* `ConfigMap mandelbrot\/bulk-\d+`/gm) ?? []).length;
    expect(stdout).toContain(`**What was cut** to keep this comment short enough for GitHub: the details of ${250 - shown} objects.`);
    expect(stdout).toContain('| `aws` | 250 | 0 | 0 | 0 | — | 0 |');
  });
});

describe('npm run diff', () => {
  let repo: TempGitRepo;
  beforeAll(() => {
    repo = repos.repo();
    const rollout = parseYamlObject(repo.read('dist/aws/mandelbrot/rollout-mandelbrot.yaml'));
    rollout.spec.replicas = 3;
    repo.write('dist/aws/mandelbrot/rollout-mandelbrot.yaml', stringify(rollout));
    repo.commit('three replicas in aws');
  });

  test('--exit-code exits 1 when anything changed, 0 when nothing did; without it, 0', async () => {
    expect((await diffIn(repo.path, ['--base', 'HEAD~1', '--head', 'HEAD', '--exit-code'])).status).toBe(1);
    expect((await diffIn(repo.path, ['--base', 'HEAD~1', '--head', 'HEAD'])).status).toBe(0);
    expect((await diffIn(repo.path, ['--base', 'HEAD', '--exit-code'])).status).toBe(0);
  });

  test('text is plain when not on a terminal or when NO_COLOR is set, coloured on a terminal', async () => {
    const plain = await diffIn(repo.path, ['--base', 'HEAD~1']);
    expect(plain.stdout).toContain('~ Rollout mandelbrot/mandelbrot');
    expect(plain.stdout).not.toContain('\x1b[');
    expect((await diffIn(repo.path, ['--base', 'HEAD~1'], { NO_COLOR: '1', FORCE_COLOR: '1' })).stdout).not.toContain('\x1b[');
    expect((await diffIn(repo.path, ['--base', 'HEAD~1'], { FORCE_COLOR: '1' })).stdout).toContain(
      '\x1b[33m~ Rollout mandelbrot/mandelbrot',
    );
  });

  test('as a process: coloured on a terminal, and exit 2 with one line and no stack trace for an unknown ref', () => {
    const diff = entryPointCommand(PROJECT_ROOT, 'bin/diff.ts', ['--base', 'HEAD~1']);
    // `script` gives the command a pseudo-terminal.
    const onTerminal = spawnSync('script', ['-qec', [diff.command, ...diff.args].join(' '), '/dev/null'], {
      cwd: repo.path,
      encoding: 'utf8',
      env: { ...plainEnv(), TERM: 'xterm' },
    });
    expect(onTerminal.stdout).toContain('\x1b[33m~ Rollout mandelbrot/mandelbrot');

    const unknownRef = entryPointCommand(PROJECT_ROOT, 'bin/diff.ts', ['--base', 'no-such-branch']);
    const unknown = spawnSync(unknownRef.command, unknownRef.args, { cwd: repo.path, encoding: 'utf8', env: plainEnv() });
    expect(unknown.status).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toBe('error: unknown git ref "no-such-branch": no branch, tag or commit by that name in this repository\n');
  });

  test('fails at once with exit 2 for an unknown ref, naming it', async () => {
    const result = await diffIn(repo.path, ['--base', 'no-such-branch']);
    expect(result).toMatchObject({ status: 2, stdout: '' });
    expect(result.stderr).toBe('error: unknown git ref "no-such-branch": no branch, tag or commit by that name in this repository\n');
  });

  test('fails with exit 2 for an unknown format, listing the formats', async () => {
    const result = await diffIn(repo.path, ['--base', 'HEAD', '--format', 'xml']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      "error: option '--format <format>' argument 'xml' is invalid. Allowed choices are text, markdown, json.",
    );
  });

  test('fails with exit 2 without --base', async () => {
    const result = await diffIn(repo.path, []);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("error: required option '--base <ref>' not specified");
  });

  test('fails with exit 2 and one line if --dist is a file, not a folder', async () => {
    const result = await diffIn(repo.path, ['--base', 'HEAD', '--dist', 'dist/bootstrap/application-trinity-dev-aws-root.yaml']);
    expect(result).toMatchObject({ status: 2, stdout: '' });
    expect(result.stderr).toBe(
      'error: --dist dist/bootstrap/application-trinity-dev-aws-root.yaml: not a folder; expected the folder of manifests, such as dist\n',
    );
  });

  test('fails with exit 2 outside a git repository', async () => {
    const outside = makeTempDir('not-a-repo');
    try {
      const result = await diffIn(outside.path, ['--base', 'HEAD']);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(
        /^error: .* is not inside a git repository \(fatal: not a git repository.*\); run the diff from a clone of the project\n$/,
      );
    } finally {
      outside.cleanup();
    }
  });
});
