import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { apiGroupOf, KNOWN_KINDS } from '../../lib/argocd/resource-kinds.js';
import { KIND_SCHEMAS, SchemaValidator } from '../../lib/synth/schema-validation.js';
import { PROJECT_ROOT } from '../support/synth-process.js';

const DIST = join(PROJECT_ROOT, 'dist');
const validator = SchemaValidator.load({ projectRoot: PROJECT_ROOT });

/** Every committed manifest: path inside dist/ and parsed object. */
function committedObjects(): [string, any][] {
  return readdirSync(DIST, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.yaml'))
    .sort()
    .map((path) => [path, parse(readFileSync(join(DIST, path), 'utf8'))]);
}

function committed(pathEnd: string): any {
  const found = committedObjects().find(([path]) => path.endsWith(pathEnd));
  if (!found) throw new Error(`no committed manifest ends with ${pathEnd}`);
  return structuredClone(found[1]);
}

describe('SchemaValidator', () => {
  test('has a schema for every kind in KNOWN_KINDS', () => {
    for (const known of KNOWN_KINDS) {
      const schema = KIND_SCHEMAS.find((entry) => entry.kind === known.kind);
      expect(schema).toBeDefined();
      expect(apiGroupOf(schema!.apiVersion)).toBe(known.group);
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
    const [problem] = validator.validate({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'x' } });
    expect(problem?.path).toBe('');
    expect(problem?.message).toMatch(/^no schema for apiVersion "networking.k8s.io\/v1" kind "Ingress"/);
  });
});
