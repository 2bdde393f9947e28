import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseYamlObject } from '../support/yaml.js';
import { KNOWN_KINDS } from '../../lib/core/resource-kinds.js';
import { SchemaValidator } from '../../lib/check/schema-validation.js';
import { walkFiles } from '../../lib/util/walk-files.js';
import { sharedFixtureProject } from '../support/fixture-project.js';
import { makeTempDir, PROJECT_ROOT } from '../support/synth-process.js';
import { synthCluster } from '../support/cluster.js';

// The fixture's synthesized manifests: what synth writes, whatever the project's configuration.
const DIST = (await sharedFixtureProject()).dist;
// Built once with a TypeScript program, over a damaged cached index, and kept in the cache folder;
// the tests use the one read back from it.
const cache = makeTempDir('schema-cache');
afterAll(() => cache.cleanup());
const cacheFile = SchemaValidator.fieldIndexFile({ projectRoot: PROJECT_ROOT, cacheDir: cache.path })!;
writeFileSync(cacheFile, '{"types": [');
const built = await SchemaValidator.load({ projectRoot: PROJECT_ROOT, cacheDir: cache.path });
const validator = await SchemaValidator.load({ projectRoot: PROJECT_ROOT, cacheDir: cache.path });

/** Every synthesized manifest: path inside dist/ and parsed object, read once; tests change copies. */
const COMMITTED: readonly [string, any][] = walkFiles(DIST)
  .filter((file) => file.path.endsWith('.yaml'))
  .map((file) => [file.path, parseYamlObject(readFileSync(file.absolutePath, 'utf8'))]);

function committedObjects(): [string, any][] {
  return COMMITTED.map(([path, object]) => [path, structuredClone(object)]);
}

function committed(pathEnd: string): any {
  const found = COMMITTED.find(([path]) => path.endsWith(pathEnd));
  if (!found) throw new Error(`no committed manifest ends with ${pathEnd}`);
  return structuredClone(found[1]);
}

