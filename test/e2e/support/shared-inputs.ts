import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The reference data beside the repository that only the end-to-end suite reads; `E2E_SHARED_DIR` names another folder. */
export function sharedDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.E2E_SHARED_DIR || join(process.cwd(), '..', 'shared'));
}

/** The upstream CRDs the drill installs: Argo CD's for the dry-run, Argo Rollouts' for the workload. */
export const CRD_FILES = {
  argocd: ['crds/argo-cd-v3.3.7-application-crd.yaml', 'crds/argo-cd-v3.3.7-appproject-crd.yaml'],
  rollouts: [
    'crds/argo-rollouts-v1.9.0-rollout-crd.yaml',
    'crds/argo-rollouts-v1.9.0-analysis-template-crd.yaml',
    'crds/argo-rollouts-v1.9.0-cluster-analysis-template-crd.yaml',
    // The controller waits for informers on these two as well; the chart the platform installs carries them.
    'charts/argo-rollouts-2.40.9/templates/crds/analysis-run-crd.yaml',
    'charts/argo-rollouts-2.40.9/templates/crds/experiment-crd.yaml',
  ],
} as const;

/** The shared inputs are not there: one line saying which files, and where they were looked for. */
export class MissingSharedInputError extends Error {
  constructor(missing: readonly string[], dir: string) {
    const what = existsSync(dir) ? `${missing.join(', ')} missing from ${dir}` : `${dir} does not exist`;
    super(
      `e2e: ${what}: the suite needs the Argo CD v3.3.7 and Argo Rollouts v1.9.0 CRDs (crds/) and the argo-rollouts 2.40.9 chart (charts/) ` +
        'in ../shared beside the repository, or in the folder E2E_SHARED_DIR names',
    );
    this.name = 'MissingSharedInputError';
  }
}

/**
 * The CRDs as YAML, read from `dir`. The chart's CRD templates lose their template directives
 * (the `{{- if .Values.installCRDs }}` wrapper and optional annotations), which is what the chart
 * renders with its defaults minus the keep annotation.
 */
export function readCrds(dir: string = sharedDir()): { argocd: string[]; rollouts: string[] } {
  const all = [...CRD_FILES.argocd, ...CRD_FILES.rollouts];
  const missing = all.filter((file) => !existsSync(join(dir, file)));
  if (missing.length > 0) throw new MissingSharedInputError(missing, dir);
  const read = (file: string) => withoutTemplateDirectives(readFileSync(join(dir, file), 'utf8'));
  return { argocd: CRD_FILES.argocd.map(read), rollouts: CRD_FILES.rollouts.map(read) };
}

/** Drops the lines that hold only a Helm template directive; other text is left as it is. */
export function withoutTemplateDirectives(yaml: string): string {
  return yaml
    .split('\n')
    .filter((line) => !/^\s*\{\{-?[^}]*\}\}\s*$/.test(line))
    .join('\n');
}

/** The KWOK release whose stages the fake Node and pods play. */
export const KWOK_MODULE = 'sigs.k8s.io/kwok@v0.8.0';

/** The stages `kwokctl` gives a cluster by default, read from the KWOK module in Go's module cache. */
export function kwokStages(go = 'go'): string {
  const info = JSON.parse(execFileSync(go, ['mod', 'download', '-json', KWOK_MODULE], { encoding: 'utf8' }));
  const stages = ['node/fast/node-initialize.yaml', 'pod/fast/pod-ready.yaml', 'pod/fast/pod-complete.yaml', 'pod/fast/pod-delete.yaml'];
  return stages.map((stage) => readFileSync(join(info.Dir, 'kustomize', 'stage', stage), 'utf8').trim()).join('\n---\n') + '\n';
}
