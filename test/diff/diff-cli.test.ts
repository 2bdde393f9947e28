import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { ProjectCopy } from '../check/project-copy.js';
import { PROJECT_ROOT } from '../support/synth-process.js';
import { diffIn } from './synthesized-repo.js';
import { parseYamlObject } from '../support/yaml.js';

/**
 * `npm run diff` as reviewers run it: in a copy of the project whose dist/ is committed in a real
 * git repository, one branch per case, compared with `main`. The diff runs in process.
 */
describe('npm run diff on a copy of the project with real commits', () => {
  let project: ProjectCopy;
  const path = (file: string) => join(project.root, file);
  const git = (...args: string[]) => {
    const result = spawnSync('git', args, { cwd: project.root, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  const write = (file: string, content: string | Buffer) => {
    mkdirSync(dirname(path(file)), { recursive: true });
    writeFileSync(path(file), content);
  };
  const edit = (file: string, change: (object: any) => void) => {
    const object = parseYamlObject(readFileSync(path(file), 'utf8'));
    change(object);
    writeFileSync(path(file), stringify(object));
  };
  /** A branch off main with `change` committed. */
  const branch = (name: string, change: () => void) => {
    git('checkout', '-q', '-f', 'main');
    git('clean', '-fdq', 'dist');
    git('checkout', '-q', '-b', name);
    change();
    git('add', '-A');
    git('commit', '-q', '-m', name);
  };
  const diff = (...args: string[]) => diffIn(project.root, ['--base', 'main', '--head', 'HEAD', ...args]);

  beforeAll(async () => {
    project = ProjectCopy.fixture();
    await project.synth();
    git('init', '-q', '-b', 'main');
    git('config', 'user.name', 'Trinity Tests');
    git('config', 'user.email', 'tests@example.com');
    git('config', 'commit.gpgsign', 'false');
    git('add', '-A');
    git('commit', '-q', '-m', 'the project as committed');
  });

  afterAll(() => {
    project?.cleanup();
  });

  test('1. reads dist/ as Argo CD does: jsonnet named, a skipped file pruned, List items unpacked, classified and masked in every format', async () => {
    branch('argo-cd-reading', () => {
      write('dist/aws/mandelbrot/extra.jsonnet', '{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "from-jsonnet" } }\n');
      write(
        'dist/gcp/mandelbrot/service-mandelbrot.yaml',
        `# +argocd:skip-file-rendering\n${readFileSync(path('dist/gcp/mandelbrot/service-mandelbrot.yaml'), 'utf8')}`,
      );
      const secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'api', namespace: 'mandelbrot' },
        data: { password: 'czNjcjN0LWluLWRhdGE=' },
        stringData: { token: 'plain-token-value' },
      };
      write('dist/azure/mandelbrot/list.yaml', stringify({ apiVersion: 'v1', kind: 'List', items: [secret] }));
    });
    const text = await diff('--exit-code');
    expect(text.stderr).toBe('');
    expect(text.status).toBe(1);
    expect(text.stdout).toContain(
      '!! aws: aws/mandelbrot/extra.jsonnet: dist/aws/mandelbrot/extra.jsonnet is jsonnet: Argo CD renders it and deploys the result',
    );
    expect(text.stdout).toContain(
      '!! gcp: gcp/mandelbrot/service-mandelbrot.yaml: dist/gcp/mandelbrot/service-mandelbrot.yaml now carries the +argocd:skip-file-rendering marker',
    );
    expect(text.stdout).toContain(
      '    - Service mandelbrot/mandelbrot  gcp/mandelbrot/service-mandelbrot.yaml\n        » Argo CD prunes it: Application trinity-mandelbrot-gcp syncs with automated prune',
    );
    expect(text.stdout).toContain(
      '    + Secret mandelbrot/api  azure/mandelbrot/list.yaml\n        !! the sync of trinity-mandelbrot-azure fails: kind Secret is not permitted in project trinity',
    );
    const markdown = await diff('--format', 'markdown');
    const json = await diff('--format', 'json');
    for (const output of [text.stdout, markdown.stdout, json.stdout]) {
      expect(output).toContain('(masked)');
      expect(output).not.toContain('plain-token-value');
      expect(output).not.toContain('czNjcjN0LWluLWRhdGE=');
    }
    expect(JSON.parse(json.stdout).files.map((file: any) => file.code)).toEqual(['jsonnet', 'skip-file-rendering']);
  });

  test('2. judges every object against the AppProject that governs it, and project moves and narrowings as permission changes', async () => {
    branch('project-awareness', () => {
      const subjects = [{ kind: 'ServiceAccount', name: 'default', namespace: 'mandelbrot' }];
      write(
        'dist/aws/mandelbrot/clusterrolebinding-admin.yaml',
        stringify({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: 'admin' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
          subjects,
        }),
      );
      write(
        'dist/aws/mandelbrot/webhook.yaml',
        stringify({
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'MutatingWebhookConfiguration',
          metadata: { name: 'hook' },
          webhooks: [],
        }),
      );
      edit('dist/aws/argocd/appproject-trinity.yaml', (project) => {
        project.spec.roles = [{ name: 'deployer', groups: ['team-a'] }];
        project.spec.destinationServiceAccounts = [
          { server: 'https://kubernetes.default.svc', namespace: 'mandelbrot', defaultServiceAccount: 'deployer' },
        ];
      });
      edit('dist/gcp/argocd/application-trinity-mandelbrot-gcp.yaml', (application) => (application.spec.project = 'default'));
      edit('dist/azure/argocd/appproject-trinity.yaml', (project) => {
        project.spec.clusterResourceWhitelist = project.spec.clusterResourceWhitelist.filter(
          (entry: any) => entry.kind !== 'ClusterRoleBinding',
        );
      });
    });
    const result = await diff('--format', 'json');
    expect(result.stderr).toBe('');
    const objects = JSON.parse(result.stdout).clusters.flatMap((cluster: any) => cluster.groups.flatMap((group: any) => group.objects));
    const meanings = (cluster: string, kind: string) =>
      objects.find((object: any) => object.cluster === cluster && object.kind === kind).meanings;
    expect(meanings('aws', 'ClusterRoleBinding')).toContainEqual({
      code: 'broad-binding',
      severity: 'danger',
      message: 'ClusterRoleBinding admin binds ClusterRole cluster-admin: its subjects get full control of the cluster',
    });
    expect(meanings('aws', 'MutatingWebhookConfiguration')).toContainEqual({
      code: 'sync-refused',
      severity: 'danger',
      message:
        'the sync of trinity-mandelbrot-aws fails: kind admissionregistration.k8s.io/MutatingWebhookConfiguration is not permitted in project trinity',
    });
    expect(meanings('aws', 'AppProject')).toContainEqual({
      code: 'permissions-widened',
      severity: 'danger',
      message:
        'permissions widened: roles + role deployer: group team-a; destinationServiceAccounts + namespace mandelbrot on https://kubernetes.default.svc as deployer',
    });
    expect(meanings('gcp', 'Application')).toContainEqual(
      expect.objectContaining({
        code: 'permissions-widened',
        severity: 'danger',
        message: expect.stringMatching(
          /^moves from project trinity to default .*: permissions widened: sourceRepos \+ \*; destinations \+ namespace \* on \*;/,
        ),
      }),
    );
    expect(meanings('azure', 'AppProject')).toContainEqual({
      code: 'sync-refused',
      severity: 'danger',
      message:
        'the sync of trinity-rollouts-azure will fail: kind rbac.authorization.k8s.io/ClusterRoleBinding is not permitted in project trinity',
    });
  });

  test('3. a removed cluster: the root stays with a ComparisonError, nothing is pruned, and the safe procedure is named', async () => {
    branch('remove-azure', () => {
      rmSync(path('dist/azure'), { recursive: true });
      rmSync(path('dist/bootstrap/application-trinity-dev-azure-root.yaml'));
    });
    const result = await diff();
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(
      '!! azure: Application argocd/trinity-dev-azure-root: nothing deletes the live Application trinity-dev-azure-root: it is applied by hand. ' +
        'Its source path dist/azure/argocd no longer exists, so Argo CD reports a ComparisonError for it and stops syncing: nothing is pruned',
    );
    expect(result.stdout).toContain(
      'Deleting it with plain kubectl delete orphans Application trinity-mandelbrot-azure, Application trinity-rollouts-azure, AppProject trinity: it has no resources finalizer.',
    );
    expect(result.stdout).toContain('Remove the cluster as docs/operating.md says under "Removing a cluster"');
    expect(result.stdout).not.toContain('Argo CD deletes the Application');
    expect(result.stdout).toMatch(
      /- Rollout mandelbrot\/mandelbrot .*\n {8}! Application trinity-mandelbrot-azure leaves Git but stays in the cluster: .*nothing deletes this object, it keeps running/,
    );
    // The section the message names exists.
    expect(readFileSync(join(PROJECT_ROOT, 'docs', 'operating.md'), 'utf8')).toMatch(/^## Removing a cluster$/m);
  });

  test('4. Markdown for 40 new clusters and a hostile file name: under 60,000 characters, table and cut note kept, nothing hidden', async () => {
    // Every file of aws, and a root Application, for each new cluster: more than 60,000 characters of details.
    const clusters = 40;
    const perCluster = ['argocd', 'mandelbrot'].reduce((sum, folder) => sum + readdirSync(path(`dist/aws/${folder}`)).length, 1);
    branch('many-clusters', () => {
      const root = readFileSync(path('dist/bootstrap/application-trinity-dev-aws-root.yaml'), 'utf8');
      for (let index = 0; index < clusters; index++) {
        const cluster = `new-${String(index).padStart(3, '0')}`;
        for (const folder of ['argocd', 'mandelbrot']) {
          for (const file of readdirSync(path(`dist/aws/${folder}`))) {
            write(
              `dist/${cluster}/${folder}/${file}`,
              readFileSync(path(`dist/aws/${folder}/${file}`), 'utf8')
                .replaceAll('-aws', `-${cluster}`)
                .replaceAll('dist/aws/', `dist/${cluster}/`),
            );
          }
        }
        write(
          `dist/bootstrap/application-trinity-dev-${cluster}-root.yaml`,
          root.replaceAll('-aws-', `-${cluster}-`).replaceAll('dist/aws/', `dist/${cluster}/`),
        );
      }
      write(
        'dist/aws/mandelbrot/x\n\n<!-- hidden.yaml',
        stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'odd', namespace: 'mandelbrot' } }),
      );
    });
    const result = await diff('--format', 'markdown');
    expect(result.stderr).toBe('');
    expect(result.stdout.length).toBeLessThan(60000);
    expect(result.stdout).toContain('| Cluster | Added | Changed | Removed | Canaries started | Permission changes | Dangers |');
    expect(result.stdout).toContain(`| **all** | ${clusters * perCluster + 1} | 0 | 0 | 0 | 🚨 widened (${clusters}) | ${clusters} |`);
    expect(result.stdout).toMatch(/\*\*What was cut\*\* to keep this comment short enough for GitHub: the details of \d+ objects/);
    expect(result.stdout.split('\n').filter((line) => line.startsWith('<!--'))).toEqual([]);
  });

  test('5. fails if a file is binary or an alias bomb: exit 2 with one line naming the file and the ref, never a stack trace', async () => {
    branch('binary', () => write('dist/aws/mandelbrot/blob.yaml', Buffer.from([0x00, 0xff, 0xfe, 0x10, 0x80, 0x0a])));
    const commit = git('rev-parse', '--short=7', 'HEAD').trim();
    const binary = await diff();
    expect(binary.status).toBe(2);
    expect(binary.stdout).toBe('');
    expect(binary.stderr).toBe(
      `error: dist/aws/mandelbrot/blob.yaml at HEAD (${commit}): not a text file (binary, or not UTF-8); Argo CD cannot read it either\n`,
    );

    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...['b', 'c', 'd', 'e'].map((key, index) => `${key}: &${key} [${Array(9).fill(`*${'abcd'[index]}`).join(',')}]`),
    ];
    branch('alias-bomb', () =>
      write(
        'dist/aws/mandelbrot/bomb.yaml',
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n${bomb.map((line) => `  ${line}`).join('\n')}\n`,
      ),
    );
    const exploded = await diff();
    expect(exploded.status).toBe(2);
    expect(exploded.stderr).toMatch(
      /^error: dist\/aws\/mandelbrot\/bomb\.yaml at HEAD \([0-9a-f]{7}\): aliases repeat nodes more than 100 times, which would exhaust memory \(an alias bomb\); expected plain values\n$/,
    );
  });

  test('5. flags a ConfigMap over 1 MiB, an object defined twice, a symlink out of the repository, and says only "rejected" for an immutable edit', async () => {
    const source = readdirSync(path('dist/aws/mandelbrot')).find((file) => file.startsWith('configmap-mandelbrot-source-'))!;
    branch('admission', () => {
      const big = Object.fromEntries(Array.from({ length: 20000 }, (_, index) => [`key-${index}`, `value ${index} `.padEnd(60, '.')]));
      // JSON is YAML, and much quicker to write than 20,000 keys through a YAML serializer.
      write(
        'dist/aws/mandelbrot/configmap-big.yaml',
        JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big', namespace: 'mandelbrot' }, data: big }),
      );
      write('dist/gcp/mandelbrot/service-copy.yaml', readFileSync(path('dist/gcp/mandelbrot/service-mandelbrot.yaml'), 'utf8'));
      symlinkSync('../../../../outside.yaml', path('dist/azure/mandelbrot/outside.yaml'));
      edit(`dist/aws/mandelbrot/${source}`, (configMap) => (configMap.data['server.js'] += '// edited\n'));
    });
    const result = await diff('--format', 'json', '--exit-code');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(1);
    const model = JSON.parse(result.stdout);
    const objects = model.clusters.flatMap((cluster: any) => cluster.groups.flatMap((group: any) => group.objects));
    const find = (name: string, file?: string) => objects.find((object: any) => object.name === name && (!file || object.file === file));
    expect(find('big').meanings).toContainEqual(
      expect.objectContaining({
        code: 'too-large',
        severity: 'danger',
        message: expect.stringMatching(/^ConfigMap big holds \d+ bytes of data, over the API server's 1 MiB limit/),
      }),
    );
    expect(find('mandelbrot', 'gcp/mandelbrot/service-copy.yaml').meanings).toContainEqual(
      expect.objectContaining({ code: 'duplicate', severity: 'danger' }),
    );
    expect(model.files).toEqual([
      expect.objectContaining({ code: 'out-of-bounds-symlink', severity: 'danger', file: 'azure/mandelbrot/outside.yaml' }),
    ]);
    expect(find(source.replace(/^configmap-|\.yaml$/g, '')).meanings.map((meaning: any) => meaning.code)).toEqual(['immutable-changed']);
  });
});
