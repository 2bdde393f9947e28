import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { App } from 'cdk8s';
import { checkDist } from '../../lib/check/dist-check.js';
import { ClusterDelivery } from '../../lib/cluster-delivery.js';
import { ConfigError } from '../../lib/core/config-error.js';
import { loadProjectConfig } from '../../lib/config/project-config.js';
import { objectsOf } from '../../lib/diff/diff-model.js';
import { diffManifestTrees } from '../../lib/diff/manifest-diff.js';
import { renderManifestTree } from '../../lib/synth/write-manifest-tree.js';
import type { Workload } from '../../lib/workloads/workload.js';
import { notes } from '../fixtures/notes-workload.js';
import { clusterProps } from '../support/cluster.js';
import { projectSchemas } from '../support/project-schemas.js';
import { FIXTURE_WORKLOADS, writeFixtureConfig } from '../support/fixture-project.js';
import { makeTempDir, PROJECT_ROOT, writeFixtureOverlays } from '../support/synth-process.js';
import { parseYamlObject } from '../support/yaml.js';

// The registration: the fixture's workloads plus the test-only workload, without editing lib/.
const workloads = [...FIXTURE_WORKLOADS, notes];
const fixture = makeTempDir('second-workload-fixture');
const fixtureConfig = writeFixtureConfig(fixture.path);
afterAll(() => fixture.cleanup());

/** The fixture's settings, read with `registered`: main.ts's path from config to bound workloads. */
function projectConfig(overlaysDirectory = fixtureConfig.overlaysDirectory, registered: readonly Workload[] = workloads) {
  return loadProjectConfig({
    platformFile: fixtureConfig.platformFile,
    overlaysDirectory,
    display: { platformFile: 'platform.yaml', overlaysDirectory: 'overlays' },
    workloads: registered,
    workloadFiles: new Map([['mandelbrot', { 'server.js': 'console.log("hello");\n' }]]),
  });
}

/** The `aws` cluster's files, as main.ts would write them with `registered` as the workloads. */
function synthAws(registered: readonly Workload[]): Map<string, string> {
  const aws = projectConfig(undefined, registered).clusters.find((cluster) => cluster.name === 'aws')!;
  const app = new App();
  new ClusterDelivery(app, 'aws', clusterProps({ workloads: aws.boundWorkloads }));
  return new Map(renderManifestTree(app).map((file) => [file.path, file.content]));
}

