import { Document, isMap, isScalar, isSeq, Scalar } from 'yaml';
import type { Cloud } from '../config/fields.js';
import { compareStrings } from '../util/stable-order.js';
import { OPERATIONS, SUPPORTED_PLUGIN_VERSION } from '../operator/operations.js';

/** The workflow's file name under `.github/workflows/`. */
export const ROLLOUT_WORKFLOW_FILE = 'mandelbrot-rollout.yml';

/** A cluster the workflow can reach, as its overlay describes it. */
export interface WorkflowCluster {
  /** The cluster's name: a choice of the `cluster` input, and the prefix of its secrets and variables. */
  readonly name: string;
  readonly cloud: Cloud;
  /** Its region (AWS, and the GKE location). */
  readonly region: string;
  /** The kube context the workflow creates for it, which the tool then uses. */
  readonly context: string;
}

export interface RolloutWorkflowProps {
  /** Every cluster; the choices list them by name. */
  readonly clusters: readonly WorkflowCluster[];
  /** The platform environment, shown in the run's name. */
  readonly environment: string;

  /**
   * The workloads that run a Rollout: with more than one, a `workload` input chooses among them.
   *
   * @default - one: the tool's default, and no `workload` input
   */
  readonly rolloutWorkloads?: readonly string[];

  /**
   * The GitHub environment whose reviewers approve every run.
   *
   * @default 'infra-deploy-approval'
   */
  readonly approvalEnvironment?: string;

  /**
   * The kubectl-argo-rollouts plugin release to install, and the sha256 of its linux-amd64
   * binary, which the workflow checks before it runs it.
   *
   * @default - SUPPORTED_PLUGIN_VERSION (v1.9.0) and its checksum from ROLLOUTS_PLUGIN_SHA256
   */
  readonly rolloutsPlugin?: { readonly version: string; readonly sha256: string };

  /**
   * The kubectl release to install.
   *
   * @default 'v1.33.4'
   */
  readonly kubectlVersion?: string;

  /**
   * The Node.js major version that runs the tool.
   *
   * @default '24'
   */
  readonly nodeVersion?: string;
}

/** An action pinned to a commit; the tag it was taken from is written beside it. */
interface PinnedAction {
  readonly repository: string;
  readonly commit: string;
  readonly tag: string;
}

const pin = (repository: string, commit: string, tag: string): PinnedAction => ({ repository, commit, tag });

