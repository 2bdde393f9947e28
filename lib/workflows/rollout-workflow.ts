import { Document, isMap, isScalar, isSeq, Scalar } from 'yaml';
import { compareStrings } from '../util/stable-order.js';
import type { RenderMemo } from '../synth/render-memo.js';
import { OPERATIONS, SUPPORTED_PLUGIN_VERSION } from '../operator/operations.js';
import { clusterSteps, type WorkflowCluster } from './cluster-sign-in.js';
import { PINNED_ACTIONS, script, type Step, usesOf } from './workflow-steps.js';

export type { WorkflowCluster } from './cluster-sign-in.js';

/**
 * The workflow's names: after the one workload that runs a Rollout (`mandelbrot-rollout.yml`,
 * "Mandelbrot Rollout"), or plain `rollout` when a `workload` input chooses among several.
 */
function workflowNaming(rolloutWorkloads: readonly string[]): { slug: string; title: string } {
  const [only, ...others] = rolloutWorkloads;
  if (only === undefined || others.length > 0) return { slug: 'rollout', title: 'Rollout' };
  return { slug: `${only}-rollout`, title: `${only.charAt(0).toUpperCase()}${only.slice(1)} Rollout` };
}

/** The workflow's file name under `.github/workflows/`, for the workloads that run a Rollout. */
export function rolloutWorkflowFile(rolloutWorkloads: readonly string[]): string {
  return `${workflowNaming(rolloutWorkloads).slug}.yml`;
}

export interface RolloutWorkflowProps {
  /** Every cluster; the choices list them by name. */
  readonly clusters: readonly WorkflowCluster[];
  /** The platform environment, shown in the run's name. */
  readonly environment: string;

  /**
   * The workloads that run a Rollout, which name the workflow: with more than one, a `workload`
   * input chooses among them.
   */
  readonly rolloutWorkloads: readonly string[];

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
   * platform.yaml's `releaseTrain`: the clusters a release passes through, in order. With one, the
   * workflow gets the `release-train` operation: one job per cluster, each needing the one before,
   * each in that cluster's GitHub environment ({@link trainEnvironment}).
   *
   * @default - no train
   */
  readonly releaseTrain?: readonly string[];

  /**
   * The Node.js major version that runs the tool.
   *
   * @default '24'
   */
  readonly nodeVersion?: string;
}

/**
 * sha256 of each reviewed kubectl-argo-rollouts release's `kubectl-argo-rollouts-linux-amd64`:
 * a plugin upgrade starts here.
 */
export const ROLLOUTS_PLUGIN_SHA256: Readonly<Record<string, string>> = {
  'v1.9.0': 'd1c98f59f6d3716b7a35aa540506764700a358448dd6a10e92381b7aa294d00b',
};

/** The operation that moves a release through the train, offered when there is one. */
export const RELEASE_TRAIN_OPERATION = 'release-train';

/** The GitHub environment of a cluster's train job, whose required reviewers gate the release there. */
export function trainEnvironment(cluster: string): string {
  return `release-${cluster}`;
}

/**
 * `.github/workflows/<workload>-rollout.yml`: the approved, manually started path for rollout
 * operations. Its cluster choices, sign-ins and kube contexts follow the overlays, so adding a
 * cluster adds it here at the next synth.
 */
