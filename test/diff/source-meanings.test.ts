import { codesOf, diffTrees, edited, objectsOf, onlyPath, summaryOf, synthesizedTree } from './trees.js';

// What an Application deploys beyond the folder the diff shows, and what its directory options leave out.
const base = synthesizedTree();
const APP = 'aws/argocd/application-trinity-mandelbrot-aws.yaml';
const CONTROLLER = 'gcp/argocd/application-trinity-rollouts-gcp.yaml';
const configMap = onlyPath(base, 'aws/mandelbrot/configmap-mandelbrot-source-');

const messagesOf = (diff: ReturnType<typeof diffTrees>, code: string) =>
  objectsOf(diff).flatMap((object) => object.meanings.filter((meaning) => meaning.code === code).map((meaning) => meaning.message));

const withSource = (edit: (source: any, spec: any) => void) =>
  diffTrees(
    base,
    edited(base, APP, (application) => edit(application.spec.source, application.spec)),
  );

describe('the sources an Application deploys', () => {
  test('a source path outside dist/, or a .. that escapes it, is a danger: Argo CD deploys files this diff does not show', () => {
    expect(
      messagesOf(
        withSource((source) => (source.path = 'manifests/aws')),
        'unreviewed-source',
      ),
    ).toEqual(['its source path manifests/aws is manifests/aws, outside dist/: Argo CD deploys files this diff does not show']);
    expect(
      messagesOf(
        withSource((source) => (source.path = 'dist/aws/../../evil')),
        'unreviewed-source',
      ),
    ).toEqual(['its source path dist/aws/../../evil is evil, outside dist/: Argo CD deploys files this diff does not show']);
    expect(
      messagesOf(
        withSource((source) => (source.path = '../elsewhere')),
        'unreviewed-source',
      ),
    ).toEqual(['its source path ../elsewhere leaves the repository: Argo CD refuses it (ComparisonError) and stops syncing']);
    // A .. that stays inside dist/ is only another folder of the review.
    expect(
      messagesOf(
        withSource((source) => (source.path = 'dist/gcp/../aws/mandelbrot')),
        'unreviewed-source',
      ),
    ).toEqual([]);
  });

  test('a targetRevision or repoURL other than the reviewed ones is a danger', () => {
    const diff = withSource((source) => {
      source.targetRevision = 'feature-x';
      source.repoURL = 'https://github.com/someone/fork.git';
    });
    expect(codesOf(diff, 'aws', 'Application', 'trinity-mandelbrot-aws')[0]).toBe('unreviewed-source');
    expect(messagesOf(diff, 'unreviewed-source')).toEqual([
      'pulls dist/aws/mandelbrot from https://github.com/someone/fork.git, not the reviewed repository (https://github.com/maxgherman/trinity.git): Argo CD deploys files this diff does not show',
      'pulls dist/aws/mandelbrot at revision feature-x, not the reviewed one (main): Argo CD deploys files this diff does not show',
    ]);
    expect(diff.totals.dangers).toBe(2);
  });

  test('helm, kustomize or plugin on a directory source is a danger', () => {
    const diff = withSource((source) => {
      source.helm = { valuesObject: { replicas: 1 } };
      source.plugin = { name: 'envsubst' };
    });
    expect(messagesOf(diff, 'unreviewed-source')).toEqual([
      'renders dist/aws/mandelbrot with Helm (source.helm) instead of reading its manifests: Argo CD deploys files this diff does not show',
      'renders dist/aws/mandelbrot with a config management plugin (source.plugin) instead of reading its manifests: Argo CD deploys files this diff does not show',
    ]);
    expect(
      messagesOf(
        withSource((source) => (source.kustomize = { namePrefix: 'x-' })),
        'unreviewed-source',
      )[0],
    ).toContain('with Kustomize');
  });

  test('ignoreDifferences is a danger when it is added or changed, not on every later change', () => {
    const ignoring = edited(base, APP, (application) => {
      application.spec.ignoreDifferences = [{ group: 'argoproj.io', kind: 'Rollout', jsonPointers: ['/spec/template'] }];
    });
    expect(messagesOf(diffTrees(base, ignoring), 'unreviewed-source')).toEqual([
      'ignoreDifferences [{"group":"argoproj.io","kind":"Rollout","jsonPointers":["/spec/template"]}]: Argo CD stops comparing those fields, so a change to them in the cluster is neither shown as OutOfSync nor reverted',
    ]);
    const later = edited(ignoring, APP, (application) => (application.spec.syncPolicy.automated.selfHeal = false));
    expect(messagesOf(diffTrees(ignoring, later), 'unreviewed-source')).toEqual([]);
  });

  test('a new Application with a chart no Application installed is a danger', () => {
    const head = edited(base, APP, (application) => {
      application.spec.source = { repoURL: 'https://charts.example.com', chart: 'miner', targetRevision: '1.0.0' };
    });
    expect(messagesOf(diffTrees(base, head), 'unreviewed-source')).toEqual([
      'installs chart miner from https://charts.example.com, which no Application of the reviewed tree installs: Argo CD deploys files this diff does not show',
    ]);
  });
});