/** The actions the workflow runs, pinned to commits: a tag can be moved, a commit cannot. */
const PINNED_ACTIONS = {
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

/**
 * sha256 of each reviewed kubectl-argo-rollouts release's `kubectl-argo-rollouts-linux-amd64`:
 * a plugin upgrade starts here.
 */
export const ROLLOUTS_PLUGIN_SHA256: Readonly<Record<string, string>> = {
  'v1.9.0': 'd1c98f59f6d3716b7a35aa540506764700a358448dd6a10e92381b7aa294d00b',
};

type Step = Record<string, unknown>;

/** The name of one of a cluster's GitHub secrets: `<CLUSTER>_<WHAT>`, such as `AWS_ROLE_ARN`. */
function clusterSecretName(cluster: string, what: string): string {
  const prefix = cluster.toUpperCase().replaceAll('-', '_');
  // A secret's name may not start with a digit.
  return `${/^\d/.test(prefix) ? `CLUSTER_${prefix}` : prefix}_${what}`;
}

/**
 * Every secret the workflow reads for `cluster`, for docs/operating.md and tests. Identifiers that are
 * not secret (cluster names, project, resource group) are secrets too: the linter the project
 * runs predates the `vars` context.
 */
export function clusterSecrets(cluster: Pick<WorkflowCluster, 'name' | 'cloud'>): string[] {
  return CLOUD_SECRETS[cluster.cloud].map((what) => clusterSecretName(cluster.name, what));
}

const CLOUD_SECRETS: Record<Cloud, readonly string[]> = {
  aws: ['ROLE_ARN', 'EKS_CLUSTER'],
  gcp: ['WORKLOAD_IDENTITY_PROVIDER', 'SERVICE_ACCOUNT', 'PROJECT_ID', 'GKE_CLUSTER'],
  azure: ['CLIENT_ID', 'TENANT_ID', 'SUBSCRIPTION_ID', 'RESOURCE_GROUP', 'AKS_CLUSTER'],
};

/**
 * `.github/workflows/mandelbrot-rollout.yml`: the approved, manually started path for rollout
 * operations. Its cluster choices, sign-ins and kube contexts follow the overlays, so adding a
 * cluster adds it here at the next synth.
 */
export function renderRolloutWorkflow(props: RolloutWorkflowProps): string {
  const pluginVersion = props.rolloutsPlugin?.version ?? SUPPORTED_PLUGIN_VERSION;
  const pluginSha256 = props.rolloutsPlugin?.sha256 ?? ROLLOUTS_PLUGIN_SHA256[pluginVersion];
  if (!pluginSha256) throw new Error(`no sha256 for kubectl-argo-rollouts ${pluginVersion}: add it to ROLLOUTS_PLUGIN_SHA256`);
  const clusters = [...props.clusters].sort((a, b) => compareStrings(a.name, b.name));
  const clusterNames = clusters.map((cluster) => cluster.name);

  // Everything before the sign-in: the code and its dependencies, without install scripts, and
  // the tools, checked. esbuild needs no install script: npm installs its platform package.
  const commonSteps = (): Step[] => [
    { name: 'Check out', uses: usesOf(PINNED_ACTIONS.checkout), with: { 'persist-credentials': false } },
    {
      name: 'Set up Node.js',
      uses: usesOf(PINNED_ACTIONS.setupNode),
      // No dependency cache in a job that holds cloud credentials.
      with: { 'node-version': props.nodeVersion ?? '24', 'package-manager-cache': false },
    },
    { name: 'Install dependencies, running none of their install scripts', run: 'npm ci --ignore-scripts --no-audit --no-fund' },
    { name: 'Install kubectl', uses: usesOf(PINNED_ACTIONS.setupKubectl), with: { version: props.kubectlVersion ?? 'v1.33.4' } },
    {
      name: `Install the kubectl-argo-rollouts plugin ${pluginVersion}, checked against its sha256`,
      env: { ROLLOUTS_PLUGIN_VERSION: pluginVersion, ROLLOUTS_PLUGIN_SHA256: pluginSha256 },
      run: script(
        'bin="$RUNNER_TEMP/bin"',
        'mkdir -p "$bin"',
        'curl -fsSL -o "$bin/kubectl-argo-rollouts" "https://github.com/argoproj/argo-rollouts/releases/download/${ROLLOUTS_PLUGIN_VERSION}/kubectl-argo-rollouts-linux-amd64"',
        'echo "${ROLLOUTS_PLUGIN_SHA256}  $bin/kubectl-argo-rollouts" | sha256sum --check --strict -',
        'chmod +x "$bin/kubectl-argo-rollouts"',
        'echo "$bin" >> "$GITHUB_PATH"',
        '"$bin/kubectl-argo-rollouts" version',
      ),
    },
  ];

  const jobs: Record<string, unknown> = {
    'default-branch': {
      name: 'Refuse any ref but the default branch',
      'runs-on': 'ubuntu-latest',
      permissions: {},
      steps: [
        {
          name: 'Refuse any ref but the default branch',
          env: { REF: '${{ github.ref }}', DEFAULT_BRANCH: '${{ github.event.repository.default_branch }}' },
          run: script(
            'if [ "$REF" != "refs/heads/$DEFAULT_BRANCH" ]; then',
            '  echo "::error::The Mandelbrot Rollout workflow runs only from the default branch ($DEFAULT_BRANCH), not from $REF: start it again from $DEFAULT_BRANCH."',
            '  exit 1',
            'fi',
          ),
        },
      ],
    },
  };
  const rolloutWorkloads = props.rolloutWorkloads ?? [];
  const chooseWorkload = rolloutWorkloads.length > 1;
  for (const cluster of clusters) {
    jobs[`rollout-${cluster.name}`] = {
      name: `\${{ inputs.operation }} on ${cluster.name}`,
      needs: 'default-branch',
      if: `inputs.cluster == 'all' || inputs.cluster == '${cluster.name}'`,
      'runs-on': 'ubuntu-latest',
      'timeout-minutes': 60,
      environment: props.approvalEnvironment ?? 'infra-deploy-approval',
      // One run at a time per cluster: an `all` run holds every cluster's lock, one job each.
      // A running operation is never cancelled half-way.
      concurrency: { group: `mandelbrot-rollout-${cluster.name}`, 'cancel-in-progress': false },
      steps: [
        ...commonSteps(),
        ...clusterSteps(cluster),
        {
          name: 'Run ${{ inputs.operation }}',
          // Inputs reach the shell as environment variables, never as text pasted into the script.
          env: {
            OPERATION: '${{ inputs.operation }}',
            CLUSTER: cluster.name,
            ...(chooseWorkload ? { WORKLOAD: '${{ inputs.workload }}' } : {}),
            TO_REVISION: '${{ inputs.to_revision }}',
          },
          run: script(
            chooseWorkload ? 'args=("$OPERATION" --cluster "$CLUSTER" --workload "$WORKLOAD")' : 'args=("$OPERATION" --cluster "$CLUSTER")',
            'if [ -n "$TO_REVISION" ]; then args+=(--to-revision "$TO_REVISION"); fi',
            'npm run rollout -- "${args[@]}"',
          ),
        },
      ],
    };
  }

  const workflow = {
    name: 'Mandelbrot Rollout',
    'run-name': `Mandelbrot rollout: \${{ inputs.operation }} on \${{ inputs.cluster }} (${props.environment})`,
    on: {
      workflow_dispatch: {
        inputs: {
          operation: {
            description: 'What to do with the mandelbrot Rollout',
            type: 'choice',
            required: true,
            default: 'status',
            options: [...OPERATIONS],
          },
          cluster: {
            description: 'The cluster to operate on, or all of them',
            type: 'choice',
            required: true,
            default: 'all',
            options: ['all', ...clusterNames],
          },
          ...(chooseWorkload
            ? {
                workload: {
                  description: 'The workload whose Rollout to operate on',
                  type: 'choice',
                  required: true,
                  default: rolloutWorkloads[0],
                  options: [...rolloutWorkloads],
                },
              }
            : {}),
          to_revision: {
            description: 'undo only: the Rollout revision to go back to (empty: the previous one)',
            type: 'string',
            required: false,
            default: '',
          },
        },
      },
    },
    permissions: { contents: 'read', 'id-token': 'write' },
    jobs,
  };

  const document = new Document(workflow);
  document.commentBefore =
    ' Generated by `npm run synth` from overlays/ and platform.yaml: edit those, not this file.\n' +
    ' Runs `npm run rollout` on the chosen clusters after approval (see docs/operating.md, "Operating rollouts").';
  decorate(document, clusters);
  return document.toString({ lineWidth: 0 });
}

/** A multi-line script that stops at the first failing command. */
function script(...lines: string[]): string {
  return ['set -euo pipefail', ...lines].join('\n') + '\n';
}

function usesOf(action: PinnedAction): string {
  return `${action.repository}@${action.commit}`;
}

/** Signs in to the cluster's cloud with GitHub's OIDC token and creates its kube context. */
function clusterSteps(cluster: WorkflowCluster): Step[] {
  const secret = (what: string) => `\${{ secrets.${clusterSecretName(cluster.name, what)} }}`;
  const step = (name: string, body: Step): Step => ({ name: `${cluster.name}: ${name}`, ...body });
  const gkeStepId = `gke-credentials-${cluster.name}`;
  switch (cluster.cloud) {
    case 'aws':
      return [
        step('sign in to AWS', {
          uses: usesOf(PINNED_ACTIONS.awsCredentials),
          with: {
            'role-to-assume': secret('ROLE_ARN'),
            'role-session-name': 'mandelbrot-rollout-${{ github.run_id }}',
            'aws-region': cluster.region,
          },
        }),
        step(`create kube context ${cluster.context}`, {
          env: { EKS_CLUSTER: secret('EKS_CLUSTER'), AWS_REGION: cluster.region, KUBE_CONTEXT: cluster.context },
          run: 'aws eks update-kubeconfig --name "$EKS_CLUSTER" --region "$AWS_REGION" --alias "$KUBE_CONTEXT"',
        }),
      ];
    case 'gcp':
      return [
        step('sign in to Google Cloud', {
          uses: usesOf(PINNED_ACTIONS.googleAuth),
          with: { workload_identity_provider: secret('WORKLOAD_IDENTITY_PROVIDER'), service_account: secret('SERVICE_ACCOUNT') },
        }),
        step('install gcloud with the GKE auth plugin', {
          uses: usesOf(PINNED_ACTIONS.setupGcloud),
          with: { install_components: 'gke-gcloud-auth-plugin' },
        }),
        step(`create kube context ${cluster.context}`, {
          id: gkeStepId,
          uses: usesOf(PINNED_ACTIONS.gkeCredentials),
          with: {
            cluster_name: secret('GKE_CLUSTER'),
            location: cluster.region,
            project_id: secret('PROJECT_ID'),
            context_name: cluster.context,
            // The plugin refreshes its token; the default short-lived token could expire mid-operation.
            use_auth_provider: true,
          },
        }),
        // get-gke-credentials points KUBECONFIG at a file of its own, which would hide every
        // other cluster's context: merge it into the shared kubeconfig and point back there.
        step(`merge kube context ${cluster.context} into ~/.kube/config`, {
          env: { GKE_KUBECONFIG: `\${{ steps.${gkeStepId}.outputs.kubeconfig_path }}` },
          run: script(
            'mkdir -p "$HOME/.kube" && touch "$HOME/.kube/config"',
            'KUBECONFIG="$HOME/.kube/config:$GKE_KUBECONFIG" kubectl config view --flatten > "$RUNNER_TEMP/kubeconfig"',
            'install -m 600 "$RUNNER_TEMP/kubeconfig" "$HOME/.kube/config"',
            'rm -f "$RUNNER_TEMP/kubeconfig" "$GKE_KUBECONFIG"',
            'echo "KUBECONFIG=$HOME/.kube/config" >> "$GITHUB_ENV"',
          ),
        }),
      ];
    case 'azure':
      return [
        step('sign in to Azure', {
          uses: usesOf(PINNED_ACTIONS.azureLogin),
          with: { 'client-id': secret('CLIENT_ID'), 'tenant-id': secret('TENANT_ID'), 'subscription-id': secret('SUBSCRIPTION_ID') },
        }),
        step('install kubelogin', { uses: usesOf(PINNED_ACTIONS.useKubelogin) }),
        step(`create kube context ${cluster.context}`, {
          env: { AKS_RESOURCE_GROUP: secret('RESOURCE_GROUP'), AKS_CLUSTER: secret('AKS_CLUSTER'), KUBE_CONTEXT: cluster.context },
          run: script(
            'az aks get-credentials --resource-group "$AKS_RESOURCE_GROUP" --name "$AKS_CLUSTER" --context "$KUBE_CONTEXT" --overwrite-existing',
            // Entra ID clusters take their token from the az sign-in. Only this context: without
            // --context kubelogin would rewrite every exec-plugin context, the EKS and GKE ones too.
            'kubelogin convert-kubeconfig --login azurecli --context "$KUBE_CONTEXT"',
          ),
        }),
      ];
  }
}

/** Writes what plain objects cannot say: the pinned tags beside the commits, block scripts, one comment per cluster. */
function decorate(document: Document, clusters: readonly WorkflowCluster[]): void {
  const tags = new Map(Object.values(PINNED_ACTIONS).map((action) => [usesOf(action), action.tag]));
  const jobs = document.get('jobs', true);
  if (!isMap(jobs)) throw new Error('the workflow has no jobs');
  for (const job of jobs.items) {
    const steps = isMap(job.value) ? job.value.get('steps', true) : undefined;
    if (!isSeq(steps)) throw new Error('a job of the workflow has no steps');
    const cluster = clusters.find((candidate) => String(isScalar(job.key) ? job.key.value : '') === `rollout-${candidate.name}`);
    if (cluster && isScalar(job.key))
      job.key.commentBefore = ` Cluster ${cluster.name}: ${cluster.cloud} in ${cluster.region}, kube context ${cluster.context}`;
    for (const step of steps.items) {
      if (!isMap(step)) continue;
      const uses = step.get('uses', true);
      if (isScalar(uses)) uses.comment = ` ${tags.get(String(uses.value))}`;
      const run = step.get('run', true);
      if (isScalar(run) && String(run.value).includes('\n')) run.type = Scalar.BLOCK_LITERAL;
    }
  }
}
