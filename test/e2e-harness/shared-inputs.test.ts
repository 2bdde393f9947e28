import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { CRD_FILES, MissingSharedInputError, readCrds, sharedDir, withoutTemplateDirectives } from '../e2e/support/shared-inputs.js';

describe('withoutTemplateDirectives', () => {
  test("drops the chart's directive lines and keeps the CRD", () => {
    const template = `{{- if .Values.installCRDs }}
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  annotations:
    controller-gen.kubebuilder.io/version: v0.19.0
    {{- if .Values.keepCRDs }}
    "helm.sh/resource-policy": keep
    {{- end }}
  name: experiments.argoproj.io
{{- end }}
`;
    expect(parse(withoutTemplateDirectives(template))).toEqual({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {
        annotations: { 'controller-gen.kubebuilder.io/version': 'v0.19.0', 'helm.sh/resource-policy': 'keep' },
        name: 'experiments.argoproj.io',
      },
    });
  });
});

describe('readCrds', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'trinity-shared-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const lay = (files: readonly string[]) => {
    for (const file of files) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), `kind: CustomResourceDefinition\nmetadata:\n  name: ${file}\n`);
    }
  };

  test('reads the Argo CD and Argo Rollouts CRDs in their order', () => {
    lay([...CRD_FILES.argocd, ...CRD_FILES.rollouts]);
    const crds = readCrds(dir);
    expect(crds.argocd.map((text) => parse(text).metadata.name)).toEqual(CRD_FILES.argocd);
    expect(crds.rollouts.map((text) => parse(text).metadata.name)).toEqual(CRD_FILES.rollouts);
  });

  test('fails if a CRD is missing, in one line naming the files and the folder', () => {
    lay(CRD_FILES.argocd);
    let error: Error | undefined;
    try {
      readCrds(dir);
    } catch (caught) {
      error = caught as Error;
    }
    expect(error).toBeInstanceOf(MissingSharedInputError);
    expect(error!.message).not.toContain('\n');
    expect(error!.message).toContain(`${CRD_FILES.rollouts.join(', ')} missing from ${dir}`);
    expect(error!.message).not.toContain(CRD_FILES.argocd[0]);
  });

  test('fails if the shared folder is absent, saying which folder', () => {
    expect(() => readCrds(join(dir, 'nowhere'))).toThrow(`e2e: ${join(dir, 'nowhere')} does not exist: the suite needs`);
  });

  test('E2E_SHARED_DIR names another folder; the default is ../shared beside the project', () => {
    expect(sharedDir({ E2E_SHARED_DIR: dir })).toBe(dir);
    expect(sharedDir({})).toBe(join(dirname(process.cwd()), 'shared'));
  });
});