export function renderRolloutWorkflow(props: RolloutWorkflowProps, options: { readonly memo?: RenderMemo } = {}): string {
  const naming = workflowNaming(props.rolloutWorkloads);
  const pluginVersion = props.rolloutsPlugin?.version ?? SUPPORTED_PLUGIN_VERSION;
  const pluginSha256 = props.rolloutsPlugin?.sha256 ?? ROLLOUTS_PLUGIN_SHA256[pluginVersion];
  if (!pluginSha256) throw new Error(`no sha256 for kubectl-argo-rollouts ${pluginVersion}: add it to ROLLOUTS_PLUGIN_SHA256`);
  const clusters = [...props.clusters].sort((a, b) => compareStrings(a.name, b.name));
  const clusterNames = clusters.map((cluster) => cluster.name);

  // Everything before the sign-in: the code and the dependencies the operator commands run on
  // (no devDependencies: no test browser, linters or CRD schemas), without install scripts, and
  // the tools, checked. esbuild needs no install script: npm installs its platform package.
  const commonSteps = (checkout: Step = { 'persist-credentials': false }): Step[] => [
    { name: 'Check out', uses: usesOf(PINNED_ACTIONS.checkout), with: checkout },
    {
      name: 'Set up Node.js',
      uses: usesOf(PINNED_ACTIONS.setupNode),
      // No dependency cache in a job that holds cloud credentials.
      with: { 'node-version': props.nodeVersion ?? '24', 'package-manager-cache': false },
    },
    {
      name: 'Install the runtime dependencies, running none of their install scripts',
      run: 'npm ci --omit=dev --ignore-scripts --no-audit --no-fund',
    },
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
            `  echo "::error::The ${naming.title} workflow runs only from the default branch ($DEFAULT_BRANCH), not from $REF: start it again from $DEFAULT_BRANCH."`,
            '  exit 1',
            'fi',
          ),
        },
      ],
    },
  };
  const { rolloutWorkloads } = props;
  const chooseWorkload = rolloutWorkloads.length > 1;
  const train = props.releaseTrain;
  for (const cluster of clusters) {
    const chosen = `inputs.cluster == 'all' || inputs.cluster == '${cluster.name}'`;
    jobs[`rollout-${cluster.name}`] = {
      name: `\${{ inputs.operation }} on ${cluster.name}`,
      needs: 'default-branch',
      if: train === undefined ? chosen : `inputs.operation != '${RELEASE_TRAIN_OPERATION}' && (${chosen})`,
      'runs-on': 'ubuntu-latest',
      'timeout-minutes': 60,
      environment: props.approvalEnvironment ?? 'infra-deploy-approval',
      // One run at a time per cluster: an `all` run holds every cluster's lock, one job each.
      // A running operation is never cancelled half-way.
      concurrency: { group: `${naming.slug}-${cluster.name}`, 'cancel-in-progress': false },
      steps: [
        ...commonSteps(),
        ...clusterSteps(cluster, naming.slug),
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

  // The train: each job pins the release on its cluster and waits for it to be Healthy, after the one before.
  let previous = 'default-branch';
  for (const name of train ?? []) {
    const cluster = clusters.find((candidate) => candidate.name === name);
    if (cluster === undefined) throw new Error(`releaseTrain names ${name}, which is not a cluster`);
    jobs[`train-${name}`] = {
      name: `release \${{ inputs.release }} on ${name}`,
      needs: previous,
      if: `inputs.operation == '${RELEASE_TRAIN_OPERATION}'`,
      'runs-on': 'ubuntu-latest',
      'timeout-minutes': 120,
      environment: trainEnvironment(name),
      // The job commits the release and pushes it to the branch Argo CD follows.
      permissions: { contents: 'write', 'id-token': 'write' },
      concurrency: { group: `${naming.slug}-${name}`, 'cancel-in-progress': false },
      steps: [
        // The branch's tip, not the commit the run started at: the job before pushed its own release.
        ...commonSteps({ ref: '${{ github.ref }}', 'persist-credentials': true }),
        ...clusterSteps(cluster, naming.slug),
        {
          name: `Release \${{ inputs.release }} on ${name} and wait until it is Healthy there`,
          env: {
            RELEASE: '${{ inputs.release }}',
            CLUSTER: name,
            ...(chooseWorkload ? { WORKLOAD: '${{ inputs.workload }}' } : {}),
          },
          run: script(
            'git config user.name "github-actions[bot]"',
            'git config user.email "41898283+github-actions[bot]@users.noreply.github.com"',
            chooseWorkload
              ? 'npm run release -- "$RELEASE" --train --cluster "$CLUSTER" --workload "$WORKLOAD"'
              : 'npm run release -- "$RELEASE" --train --cluster "$CLUSTER"',
          ),
        },
      ],
    };
    previous = `train-${name}`;
  }

  const workflow = {
    name: naming.title,
    'run-name': `${naming.title.replace(/ Rollout$/, ' rollout')}: \${{ inputs.operation }} on \${{ inputs.cluster }} (${props.environment})`,
    on: {
      workflow_dispatch: {
        inputs: {
          operation: {
            description: `What to do with the ${(!chooseWorkload && rolloutWorkloads[0]) || 'chosen'} Rollout`,
            type: 'choice',
            required: true,
            default: 'status',
            options: train === undefined ? [...OPERATIONS] : [...OPERATIONS, RELEASE_TRAIN_OPERATION],
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
          ...(train === undefined
            ? {}
            : {
                release: {
                  description: `${RELEASE_TRAIN_OPERATION} only: the release to move through ${train.join(', ')}, one cluster at a time`,
                  type: 'string',
                  required: false,
                  default: '',
                },
              }),
        },
      },
    },
    permissions: { contents: 'read', 'id-token': 'write' },
    jobs,
  };

  const comment =
    ' Generated by `npm run synth` from overlays/ and platform.yaml: edit those, not this file.\n' +
    ' Runs `npm run rollout` on the chosen clusters after approval (see docs/operating.md, "Operating rollouts").';
  const signIns = clusters.map(({ name, cloud, region, context }) => ({ name, cloud, region, context }));
  const render = () => {
    const document = new Document(workflow);
    document.commentBefore = comment;
    decorate(document, signIns);
    return document.toString({ lineWidth: 0 });
  };
  // The text is a function of these alone (and of the yaml library, which names the memo's file).
  return options.memo
    ? options.memo.get(JSON.stringify({ workflow, comment, signIns, actions: PINNED_ACTIONS, decorate: decorate.toString() }), render)
    : render();
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
    const trainCluster = clusters.find((candidate) => String(isScalar(job.key) ? job.key.value : '') === `train-${candidate.name}`);
    if (trainCluster && isScalar(job.key))
      job.key.commentBefore = ` Release train stop ${trainCluster.name}: gated by the GitHub environment ${trainEnvironment(trainCluster.name)}`;
    for (const step of steps.items) {
      if (!isMap(step)) continue;
      const uses = step.get('uses', true);
      if (isScalar(uses)) uses.comment = ` ${tags.get(String(uses.value))}`;
      const run = step.get('run', true);
      if (isScalar(run) && String(run.value).includes('\n')) run.type = Scalar.BLOCK_LITERAL;
    }
  }
}
