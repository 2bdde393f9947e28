import { stringify } from 'yaml';
import { codesOf, diffTrees, edited, objectsOf, onlyPath, summaryOf, synthesizedTree, withKeysReversed } from './trees.js';
import { ManifestParseError } from '../../lib/core/errors.js';
import { diffManifestTrees } from '../../lib/diff/manifest-diff.js';
import type { ParseCache } from '../../lib/diff/manifest-tree.js';
import { parseYamlObject } from '../support/yaml.js';

const base = synthesizedTree();
const ROLLOUT = 'aws/mandelbrot/rollout-mandelbrot.yaml';
const PROJECT = 'gcp/argocd/appproject-trinity.yaml';
const sourceConfigMap = onlyPath(base, 'aws/mandelbrot/configmap-mandelbrot-source-');
const sourceName = parseYamlObject(base.get(sourceConfigMap)!).metadata.name;
// The synthesized source ConfigMap is immutable; these cases change one in place.
const mutableBase = edited(base, sourceConfigMap, (configMap) => {
  delete configMap.immutable;
});

const meaningOf = (diff: ReturnType<typeof diffTrees>, code: string) => {
  const meaning = objectsOf(diff)
    .flatMap((object) => object.meanings)
    .find((candidate) => candidate.code === code);
  if (!meaning) throw new Error(`no ${code} meaning in ${JSON.stringify(objectsOf(diff).map((object) => object.meanings))}`);
  return meaning;
};