describe('directory include, exclude and recurse, as Argo CD v3.3.7 applies them', () => {
  const prunedBy = (diff: ReturnType<typeof diffTrees>) =>
    objectsOf(diff)
      .filter((object) => object.change === 'removed')
      .map((object) => [object.kind, object.meanings.map((meaning) => meaning.message)]);

  test('an object an exclude drops is a removal, pruned by automated prune', () => {
    const diff = withSource((source) => (source.directory = { exclude: '{service,configmap}-*.yaml' }));
    expect(summaryOf(diff).filter((line) => line.startsWith('removed'))).toEqual([
      expect.stringMatching(/^removed ConfigMap mandelbrot-source-/),
      'removed Service mandelbrot @aws',
    ]);
    expect(prunedBy(diff)).toContainEqual([
      'Service',
      ['Argo CD prunes it: Application trinity-mandelbrot-aws syncs with automated prune'],
    ]);
  });

  test('an include that leaves a file out removes its objects; one that matches keeps them', () => {
    const dropped = withSource((source) => (source.directory = { include: 'rollout-*.yaml' }));
    expect(summaryOf(dropped)).toContain('removed Service mandelbrot @aws');
    expect(summaryOf(dropped)).not.toContain('removed Rollout mandelbrot @aws');
    const kept = withSource((source) => (source.directory = { include: '*.{yaml,yml}' }));
    expect(summaryOf(kept).filter((line) => line.startsWith('removed'))).toEqual([]);
  });

  test('recurse reads sub-folders, whose paths the globs see relative to the source', () => {
    const nested = new Map(base).set(
      'aws/mandelbrot/extra/configmap-extra.yaml',
      base.get(configMap)!.replace(/name: mandelbrot-source-\w+/, 'name: extra'),
    );
    const recursing = edited(nested, APP, (application) => (application.spec.source.directory = { recurse: true, exclude: 'extra/*' }));
    expect(summaryOf(diffTrees(base, recursing))).toEqual(['changed Application trinity-mandelbrot-aws @aws']);
    const included = edited(nested, APP, (application) => (application.spec.source.directory = { recurse: true }));
    const diff = diffTrees(base, included);
    expect(summaryOf(diff)).toContain('added ConfigMap extra @aws');
    expect(objectsOf(diff).find((object) => object.name === 'extra')?.applications).toEqual(['trinity-mandelbrot-aws']);
  });
});

describe('the Rollouts controller Helm values', () => {
  test('image, registry or RBAC values changed are a warning each, with the values shown', () => {
    const head = edited(base, CONTROLLER, (application) => {
      const values = application.spec.source.helm.valuesObject;
      values.controller.image = { registry: 'registry.example.net', repository: 'rollouts' };
      values.clusterInstall = false;
      values.controller.replicas = 2;
      application.spec.source.helm.parameters = [{ name: 'providerRBAC.enabled', value: 'true' }];
    });
    const diff = diffTrees(base, head);
    expect(codesOf(diff, 'gcp', 'Application', 'trinity-rollouts-gcp')).toEqual([
      'controller-values-changed',
      'controller-values-changed',
      'controller-values-changed',
      'controller-values-changed',
      'controller-settings-changed',
    ]);
    expect(messagesOf(diff, 'controller-values-changed')).toEqual([
      "Argo Rollouts controller Helm value clusterInstall: (none) → false: it sets the controller's image or its permissions in the cluster",
      'Argo Rollouts controller Helm value controller.image.registry: (none) → "registry.example.net": it sets the controller\'s image or its permissions in the cluster',
      'Argo Rollouts controller Helm value controller.image.repository: (none) → "rollouts": it sets the controller\'s image or its permissions in the cluster',
      'Argo Rollouts controller Helm value providerRBAC.enabled: (none) → "true": it sets the controller\'s image or its permissions in the cluster',
    ]);
    expect(diff.totals.warnings).toBe(4);
  });

  test('values written as a YAML string count the same as valuesObject', () => {
    const head = edited(base, CONTROLLER, (application) => {
      application.spec.source.helm.values = 'controller:\n  image:\n    tag: v9\n';
    });
    expect(messagesOf(diffTrees(base, head), 'controller-values-changed')).toEqual([
      'Argo Rollouts controller Helm value controller.image.tag: (none) → "v9": it sets the controller\'s image or its permissions in the cluster',
    ]);
  });
});