describe('SchemaValidator', () => {
  test('keeps its field index in the cache folder, and finds from it what it finds with a TypeScript program', () => {
    expect(readdirSync(cache.path)).toEqual([basename(cacheFile)]);
    expect(basename(cacheFile)).toMatch(/^schema-field-index-[0-9a-f]{16}\.json$/);
    for (const [path, object] of committedObjects()) {
      object.metadata.unknownMetadata = 1;
      if (object.spec) object.spec.unknownSpec = { deep: [1] };
      const problems = validator.validate(object);
      expect({ path, problems }).toEqual({ path, problems: built.validate(object) });
      expect(problems.map((problem) => problem.path)).toContain('metadata.unknownMetadata');
    }
  });

  test('builds the index anew when the cached one is damaged, and keeps the new one', () => {
    const rollout = committed('aws/mandelbrot/rollout-mandelbrot.yaml');
    rollout.spec.strategy.canary.stesp = [];
    expect(built.validate(rollout)).toEqual([{ path: 'spec.strategy.canary.stesp', message: 'unknown field' }]);
    expect(() => JSON.parse(readFileSync(cacheFile, 'utf8'))).not.toThrow();
  });

  test('validates every kind in KNOWN_KINDS at the API version the registry names', () => {
    for (const known of KNOWN_KINDS) {
      const problems = validator.validate({ apiVersion: known.apiVersion, kind: known.kind, metadata: { name: 'x' }, specs: {} });
      expect(problems).toContainEqual({ path: 'specs', message: 'unknown field' });
    }
  });

  test('fails if an object has an unknown top-level field', () => {
    const rollout = committed('aws/mandelbrot/rollout-mandelbrot.yaml');
    rollout.specs = {};
    expect(validator.validate(rollout)).toEqual([{ path: 'specs', message: 'unknown field' }]);
  });

  test('fails if an object has an unknown field deep inside the pod template', () => {
    const rollout = committed('aws/mandelbrot/rollout-mandelbrot.yaml');
    rollout.spec.template.spec.containers[0].livenessProbe.httpGet.prot = 'http';
    rollout.spec.template.spec.volumes[0].configMap.nmae = 'x';
    expect(validator.validate(rollout)).toEqual([
      { path: 'spec.template.spec.containers[0].livenessProbe.httpGet.prot', message: 'unknown field' },
      { path: 'spec.template.spec.volumes[0].configMap.nmae', message: 'unknown field' },
    ]);
  });

  test('fails if a field of the pod template that the Rollout CRD leaves free is unknown or of the wrong type', () => {
    const rollout = committed('aws/mandelbrot/rollout-mandelbrot.yaml');
    rollout.spec.template.spec.volumes[0].configMap.defaultMode = 'rw';
    rollout.spec.template.spec.containers[0].resources = { limit: { cpu: '1' } };
    expect(validator.validate(rollout)).toEqual([
      { path: 'spec.template.spec.containers[0].resources.limit', message: 'unknown field' },
      { path: 'spec.template.spec.volumes[0].configMap.defaultMode', message: 'must be integer' },
    ]);
  });

  test('fails if a canary step or an Application field is unknown', () => {
    const rollout = committed('aws/mandelbrot/rollout-mandelbrot.yaml');
    rollout.spec.strategy.canary.steps[1].pause.duraton = '1m';
    expect(validator.validate(rollout)).toEqual([{ path: 'spec.strategy.canary.steps[1].pause.duraton', message: 'unknown field' }]);
    const application = committed('aws/argocd/application-trinity-mandelbrot-aws.yaml');
    application.spec.syncPolicy.automated.prunee = true;
    expect(validator.validate(application)).toEqual([{ path: 'spec.syncPolicy.automated.prunee', message: 'unknown field' }]);
  });

  test('accepts any key in free-form fields: labels, ConfigMap data, Helm valuesObject', () => {
    const rollout = committed('aws/mandelbrot/rollout-mandelbrot.yaml');
    rollout.metadata.labels['example.com/any-key'] = 'x';
    expect(validator.validate(rollout)).toEqual([]);
    const controller = committed('aws/argocd/application-trinity-rollouts-aws.yaml');
    controller.spec.source.helm.valuesObject.controller.anything = { deep: [1, 2] };
    expect(validator.validate(controller)).toEqual([]);
  });

  test('fails if a field has the wrong type', () => {
    const rollout = committed('aws/mandelbrot/rollout-mandelbrot.yaml');
    rollout.spec.replicas = 'two';
    rollout.spec.template.spec.containers[0].ports[0].containerPort = '8080';
    expect(validator.validate(rollout)).toEqual([
      { path: 'spec.replicas', message: 'must be integer' },
      { path: 'spec.template.spec.containers[0].ports[0].containerPort', message: 'must be integer' },
    ]);
  });

  test('fails if a required field is missing', () => {
    const rollout = committed('aws/mandelbrot/rollout-mandelbrot.yaml');
    delete rollout.spec.template.spec.containers[0].name;
    const project = committed('aws/argocd/appproject-trinity.yaml');
    delete project.spec.clusterResourceWhitelist[0].kind;
    expect(validator.validate(rollout)).toEqual([{ path: 'spec.template.spec.containers[0].name', message: 'missing required field' }]);
    expect(validator.validate(project)).toEqual([{ path: 'spec.clusterResourceWhitelist[0].kind', message: 'missing required field' }]);
  });

  test('fails if there is no schema for the kind', () => {
    const problems = validator.validate({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'x' } });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe('');
    expect(problems[0]?.message).toMatch(/^no schema for apiVersion "networking.k8s.io\/v1" kind "Ingress"/);
  });

  describe('the routing objects of a cluster behind Traefik', () => {
    const trafficRouting = { provider: 'traefik', chart: { repoURL: 'https://traefik.github.io/charts', version: '39.0.7' } } as const;
    const objects = synthCluster({ trafficRouting });
    const routing = [...objects.entries()].filter(([path]) => /\/(traefikservice|ingressroute|service)-/.test(path));

    test("match Traefik's schemas (traefik.io/v1alpha1) and the core Service schema", () => {
      expect(routing.map(([path]) => path)).toContain('aws/mandelbrot/traefikservice-mandelbrot.yaml');
      for (const [, object] of routing) expect(validator.validate(object)).toEqual([]);
    });

    test('fails if a TraefikService or IngressRoute field is misspelt or of the wrong kind', () => {
      const traefikService = structuredClone(objects.get('aws/mandelbrot/traefikservice-mandelbrot.yaml'));
      traefikService.spec.weighted.services[0].prot = 80;
      expect(validator.validate(traefikService)).toEqual([{ path: 'spec.weighted.services[0].prot', message: 'unknown field' }]);
      const ingressRoute = structuredClone(objects.get('aws/mandelbrot/ingressroute-mandelbrot.yaml'));
      ingressRoute.spec.routes[0].kind = 'Rules';
      expect(validator.validate(ingressRoute)).not.toEqual([]);
    });
  });
});