describe('a second workload, registered by one line', () => {
  const before = synthAws(FIXTURE_WORKLOADS);
  const after = synthAws(workloads);
  const object = (path: string) => parseYamlObject(after.get(path)!);

  test('gets its own folder: a Deployment and a Service in its namespace, from cdk8s-plus-28', () => {
    const added = [...after.keys()].filter((path) => !before.has(path)).sort();
    expect(added).toEqual([
      'aws/argocd/application-trinity-notes-aws.yaml',
      'aws/notes/deployment-notes.yaml',
      'aws/notes/service-notes.yaml',
    ]);
    expect(object('aws/notes/deployment-notes.yaml')).toMatchObject({
      kind: 'Deployment',
      metadata: { name: 'notes', namespace: 'notes' },
      spec: { replicas: 1 },
    });
    expect(object('aws/notes/service-notes.yaml')).toMatchObject({ kind: 'Service', spec: { ports: [{ port: 80, targetPort: 8080 }] } });
    // Mandelbrot's files stay byte for byte as they were.
    for (const [path, content] of before) if (!path.startsWith('aws/argocd/appproject')) expect(after.get(path)).toBe(content);
  });

  test('gets its Application trinity-notes-aws, which the root Application syncs', () => {
    const application = object('aws/argocd/application-trinity-notes-aws.yaml');
    expect(application.spec.source.path).toBe('dist/aws/notes');
    expect(application.spec.destination.namespace).toBe('notes');
    expect(application.spec.project).toBe('trinity');
    const root = object('bootstrap/application-trinity-dev-aws-root.yaml');
    expect(root.spec.source.path).toBe('dist/aws/argocd');
  });

  test('gets its share of the AppProject: its namespace and its kinds', () => {
    const project = object('aws/argocd/appproject-trinity.yaml');
    const beforeProject = parseYamlObject(before.get('aws/argocd/appproject-trinity.yaml')!);
    expect(project.spec.destinations.map((destination: { namespace: string }) => destination.namespace)).toEqual([
      'argo-rollouts',
      'mandelbrot',
      'notes',
    ]);
    expect(beforeProject.spec.destinations.map((destination: { namespace: string }) => destination.namespace)).toEqual([
      'argo-rollouts',
      'mandelbrot',
    ]);
    expect(project.spec.namespaceResourceWhitelist).toContainEqual({ group: 'apps', kind: 'Deployment' });
  });

  test("the diff gives its objects to its Application, and finds the project's change", () => {
    const diff = diffManifestTrees(before, after);
    const added = objectsOf(diff).filter((change) => change.change === 'added');
    expect(added.map((change) => [change.kind, change.name, change.applications])).toEqual(
      expect.arrayContaining([
        ['Deployment', 'notes', ['trinity-notes-aws']],
        ['Service', 'notes', ['trinity-notes-aws']],
        ['Application', 'trinity-notes-aws', ['trinity-dev-aws-root']],
      ]),
    );
    const project = objectsOf(diff).find((change) => change.kind === 'AppProject')!;
    expect(project.meanings.map((meaning) => meaning.code)).toContain('permissions-widened');
  });

  test('passes the check: its kinds are known and its objects match their schemas', async () => {
    const temp = makeTempDir('second-workload-check');
    try {
      for (const [path, content] of after) {
        mkdirSync(dirname(join(temp.path, 'dist', path)), { recursive: true });
        writeFileSync(join(temp.path, 'dist', path), content);
      }
      // A synth that leaves dist/ as written: the fresh-synth part compares it with itself.
      mkdirSync(join(temp.path, 'scripts'));
      writeFileSync(join(temp.path, 'scripts/run.cjs'), '');
      writeFileSync(join(temp.path, 'package.json'), '{ "type": "module" }\n');
      symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(temp.path, 'node_modules'));
      const results = await checkDist({ projectRoot: temp.path, env: process.env, schemas: await projectSchemas() });
      expect(results.map((result) => [result.name, result.ok, result.problems])).toEqual([
        ['fresh synth', true, []],
        ['directory source', true, []],
        ['kind allow-list', true, []],
        ['schemas', true, []],
        ['ConfigMap history', true, []],
      ]);
    } finally {
      temp.cleanup();
    }
  });

  test('its settings live under workloads.notes, with defaults when an overlay leaves them out', () => {
    const { clusters } = projectConfig();
    expect(clusters.map((cluster) => cluster.workloads.notes)).toEqual([
      { image: 'nginxinc/nginx-unprivileged:1.27-alpine', replicas: 1 },
      { image: 'nginxinc/nginx-unprivileged:1.27-alpine', replicas: 1 },
      { image: 'nginxinc/nginx-unprivileged:1.27-alpine', replicas: 1 },
    ]);
  });

  test('fails if an overlay names an unknown workload, listing every registered one', () => {
    const temp = makeTempDir('second-workload-config');
    try {
      const overlays = writeFixtureOverlays(temp.path);
      writeFileSync(
        join(overlays, 'aws.yaml'),
        'cloud: aws\nregion: us-east-1\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n  notes:\n    replicas: 0\n  note:\n    replicas: 2\n',
      );
      expect(() => projectConfig(overlays)).toThrow(
        new ConfigError([
          'overlays/aws.yaml: field "workloads.notes.replicas": expected at least 1',
          'overlays/aws.yaml: unknown workload "note" in field "workloads"; expected one of mandelbrot, notes',
        ]),
      );
    } finally {
      temp.cleanup();
    }
  });
});