describe('diffManifestTrees', () => {
  test('the same tree has no changes', () => {
    const diff = diffTrees(base, new Map(base));
    expect(diff.clusters).toEqual([]);
    expect(diff.totals).toMatchObject({ added: 0, changed: 0, removed: 0 });
  });

  test('a pod template change in one cluster starts a canary there only, with the field named by list item names', () => {
    const head = edited(base, ROLLOUT, (rollout) => {
      rollout.spec.template.spec.containers[0].env.find((env: any) => env.name === 'MANDELBROT_RELEASE').value = 'faster-cycles';
    });
    const diff = diffTrees(base, head);
    expect(summaryOf(diff)).toEqual(['changed Rollout mandelbrot @aws']);
    expect(diff.clusters.map((cluster) => cluster.cluster)).toEqual(['aws']);
    expect(diff.clusters[0]!.groups[0]!.applications).toEqual(['trinity-mandelbrot-aws']);
    expect(diff.totals.canaries).toBe(1);
    const [rollout] = objectsOf(diff);
    if (!rollout) throw new Error('expected the changed Rollout');
    expect(rollout.fields).toEqual([
      expect.objectContaining({
        change: 'changed',
        text: 'spec.template.spec.containers[name=mandelbrot].env[name=MANDELBROT_RELEASE].value',
        old: 'continuous',
        new: 'faster-cycles',
      }),
    ]);
    expect(rollout.meanings[0]).toEqual({
      code: 'canary-started',
      severity: 'notice',
      message: 'pod template changed: a new ReplicaSet and a 50% canary (1 of 2 pods) that pauses for an operator to promote or abort',
    });
  });

  test('canary steps and replicas changes are classified, and replicas alone start no canary', () => {
    const head = edited(base, ROLLOUT, (rollout) => {
      rollout.spec.replicas = 4;
      rollout.spec.strategy.canary.steps = [{ setWeight: 25 }, { pause: { duration: '5m' } }, { setWeight: 100 }];
    });
    const diff = diffTrees(base, head);
    expect(codesOf(diff, 'aws', 'Rollout', 'mandelbrot')).toEqual(['canary-steps-changed', 'replicas-changed']);
    expect(meaningOf(diff, 'canary-steps-changed').message).toBe(
      'rollout strategy changed: setWeight 50, pause, setWeight 100 → setWeight 25, pause 5m, setWeight 100',
    );
    expect(meaningOf(diff, 'replicas-changed').message).toBe('replicas 2 → 4: the current ReplicaSet scales, no canary');
    expect(diff.totals.canaries).toBe(0);
  });

  test('a mounted ConfigMap changed in place while the pod template did not warns: running pods change without a canary', () => {
    const head = edited(mutableBase, sourceConfigMap, (configMap) => {
      configMap.data['server.js'] = 'console.log("changed in place");\n';
    });
    const diff = diffTrees(mutableBase, head);
    expect(codesOf(diff, 'aws', 'ConfigMap', sourceName)).toEqual(['config-without-canary']);
    expect(meaningOf(diff, 'config-without-canary')).toEqual({
      code: 'config-without-canary',
      severity: 'warning',
      message:
        'Rollout mandelbrot uses it but its pod template did not change: running pods change without a canary (mounted files update in place; environment variables only on restart)',
    });
    expect(diff.totals).toMatchObject({ canaries: 0, warnings: 1 });
  });

  test('fails if an immutable ConfigMap changes in place: the sync would be rejected', () => {
    const head = edited(base, sourceConfigMap, (configMap) => {
      configMap.data['server.js'] = 'changed';
    });
    const diff = diffTrees(base, head);
    // Only the rejection: nothing changes in place.
    expect(codesOf(diff, 'aws', 'ConfigMap', sourceName)).toEqual(['immutable-changed']);
  });

  test('a ConfigMap changed together with the pod template that mounts it rides the canary', () => {
    let head = edited(mutableBase, sourceConfigMap, (configMap) => {
      configMap.data['server.js'] = 'changed';
    });
    head = edited(head, ROLLOUT, (rollout) => {
      rollout.metadata.labels.touched = 'yes';
      rollout.spec.template.metadata.annotations = { restartedBy: 'config' };
    });
    const diff = diffTrees(mutableBase, head);
    expect(codesOf(diff, 'aws', 'ConfigMap', sourceName)).toEqual(['config-with-canary']);
    expect(codesOf(diff, 'aws', 'Rollout', 'mandelbrot')).toEqual(['canary-started']);
  });

  test('widening an AppProject is a permission change flagged as danger; narrowing is noted', () => {
    const widened = edited(base, PROJECT, (project) => {
      project.spec.sourceRepos.push('https://example.com/other.git');
      project.spec.clusterResourceWhitelist.push({ group: '*', kind: '*' });
    });
    const diff = diffTrees(base, widened);
    expect(summaryOf(diff)).toEqual(['changed AppProject trinity @gcp']);
    expect(meaningOf(diff, 'permissions-widened')).toEqual({
      code: 'permissions-widened',
      severity: 'danger',
      message: 'permissions widened: sourceRepos + https://example.com/other.git; clusterResourceWhitelist + */*',
    });
    expect(diff.clusters[0]!.counts).toMatchObject({ permissionsWidened: 1, permissionsNarrowed: 0 });

    const narrowed = edited(base, PROJECT, (project) => {
      project.spec.destinations = project.spec.destinations.filter((destination: any) => destination.namespace !== 'argo-rollouts');
    });
    const narrowDiff = diffTrees(base, narrowed);
    expect(meaningOf(narrowDiff, 'permissions-narrowed')).toMatchObject({
      severity: 'notice',
      message: 'permissions narrowed: destinations - namespace argo-rollouts on https://kubernetes.default.svc',
    });
    expect(narrowDiff.totals).toMatchObject({ permissionsWidened: 0, permissionsNarrowed: 1 });
  });

  test('a new Application in a project that grants more than trinity widens permissions, and its destination is judged against its project', () => {
    const application = parseYamlObject(base.get('aws/argocd/application-trinity-mandelbrot-aws.yaml')!);
    application.metadata.name = 'sneaky';
    application.spec.project = 'default';
    application.spec.destination.namespace = 'kube-system';
    application.spec.source.path = 'dist/aws/sneaky';
    const inDefault = new Map(base).set('aws/argocd/application-sneaky.yaml', stringify(application));
    const diff = diffTrees(base, inDefault);
    expect(codesOf(diff, 'aws', 'Application', 'sneaky')).toEqual(['permissions-widened']);
    expect(meaningOf(diff, 'permissions-widened').message).toMatch(
      /^new Application sneaky is in project default \(Argo CD's built-in default: every repository, destination and kind\), which grants more than trinity: permissions widened: sourceRepos \+ \*; destinations \+ namespace \* on \*; .*clusterResourceWhitelist \+ \*\/\*/,
    );
    expect(diff.totals.dangers).toBe(1);

    application.spec.project = 'trinity';
    const inTrinity = new Map(base).set('aws/argocd/application-sneaky.yaml', stringify(application));
    const refused = diffTrees(base, inTrinity);
    expect(codesOf(refused, 'aws', 'Application', 'sneaky')).toEqual(['sync-refused']);
    expect(meaningOf(refused, 'sync-refused').message).toBe(
      'the sync of sneaky fails: destination namespace kube-system on https://kubernetes.default.svc is not permitted in project trinity',
    );
  });

  test('an Application moved between two projects that both grant more than trinity still widens permissions', () => {
    const wide = (name: string) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name, namespace: 'argocd' },
      spec: { sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }], clusterResourceWhitelist: [{ group: '*', kind: '*' }] },
    });
    const withProjects = new Map(base)
      .set('aws/argocd/appproject-wide-a.yaml', stringify(wide('wide-a')))
      .set('aws/argocd/appproject-wide-b.yaml', stringify(wide('wide-b')));
    const APPLICATION = 'aws/argocd/application-trinity-mandelbrot-aws.yaml';
    const before = edited(withProjects, APPLICATION, (application) => (application.spec.project = 'wide-a'));
    const after = edited(withProjects, APPLICATION, (application) => (application.spec.project = 'wide-b'));
    const diff = diffTrees(before, after);
    expect(codesOf(diff, 'aws', 'Application', 'trinity-mandelbrot-aws')).toContain('permissions-widened');
    expect(meaningOf(diff, 'permissions-widened').message).toMatch(
      /^Application trinity-mandelbrot-aws is in project wide-b, which grants more than trinity: permissions widened: sourceRepos \+ \*/,
    );
  });

  test('dropping namespaceResourceWhitelist widens to every namespaced kind', () => {
    const head = edited(base, PROJECT, (project) => {
      delete project.spec.namespaceResourceWhitelist;
    });
    expect(meaningOf(diffTrees(base, head), 'permissions-widened').message).toBe(
      'permissions widened: namespaceResourceWhitelist removed: every namespaced kind is allowed',
    );
  });

  test('a Rollouts controller chart version change is classified with both versions', () => {
    const head = edited(base, 'azure/argocd/application-trinity-rollouts-azure.yaml', (application) => {
      application.spec.source.targetRevision = '2.41.0';
    });
    const meaning = meaningOf(diffTrees(base, head), 'controller-chart-changed');
    expect(meaning.message).toBe(
      'Argo Rollouts controller chart argo-rollouts 2.40.9 → 2.41.0: Argo CD upgrades the controller (and its CRDs) in cluster azure',
    );
  });

  test('Rollouts controller Helm values and Application sources are classified', () => {
    let head = edited(base, 'gcp/argocd/application-trinity-rollouts-gcp.yaml', (application) => {
      application.spec.source.helm.valuesObject.controller.replicas = 2;
    });
    head = edited(head, 'gcp/argocd/application-trinity-mandelbrot-gcp.yaml', (application) => {
      application.spec.source.targetRevision = 'release-2';
    });
    const diff = diffTrees(base, head);
    expect(codesOf(diff, 'gcp', 'Application', 'trinity-rollouts-gcp')).toEqual(['controller-settings-changed']);
    expect(meaningOf(diff, 'application-source-changed').message).toBe(
      'Application trinity-mandelbrot-gcp now syncs dist/gcp/mandelbrot from https://github.com/maxgherman/trinity.git at release-2 into namespace mandelbrot on https://kubernetes.default.svc (project trinity)',
    );
  });

  test('root and child Application sync settings changes are classified', () => {
    let head = edited(base, 'bootstrap/application-trinity-dev-aws-root.yaml', (application) => {
      application.spec.syncPolicy.automated.prune = false;
    });
    head = edited(head, 'aws/argocd/application-trinity-mandelbrot-aws.yaml', (application) => {
      application.spec.syncPolicy.syncOptions.push('ServerSideApply=true');
      application.metadata.annotations['argocd.argoproj.io/sync-wave'] = '1';
    });
    const diff = diffTrees(base, head);
    expect(codesOf(diff, 'aws', 'Application', 'trinity-dev-aws-root')).toEqual(['sync-settings-changed', 'applied-by-hand']);
    expect(meaningOf(diff, 'sync-settings-changed').message).toBe(
      'sync settings of root Application trinity-dev-aws-root changed: automated prune on → off',
    );
    const child = objectsOf(diff).find((object) => object.name === 'trinity-mandelbrot-aws')!;
    expect(child.meanings.map((meaning) => meaning.message)).toEqual([
      'sync settings of Application trinity-mandelbrot-aws changed: + syncOption ServerSideApply=true; sync-wave 0 → 1',
    ]);
  });

  test('sync settings written in another key order are no sync change', () => {
    const head = edited(base, 'aws/argocd/application-trinity-mandelbrot-aws.yaml', (application) => {
      application.spec.syncPolicy = withKeysReversed(application.spec.syncPolicy);
      application.spec.syncPolicy.syncOptions.push('ServerSideApply=true');
    });
    expect(meaningOf(diffTrees(base, head), 'sync-settings-changed').message).toBe(
      'sync settings of Application trinity-mandelbrot-aws changed: + syncOption ServerSideApply=true',
    );
  });

  test('groups by the Application whose source path owns the folder, read from the tree rather than names', () => {
    // Rename the workload folder and point the Application at it: ownership follows spec.source.path.
    const renamed = new Map<string, string>();
    for (const [path, text] of base) renamed.set(path.replace(/^aws\/mandelbrot\//, 'aws/workload/'), text);
    const moved = edited(renamed, 'aws/argocd/application-trinity-mandelbrot-aws.yaml', (application) => {
      application.spec.source.path = 'dist/aws/workload';
    });
    const head = edited(moved, 'aws/workload/rollout-mandelbrot.yaml', (rollout) => {
      rollout.spec.replicas = 3;
    });
    const diff = diffTrees(base, head);
    const groups = diff.clusters[0]!.groups.map((group) => [
      group.applications,
      group.objects.map((object) => `${object.kind} ${object.name}`),
    ]);
    expect(groups).toEqual([
      [['trinity-dev-aws-root'], ['Application trinity-mandelbrot-aws']],
      [['trinity-mandelbrot-aws'], ['Rollout mandelbrot']],
    ]);
    expect(objectsOf(diff).find((object) => object.kind === 'Rollout')).toMatchObject({
      file: 'aws/workload/rollout-mandelbrot.yaml',
      previousFile: 'aws/mandelbrot/rollout-mandelbrot.yaml',
    });
  });

  test('unchanged objects whose folder changes hands are reported, even though their files did not change', () => {
    const head = edited(base, 'aws/argocd/application-trinity-mandelbrot-aws.yaml', (application) => {
      application.spec.source.path = 'dist/aws/elsewhere';
    });
    const diff = diffTrees(base, head);
    expect(summaryOf(diff).sort()).toEqual([
      'changed Application trinity-mandelbrot-aws @aws',
      `changed ConfigMap ${sourceName} @aws`,
      'changed Rollout mandelbrot @aws',
      'changed Service mandelbrot @aws',
    ]);
    expect(codesOf(diff, 'aws', 'Service', 'mandelbrot')).toEqual(['owner-changed', 'applied-by-hand']);
  });

  test('a manifest written as JSON counts, as Argo CD reads .json files beside .yaml and .yml', () => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra', namespace: 'mandelbrot' }, data: { mode: 'json' } };
    const head = new Map(base)
      .set('aws/mandelbrot/configmap-extra.json', JSON.stringify(configMap, null, 2))
      .set('aws/mandelbrot/README.md', '# notes\n');
    expect(summaryOf(diffTrees(base, head))).toEqual(['added ConfigMap extra @aws']);
  });

  test('an object no Application syncs is grouped as applied by hand', () => {
    const head = new Map(base).set(
      'aws/extra/configmap-notes.yaml',
      stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'notes', namespace: 'mandelbrot' } }),
    );
    const diff = diffTrees(base, head);
    expect(diff.clusters[0]!.groups[0]).toMatchObject({ applications: [] });
    expect(codesOf(diff, 'aws', 'ConfigMap', 'notes')).toEqual(['applied-by-hand']);
  });

  test('a removed object is pruned by the Application that still syncs its folder', () => {
    const head = new Map(base);
    head.delete('aws/mandelbrot/service-mandelbrot.yaml');
    const diff = diffTrees(base, head);
    expect(summaryOf(diff)).toEqual(['removed Service mandelbrot @aws']);
    expect(objectsOf(diff)[0]!.meanings).toEqual([
      { code: 'prune', severity: 'notice', message: 'Argo CD prunes it: Application trinity-mandelbrot-aws syncs with automated prune' },
    ]);
  });

  test('moving objects between files, reordering keys and reformatting are no change', () => {
    const head = new Map<string, string>();
    for (const [path, text] of base)
      head.set(path.replace(/\.yaml$/, '.yml'), stringify(withKeysReversed(parseYamlObject(text)), { indent: 4 }));
    // Two objects of one folder in one file.
    const service = head.get('aws/mandelbrot/service-mandelbrot.yml')!;
    head.delete('aws/mandelbrot/service-mandelbrot.yml');
    head.set('aws/mandelbrot/rollout-mandelbrot.yml', `${head.get('aws/mandelbrot/rollout-mandelbrot.yml')}---\n${service}`);
    expect(diffTrees(base, head).clusters).toEqual([]);
  });

  test('Secret values are masked in field changes and whole objects; the keys stay visible', () => {
    const secret = (values: Record<string, string>) =>
      stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db', namespace: 'mandelbrot' },
        data: values,
        stringData: { token: 'plain-token' },
      });
    const before = new Map(base).set('aws/mandelbrot/secret-db.yaml', secret({ password: 'b2xkLXNlY3JldA==' }));
    const after = new Map(base).set('aws/mandelbrot/secret-db.yaml', secret({ password: 'bmV3LXNlY3JldA==', user: 'YWRtaW4=' }));
    after.set('gcp/mandelbrot/secret-db.yaml', secret({ password: 'Z2NwLXNlY3JldA==' }).replace('plain-token', 'gcp-token'));
    const diff = diffTrees(before, after);
    const json = JSON.stringify(diff);
    for (const value of ['b2xkLXNlY3JldA==', 'bmV3LXNlY3JldA==', 'YWRtaW4=', 'Z2NwLXNlY3JldA==', 'gcp-token'])
      expect(json).not.toContain(value);
    const changed = objectsOf(diff).find((object) => object.cluster === 'aws')!;
    expect(changed.fields).toEqual([
      { change: 'changed', path: ['data', 'password'], text: 'data.password', old: '(masked)', new: '(masked)', masked: true },
      { change: 'added', path: ['data', 'user'], text: 'data.user', new: '(masked)', masked: true },
    ]);
    const added = objectsOf(diff).find((object) => object.cluster === 'gcp')!;
    expect(added.object).toMatchObject({ data: { password: '(masked)' }, stringData: { token: '(masked)' } });
  });

  test('unquoted scalars are read as Argo CD reads them (go-yaml v2): quoting "on" off turns it into true', () => {
    const written = edited(mutableBase, sourceConfigMap, (configMap) => {
      configMap.data.mode = 'on';
      configMap.data.umask = '022';
    });
    const quoted = new Map(written).set(
      sourceConfigMap,
      written
        .get(sourceConfigMap)!
        .replace(/^ {2}mode: .*$/m, '  mode: "on"')
        .replace(/^ {2}umask: .*$/m, '  umask: "022"'),
    );
    const unquoted = new Map(written).set(
      sourceConfigMap,
      written
        .get(sourceConfigMap)!
        .replace(/^ {2}mode: .*$/m, '  mode: on')
        .replace(/^ {2}umask: .*$/m, '  umask: 022'),
    );
    const [configMap] = objectsOf(diffTrees(quoted, unquoted));
    expect(configMap?.fields.map(({ text, old, new: next }) => ({ text, old, next }))).toEqual([
      { text: 'data.mode', old: 'on', next: true },
      { text: 'data.umask', old: '022', next: 18 },
    ]);
  });

  test("an object written without a namespace gets its Application's, so a second copy is a duplicate, and the last copy read counts", () => {
    const service = parseYamlObject(base.get('aws/mandelbrot/service-mandelbrot.yaml')!);
    delete service.metadata.namespace;
    service.spec.ports[0].port = 8443;
    const head = new Map(base).set('aws/mandelbrot/zz-service.yaml', stringify(service));
    const diff = diffTrees(base, head);
    const [changed, ...rest] = objectsOf(diff);
    expect(rest).toEqual([]);
    expect(changed).toMatchObject({ change: 'changed', kind: 'Service', namespace: 'mandelbrot', file: 'aws/mandelbrot/zz-service.yaml' });
    expect(changed!.fields.map((field) => field.text)).toContain('spec.ports[name=http].port');
    expect(changed!.meanings).toContainEqual({
      code: 'duplicate',
      severity: 'danger',
      message:
        'defined 2 times in cluster aws (aws/mandelbrot/service-mandelbrot.yaml, aws/mandelbrot/zz-service.yaml): Argo CD applies only the last copy it reads (aws/mandelbrot/zz-service.yaml) and reports a conflict; keep one',
    });
  });

  test("fails if a workload's selector changes: the field is immutable, so the apply is rejected rather than rolled out", () => {
    const head = edited(base, ROLLOUT, (rollout) => {
      rollout.spec.selector.matchLabels.track = 'v2';
      rollout.spec.template.metadata.labels.track = 'v2';
    });
    expect(codesOf(diffTrees(base, head), 'aws', 'Rollout', 'mandelbrot')).toEqual(['selector-changed']);
    const deployment = (app: string) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'mandelbrot' },
      spec: {
        selector: { matchLabels: { app } },
        template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'web', image: 'nginx:1' }] } },
      },
    });
    const [before, after] = ['web', 'web-2'].map((app) =>
      new Map(base).set('aws/mandelbrot/deployment-web.yaml', stringify(deployment(app))),
    );
    const diff = diffTrees(before!, after!);
    expect(codesOf(diff, 'aws', 'Deployment', 'web')).toEqual(['selector-changed']);
    expect(meaningOf(diff, 'selector-changed')).toEqual({
      code: 'selector-changed',
      severity: 'danger',
      message:
        'spec.selector of Deployment web changed, and it cannot change after creation: the apply is rejected and the sync fails; give the new selector a new Deployment name',
    });
  });

  test('fails if client-side apply would put over 256 KiB into annotations, unless the object syncs server-side', () => {
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'big', namespace: 'mandelbrot' },
      data: { 'page.html': 'x'.repeat(300_000) },
    };
    const lastApplied = (tree: Map<string, string>) =>
      objectsOf(diffTrees(base, tree))
        .flatMap((object) => object.meanings)
        .filter((meaning) => meaning.code === 'too-large')
        .map((meaning) => meaning.message);
    const head = new Map(base).set('aws/mandelbrot/configmap-big.yaml', stringify(configMap));
    expect(lastApplied(head)).toEqual([
      expect.stringMatching(
        /^ConfigMap big would carry 300\d{3} bytes of annotations once client-side apply adds kubectl.kubernetes.io\/last-applied-configuration, over the 262144 bytes Kubernetes accepts: the sync fails; make it smaller, or sync it with ServerSideApply=true$/,
      ),
    ]);
    const serverSide = edited(head, 'aws/argocd/application-trinity-mandelbrot-aws.yaml', (application) =>
      application.spec.syncPolicy.syncOptions.push('ServerSideApply=true'),
    );
    expect(lastApplied(serverSide)).toEqual([]);
    const annotated = new Map(base).set(
      'aws/mandelbrot/configmap-big.yaml',
      stringify({
        ...configMap,
        metadata: { ...configMap.metadata, annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false,ServerSideApply=true' } },
      }),
    );
    expect(lastApplied(annotated)).toEqual([]);
  });

  test('fails if a file is not YAML, naming the file and the tree', () => {
    const head = new Map(base).set('aws/mandelbrot/broken.yaml', 'kind: [unclosed\n');
    expect(() => diffTrees(base, head, { headName: 'working tree' })).toThrow(ManifestParseError);
    expect(() => diffTrees(base, head, { headName: 'working tree' })).toThrow(
      /^dist\/aws\/mandelbrot\/broken.yaml at working tree: not valid YAML at line 2, column 1: [^\n]+$/,
    );
  });

  test('fails if an object has no kind or name', () => {
    const head = new Map(base).set('aws/mandelbrot/nameless.yaml', stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }));
    expect(() => diffTrees(base, head)).toThrow('dist/aws/mandelbrot/nameless.yaml at head: an object has no metadata.name');
  });
});

