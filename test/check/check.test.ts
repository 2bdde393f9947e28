import { appendFileSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { checkFixture } from '../support/fixture-project.js';
import type { CommandResult } from '../support/run-command.js';
import { ProjectCopy } from './project-copy.js';
import { parseYamlObject } from '../support/yaml.js';

/** `npm run check` in a copy of the project, never in the project itself. */
describe('npm run check', () => {
  /** Synthesized once; each test checks a clone of it. */
  let synthesized: ProjectCopy;
  let project: ProjectCopy;
  const check = () => checkFixture(project.root);
  const file = (path: string) => join(project.root, path);

  beforeAll(async () => {
    synthesized = ProjectCopy.fixture();
    await synthesized.synth();
  });
  afterAll(() => synthesized?.cleanup());

  describe('on a clone of its own', () => {
    beforeEach(() => (project = synthesized.clone()));
    afterEach(() => project.cleanup());

    test('fails on a stale dist/ with the object-level diff and the fix, and passes after synth', async () => {
      appendFileSync(file('overlays/gcp.yaml'), '    release: faster-cycles\n');
      const stale = await check();
      expect(stale.status).toBe(1);
      expect(stale.stdout).toContain(
        '✗ fresh synth: stale: 1 file differs from a fresh synth. Fix: run `npm run synth` and commit the result',
      );
      expect(stale.stdout).toContain('    dist/gcp/mandelbrot/rollout-mandelbrot.yaml: differs from the generated file (line ');
      expect(stale.stdout).toContain('    Manifest changes in dist/: committed dist/ → fresh synth');
      expect(stale.stdout).toContain('        ~ Rollout mandelbrot/mandelbrot  gcp/mandelbrot/rollout-mandelbrot.yaml');
      expect(stale.stdout).toContain('MANDELBROT_RELEASE].value: "continuous" → "faster-cycles"');
      expect(stale.stdout.trimEnd().split('\n').at(-1)).toBe('npm run check: failed (1 of 5 checks)');

      await project.synth();
      const fixed = await check();
      expect(fixed.status).toBe(0);
      expect(fixed.stdout).toContain('npm run check: passed');
    });

    test('fails if a committed file is edited by hand, even when only its formatting changes', async () => {
      const path = 'dist/aws/argocd/appproject-trinity.yaml';
      writeFileSync(file(path), stringify(parseYamlObject(readFileSync(file(path), 'utf8')), { indent: 4 }));
      const result = await check();
      expect(result.status).toBe(1);
      expect(result.stdout).toContain(`    ${path}: differs from the generated file (line `);
      // Same objects: no object-level diff to show, only the file.
      expect(result.stdout).not.toContain('Manifest changes in dist/');
    });

    test('fails with a clear message if synth itself fails', async () => {
      appendFileSync(file('overlays/aws.yaml'), '    replicas: 1\n');
      const result = await check();
      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(
        /^✗ fresh synth: synth fails, so dist\/ cannot be compared\n {4}npm run synth failed \(exit 1\):\n {4}error: overlays\/aws.yaml: field "workloads.mandelbrot.replicas"/,
      );
    });

    test('fails if repository.distPath is not the folder synth writes', async () => {
      writeFileSync(file('platform.yaml'), readFileSync(file('platform.yaml'), 'utf8').replace(/distPath: dist$/m, 'distPath: deploy'));
      const result = await check();
      expect(result.status).toBe(1);
      expect(result.stdout).toContain(
        '    error: platform.yaml: field "repository.distPath": "deploy" is not the folder synth writes (dist); expected dist',
      );
    });
  });

  // One broken clone, one check: the kind, schema and directory-source checks each report their own problems.
  describe('on a dist/ with an unexpected kind, broken schemas, jsonnet, a skip marker, an outside symlink and a copy', () => {
    let broken: ProjectCopy;
    let result: CommandResult;
    beforeAll(async () => {
      broken = synthesized.clone();
      const file = (path: string) => join(broken.root, path);
      const ingress = {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'mandelbrot', namespace: 'mandelbrot' },
        spec: {},
      };
      writeFileSync(file('dist/aws/mandelbrot/ingress-mandelbrot.yaml'), stringify(ingress));

      const rolloutPath = 'dist/azure/mandelbrot/rollout-mandelbrot.yaml';
      const rollout = parseYamlObject(readFileSync(file(rolloutPath), 'utf8'));
      rollout.spec.template.spec.containers[0].imagePullPolicy = 'Always';
      rollout.spec.template.spec.containers[0].imagePulPolicy = 'Always';
      rollout.spec.replicas = 'two';
      writeFileSync(file(rolloutPath), stringify(rollout));

      writeFileSync(file('dist/aws/mandelbrot/extra.jsonnet'), '{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }\n');
      symlinkSync('../../../../etc/hostname', file('dist/aws/mandelbrot/outside.yaml'));
      const service = readFileSync(file('dist/gcp/mandelbrot/service-mandelbrot.yaml'), 'utf8');
      // Without its namespace: Argo CD puts it in its Application's destination namespace, the same one.
      writeFileSync(file('dist/gcp/mandelbrot/service-copy.yaml'), service.replace(/^ {2}namespace: mandelbrot\n/m, ''));
      writeFileSync(
        file('dist/azure/mandelbrot/service-mandelbrot.yaml'),
        `# +argocd:skip-file-rendering\n${readFileSync(file('dist/azure/mandelbrot/service-mandelbrot.yaml'), 'utf8')}`,
      );
      result = await checkFixture(broken.root);
    });
    afterAll(() => broken?.cleanup());

    test('exits 1, every part failing on stdout (synth refuses a dist/ with jsonnet in it)', () => {
      expect(result.stderr).toBe('');
      expect(result.status).toBe(1);
      expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('npm run check: failed (4 of 5 checks)');
    });

    test('fails if dist/ holds an unexpected kind, naming its file', () => {
      expect(result.stdout).toContain('✗ kind allow-list: 1 object has a kind not on the allow-list');
      expect(result.stdout).toContain(
        '    dist/aws/mandelbrot/ingress-mandelbrot.yaml: Ingress mandelbrot (apiVersion networking.k8s.io/v1) is a networking.k8s.io/Ingress, which is not a kind this program emits; allowed: Namespace,',
      );
    });

    test('fails if a committed object breaks its schema, naming the file and field', () => {
      const path = 'dist/azure/mandelbrot/rollout-mandelbrot.yaml';
      // The two of the Rollout, and the Ingress, which has no schema.
      expect(result.stdout).toContain('✗ schemas: 3 schema problems');
      expect(result.stdout).toContain(`    ${path}: Rollout mandelbrot: spec.replicas: must be integer`);
      expect(result.stdout).toContain(`    ${path}: Rollout mandelbrot: spec.template.spec.containers[0].imagePulPolicy: unknown field`);
    });

    test('fails if dist/ holds jsonnet, a skipped file, a symlink out of the repository or an object twice, naming each', () => {
      expect(result.stdout).toContain('✗ directory source: 4 files Argo CD would read differently from what synth writes');
      expect(result.stdout).toContain(
        '    dist/aws/mandelbrot/extra.jsonnet: jsonnet, which Argo CD renders but this program neither writes nor reviews',
      );
      expect(result.stdout).toContain(
        '    dist/aws/mandelbrot/outside.yaml: a symlink to ../../../../etc/hostname, outside the repository: Argo CD refuses the whole repository',
      );
      expect(result.stdout).toContain(
        '    dist/azure/mandelbrot/service-mandelbrot.yaml: holds +argocd:skip-file-rendering, so Argo CD skips the whole file',
      );
      expect(result.stdout).toContain(
        '    dist/gcp/mandelbrot/service-copy.yaml, dist/gcp/mandelbrot/service-mandelbrot.yaml: Service mandelbrot is defined 2 times; Argo CD applies only the last copy it reads',
      );
    });
  });
});
