// What every job of a generated workflow is built from: actions pinned to commits, and scripts.

/** One step of a job, as written to the workflow. */
export type Step = Record<string, unknown>;

/** An action pinned to a commit; the tag it was taken from is written beside it. */
export interface PinnedAction {
  readonly repository: string;
  readonly commit: string;
  readonly tag: string;
}

const pin = (repository: string, commit: string, tag: string): PinnedAction => ({ repository, commit, tag });

/** The actions the workflow runs, pinned to commits: a tag can be moved, a commit cannot. */
export const PINNED_ACTIONS = {
  checkout: pin('actions/checkout', '3d3c42e5aac5ba805825da76410c181273ba90b1', 'v7.0.1'),
  setupNode: pin('actions/setup-node', '820762786026740c76f36085b0efc47a31fe5020', 'v7.0.0'),
  setupKubectl: pin('Azure/setup-kubectl', '829323503d1be3d00ca8346e5391ca0b07a9ab0d', 'v5.1.0'),
  awsCredentials: pin('aws-actions/configure-aws-credentials', 'e6de054238d6b7531b4efff3b6587d9aade6a06c', 'v6.2.3'),
  googleAuth: pin('google-github-actions/auth', '7c6bc770dae815cd3e89ee6cdf493a5fab2cc093', 'v3.0.0'),
  setupGcloud: pin('google-github-actions/setup-gcloud', 'aa5489c8933f4cc7a4f7d45035b3b1440c9c10db', 'v3.0.1'),
  gkeCredentials: pin('google-github-actions/get-gke-credentials', '3da1e46a907576cefaa90c484278bb5b259dd395', 'v3.0.0'),
  azureLogin: pin('Azure/login', 'f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca', 'v3.0.1'),
  useKubelogin: pin('Azure/use-kubelogin', '0ce7c36141aa27d4934872cf00b0120804c98a29', 'v1.3'),
} as const;

/** A multi-line script that stops at the first failing command. */
export function script(...lines: string[]): string {
  return ['set -euo pipefail', ...lines].join('\n') + '\n';
}

export function usesOf(action: PinnedAction): string {
  return `${action.repository}@${action.commit}`;
}
