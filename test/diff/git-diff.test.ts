import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { diffGitRevisions } from '../../lib/diff/git-diff.js';
import { PROJECT_ROOT } from '../support/synth-process.js';
import { diffIn, SynthesizedRepos } from './synthesized-repo.js';
import { codesOf, documentsOf, objectsOf, summaryOf, withKeysReversed } from './trees.js';
import { parseYamlObject } from '../support/yaml.js';

// What diffGitRevisions finds between two commits of a real repository, synthesized in process.
let repos: SynthesizedRepos;
beforeAll(async () => (repos = await SynthesizedRepos.create()));
afterAll(() => repos?.cleanup());

describe('diff between two commits of a real repository', () => {
  test('a release change in one cluster: a canary in that cluster only', async () => {
    const repo = repos.repo();
    const releaseOverlays = join(repos.scratchPath, 'release-overlays');
    cpSync(repos.overlays, releaseOverlays, { recursive: true });
    writeFileSync(
      join(releaseOverlays, 'aws.yaml'),
      `${readFileSync(join(repos.overlays, 'aws.yaml'), 'utf8')}    release: faster-cycles\n`,
    );
    await repos.synth(repo, '--overlays', releaseOverlays);
    repo.commit('release faster-cycles in aws');

    const diff = await diffGitRevisions({ directory: repo.path, base: 'HEAD~1', head: 'HEAD' });
    expect(summaryOf(diff)).toEqual(['changed Rollout mandelbrot @aws']);
    expect(diff.totals.canaries).toBe(1);
    expect(diff.clusters[0]).toMatchObject({ cluster: 'aws', counts: { canaries: 1 } });
    expect(objectsOf(diff)[0]?.fields.map((field) => [field.text, field.old, field.new])).toEqual([
      ['spec.template.spec.containers[name=mandelbrot].env[name=MANDELBROT_RELEASE].value', 'continuous', 'faster-cycles'],
    ]);
    expect(diff.base).toMatch(/^HEAD~1 \([0-9a-f]{7}\)$/);
  });

  test('a source change: a new content-addressed ConfigMap and a canary in every cluster, no silent pod change', async () => {
    const repo = repos.repo();
    const service = join(repos.scratchPath, 'service');
    cpSync(join(PROJECT_ROOT, 'services/mandelbrot'), service, { recursive: true });
    writeFileSync(join(service, 'server.js'), `${readFileSync(join(service, 'server.js'), 'utf8')}// a source change\n`);
    await repos.synth(repo, '--overlays', repos.overlays, '--files', `mandelbrot=${service}`);
    repo.commit('change the service source');

    const diff = await diffGitRevisions({ directory: repo.path, base: 'HEAD~1', head: 'HEAD' });
    expect(diff.clusters.map((cluster) => cluster.cluster)).toEqual(['aws', 'azure', 'gcp']);
    expect(diff.totals.canaries).toBe(3);
    for (const cluster of diff.clusters) {
      const objects = cluster.groups.flatMap((group) => group.objects);
      const added = objects.filter((object) => object.change === 'added');
      expect(added.map((object) => object.kind)).toEqual(['ConfigMap']);
      const rollout = objects.find((object) => object.kind === 'Rollout')!;
      expect(rollout.meanings.map((meaning) => meaning.code)).toEqual(['canary-started']);
      expect(rollout.fields.map((field) => [field.text, field.new])).toContainEqual([
        'spec.template.spec.volumes[name=source].configMap.name',
        added[0]?.name,
      ]);
      expect(objects.flatMap((object) => object.meanings).map((meaning) => meaning.code)).not.toContain('config-without-canary');
    }
  });

  test('a mounted ConfigMap edited in place: running pods change without a canary, and the immutable object is rejected', async () => {
    const repo = repos.repo();
    const path = repo
      .git('ls-files', 'dist/gcp/mandelbrot')
      .split('\n')
      .find((file) => file.includes('/configmap-mandelbrot-source-'))!;
    const configMap = parseYamlObject(repo.read(path));
    configMap.data['server.js'] += '// edited in place\n';
    repo.write(path, stringify(configMap));
    repo.commit('edit the source ConfigMap in place');

    const diff = await diffGitRevisions({ directory: repo.path, base: 'HEAD~1', head: 'HEAD' });
    expect(summaryOf(diff)).toEqual([`changed ConfigMap ${configMap.metadata.name} @gcp`]);
    expect(codesOf(diff, 'gcp', 'ConfigMap', configMap.metadata.name)).toEqual(['immutable-changed']);
    expect(diff.totals).toMatchObject({ canaries: 0, warnings: 1 });
  });

  test('a removed cluster: every object of it is listed with who prunes it', async () => {
    const repo = repos.repo();
    const twoClusters = join(repos.scratchPath, 'two-clusters');
    cpSync(repos.overlays, twoClusters, { recursive: true });
    rmSync(join(twoClusters, 'azure.yaml'));
    await repos.synth(repo, '--overlays', twoClusters);
    repo.commit('remove the azure cluster');

    const azureFiles = repo
      .git('ls-tree', '-r', '--name-only', 'HEAD~1', 'dist')
      .split('\n')
      .filter((file) => /^dist\/(azure\/|bootstrap\/.*-azure-)/.test(file));
    const diff = await diffGitRevisions({ directory: repo.path, base: 'HEAD~1', head: 'HEAD' });
    expect(diff.clusters.map((cluster) => cluster.cluster)).toEqual(['azure']);
    const removed = objectsOf(diff);
    expect(removed.map((object) => `dist/${object.file}`).sort()).toEqual(azureFiles.sort());
    expect(removed.every((object) => object.change === 'removed' && object.meanings[0]?.code === 'prune')).toBe(true);
    const root = removed.find((object) => object.name === 'trinity-dev-azure-root')!;
    expect(root.meanings[0]).toMatchObject({
      severity: 'danger',
      message: expect.stringMatching(
        /^nothing deletes the live Application trinity-dev-azure-root: it is applied by hand\. Its source path dist\/azure\/argocd no longer exists, so Argo CD reports a ComparisonError for it and stops syncing/,
      ),
    });
    const rollout = removed.find((object) => object.kind === 'Rollout')!;
    expect(rollout.meanings[0]?.message).toBe(
      'Application trinity-mandelbrot-azure leaves Git but stays in the cluster: Application trinity-dev-azure-root, which synced it, stays too and cannot prune it; ' +
        'the source path of trinity-dev-azure-root, dist/azure/argocd, no longer exists, so Argo CD reports a ComparisonError for it and it stops syncing; ' +
        'the source path of trinity-mandelbrot-azure, dist/azure/mandelbrot, no longer exists, so Argo CD reports a ComparisonError for it and it stops syncing; ' +
        'nothing deletes this object, it keeps running',
    );
    const text = (await diffIn(repo.path, ['--base', 'HEAD~1', '--head', 'HEAD'])).stdout;
    expect(text).toContain(`cluster azure: ${azureFiles.length} removed`);
  });

  test('an object moved between files, or two objects merged into one file, is no change', async () => {
    const repo = repos.repo();
    repo.git('mv', 'dist/aws/mandelbrot/service-mandelbrot.yaml', 'dist/aws/mandelbrot/renamed.yaml');
    const rollout = repo.read('dist/gcp/mandelbrot/rollout-mandelbrot.yaml');
    repo.remove('dist/gcp/mandelbrot/rollout-mandelbrot.yaml');
    repo.write('dist/gcp/mandelbrot/service-mandelbrot.yaml', `${repo.read('dist/gcp/mandelbrot/service-mandelbrot.yaml')}---\n${rollout}`);
    repo.commit('move objects between files');
    expect(documentsOf(repo.read('dist/gcp/mandelbrot/service-mandelbrot.yaml')).map((object) => object.kind)).toEqual([
      'Service',
      'Rollout',
    ]);

    const diff = await diffGitRevisions({ directory: repo.path, base: 'HEAD~1', head: 'HEAD' });
    expect(diff.clusters).toEqual([]);
    const result = await diffIn(repo.path, ['--base', 'HEAD~1', '--head', 'HEAD', '--exit-code']);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toContain('No object changed.');
  });

  test('reordered keys and different indentation are no change', async () => {
    const repo = repos.repo();
    for (const file of repo.git('ls-files', 'dist').trim().split('\n'))
      repo.write(file, stringify(withKeysReversed(parseYamlObject(repo.read(file))), { indent: 4 }));
    repo.commit('reorder keys');
    expect(repo.git('diff', '--stat', 'HEAD~1', 'HEAD')).not.toBe('');

    const diff = await diffGitRevisions({ directory: repo.path, base: 'HEAD~1', head: 'HEAD' });
    expect(diff.clusters).toEqual([]);
  });

  test('compares with the working tree when --head is not given', async () => {
    const repo = repos.repo();
    repo.remove('dist/gcp/mandelbrot/service-mandelbrot.yaml');
    const diff = await diffGitRevisions({ directory: repo.path, base: 'HEAD' });
    expect(diff.head).toBe('working tree');
    expect(summaryOf(diff)).toEqual(['removed Service mandelbrot @gcp']);
  });
});