describe('every kind that runs pods from a template', () => {
  const podSpec = {
    containers: [{ name: 'app', image: 'app:1' }],
    volumes: [{ name: 'settings', configMap: { name: 'settings' } }],
  };
  const workloads: [string, string, object][] = [
    ['apps/v1', 'StatefulSet', { spec: { serviceName: 'app', template: { spec: podSpec } } }],
    ['apps/v1', 'DaemonSet', { spec: { template: { spec: podSpec } } }],
    ['apps/v1', 'ReplicaSet', { spec: { template: { spec: podSpec } } }],
    ['batch/v1', 'Job', { spec: { template: { spec: podSpec } } }],
    ['batch/v1', 'CronJob', { spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: podSpec } } } } }],
  ];
  const tree = (apiVersion: string, kind: string, body: object, settings: string) =>
    new Map([
      [`aws/app/${kind.toLowerCase()}-app.yaml`, stringify({ apiVersion, kind, metadata: { name: 'app', namespace: 'app' }, ...body })],
      [
        'aws/app/configmap-settings.yaml',
        stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'app' }, data: { level: settings } }),
      ],
    ]);

  test.each(workloads)(
    'a mounted ConfigMap changed while the pod template of a %s %s did not warns: its pods change without a rollout',
    (apiVersion, kind, body) => {
      const diff = diffTrees(tree(apiVersion, kind, body, 'info'), tree(apiVersion, kind, body, 'debug'));
      expect(codesOf(diff, 'aws', 'ConfigMap', 'settings')).toContain('config-without-canary');
      expect(meaningOf(diff, 'config-without-canary').message).toMatch(
        new RegExp(`^${kind} app uses it but its pod template did not change`),
      );
    },
  );

  test.each(workloads.filter(([, kind]) => kind === 'StatefulSet' || kind === 'DaemonSet'))(
    "a %s %s's pod template change is a rolling update, without a canary",
    (apiVersion, kind, body) => {
      const before = tree(apiVersion, kind, body, 'info');
      const after = edited(
        before,
        `aws/app/${kind.toLowerCase()}-app.yaml`,
        (object) => (object.spec.template.spec.containers[0].image = 'app:2'),
      );
      expect(codesOf(diffTrees(before, after), 'aws', kind, 'app')).toContain('rolling-update');
    },
  );

  test('diffs that share a parse cache parse each distinct text once, and agree with a diff that parses on its own', () => {
    const parseCache: ParseCache = new Map();
    const head = edited(base, ROLLOUT, (rollout) => (rollout.spec.replicas = 5));
    const first = diffManifestTrees(base, head, { parseCache });
    const documents = [...parseCache.values()];
    const asParsed = structuredClone(documents);
    expect(documents.length).toBeGreaterThan(0);
    expect(diffManifestTrees(base, head, { parseCache })).toEqual(first);
    // The second diff parsed nothing anew, and changed none of the shared documents.
    expect([...parseCache.values()].every((parsed, index) => parsed === documents[index])).toBe(true);
    expect(parseCache.size).toBe(documents.length);
    expect([...parseCache.values()]).toEqual(asParsed);
    expect(diffManifestTrees(base, head)).toEqual(first);
  });
});
