import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { parse } from 'yaml';
import { loadClusterOverlays } from '../../lib/config/cluster-overlay.js';
import { OPERATIONS } from '../../lib/operator/operations.js';
import { clusterSecrets, clusterVariables } from '../../lib/workflows/cluster-sign-in.js';
import {
  RELEASE_TRAIN_OPERATION,
  renderRolloutWorkflow,
  rolloutWorkflowFile,
  ROLLOUTS_PLUGIN_SHA256,
  type WorkflowCluster,
} from '../../lib/workflows/rollout-workflow.js';
import { RenderMemo } from '../../lib/synth/render-memo.js';
import { FIXTURE, runEntry } from '../operator/stand-in-kubectl.js';
import { FIXTURE_WORKLOADS } from '../support/fixture-project.js';
import { PROJECT_ROOT } from '../support/synth-process.js';

const ROLLOUT_WORKFLOW_FILE = rolloutWorkflowFile(['mandelbrot']);
// The fixture project's workflow: its overlays, environment dev.
const FIXTURE_WORKFLOW = join(FIXTURE.root, '.github', 'workflows', ROLLOUT_WORKFLOW_FILE);
const overlays = loadClusterOverlays(join(FIXTURE.root, 'overlays'), 'overlays', FIXTURE_WORKLOADS);
const fresh = renderRolloutWorkflow({ clusters: overlays, environment: 'dev', rolloutWorkloads: ['mandelbrot'] });

interface WorkflowStep {
  name: string;
  id?: string;
  if?: string;
  uses?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  run?: string;
}
const workflow = parse(fresh);
const clusterJobs = Object.entries<any>(workflow.jobs).filter(([id]) => id.startsWith('rollout-'));
const jobOf = (cluster: string) => workflow.jobs[`rollout-${cluster}`];
const steps: WorkflowStep[] = Object.values<any>(workflow.jobs).flatMap((job) => job.steps);
const stepsOf = (cluster: string): WorkflowStep[] => jobOf(cluster).steps;

/** Runs a step's script with bash, with `env` and `PATH` first searched in `bin`; never reaches the network. */
function runScript(script: string, env: Record<string, string>, bin?: string) {
  const path = bin ? `${bin}:${process.env.PATH}` : process.env.PATH!;
  return spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { PATH: path, ...env } });
}

describe('.github/workflows/mandelbrot-rollout.yml', () => {
  // That the committed file is what synth writes is checked with the rest of the committed state (test/committed-state.test.ts).
  test('offers the seven operations, status by default, and all plus every cluster in overlays/', () => {
    const inputs = workflow.on.workflow_dispatch.inputs;
    expect(inputs.operation).toMatchObject({ type: 'choice', default: 'status', options: [...OPERATIONS] });
    expect(inputs.cluster).toMatchObject({ type: 'choice', options: ['all', ...overlays.map((cluster) => cluster.name)] });
    expect(inputs.cluster.options).toEqual(['all', 'aws', 'azure', 'gcp']);
    expect(inputs.to_revision).toMatchObject({ type: 'string', required: false });
  });

  test('is approved, least-privileged, and never cancels a running operation', () => {
    expect(workflow.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    for (const [, job] of clusterJobs) expect(job.environment).toBe('infra-deploy-approval');
    expect(workflow.jobs['default-branch'].permissions).toEqual({});
    expect(workflow.concurrency).toBeUndefined();
    expect(Object.keys(workflow.on)).toEqual(['workflow_dispatch']);
  });

  test('holds one lock per cluster: an all run takes every cluster’s lock, so no two runs operate on one cluster at once', () => {
    expect(clusterJobs.map(([id]) => id)).toEqual(['rollout-aws', 'rollout-azure', 'rollout-gcp']);
    for (const cluster of overlays) {
      const job = jobOf(cluster.name);
      expect(job.concurrency).toEqual({ group: `mandelbrot-rollout-${cluster.name}`, 'cancel-in-progress': false });
      expect(job.if).toBe(`inputs.cluster == 'all' || inputs.cluster == '${cluster.name}'`);
      expect(job.steps.at(-1).env.CLUSTER).toBe(cluster.name);
    }
  });

  test('fails if started from any ref but the default branch, with a clear message, before any job signs in', () => {
    const guard = workflow.jobs['default-branch'];
    for (const [, job] of clusterJobs) expect(job.needs).toBe('default-branch');
    const [step] = guard.steps;
    expect(step.env).toEqual({ REF: '${{ github.ref }}', DEFAULT_BRANCH: '${{ github.event.repository.default_branch }}' });
    const refused = runScript(step.run, { REF: 'refs/heads/my-branch', DEFAULT_BRANCH: 'main' });
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe(
      '::error::The Mandelbrot Rollout workflow runs only from the default branch (main), not from refs/heads/my-branch: start it again from main.\n',
    );
    expect(runScript(step.run, { REF: 'refs/tags/v1', DEFAULT_BRANCH: 'main' }).status).toBe(1);
    expect(runScript(step.run, { REF: 'refs/heads/main', DEFAULT_BRANCH: 'main' }).status).toBe(0);
  });

  test('installs the runtime dependencies without their install scripts, before any cloud sign-in', () => {
    for (const cluster of overlays) {
      const own = stepsOf(cluster.name);
      const install = own.findIndex((step) => step.run === 'npm ci --omit=dev --ignore-scripts --no-audit --no-fund');
      const signIn = own.findIndex((step) => step.name.startsWith(`${cluster.name}: sign in`));
      expect(install).toBeGreaterThan(0);
      expect(install).toBeLessThan(signIn);
      expect(own.filter((step) => /npm (ci|install|i)\b/.test(step.run ?? '')).length).toBe(1);
    }
  });

  test('npm run rollout needs only runtime dependencies, the only ones the job installs (npm ci --omit=dev)', async () => {
    const { dependencies } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    // The train's step runs npm run release, which runs synth (main.ts) as a process. The packages
    // the project's own modules import, which npm installs with their own dependencies.
    const { metafile } = await build({
      entryPoints: ['rollout.ts', 'release.ts'].map((entry) => join(PROJECT_ROOT, 'bin', entry)).concat(join(PROJECT_ROOT, 'main.ts')),
      outdir: 'unused',
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const packages = new Set(
      Object.values(metafile.inputs)
        .flatMap((input) => input.imports)
        .filter((imported) => imported.external && !isBuiltin(imported.path))
        .map((imported) => /^(?:@[^/]+\/)?[^/]+/.exec(imported.path)![0]),
    );
    expect(packages).toContain('cdk8s');
    expect([...packages].filter((name) => !(name in dependencies))).toEqual([]);
    // scripts/run.cjs bundles the entry point with esbuild on the runner.
    expect(dependencies).toHaveProperty('esbuild');
  });

  test('fails if the downloaded plugin does not match its pinned sha256: it is never made executable or run', () => {
    const plugin = stepsOf('aws').find((step) => step.name.startsWith('Install the kubectl-argo-rollouts plugin'))!;
    expect(plugin.env).toEqual({ ROLLOUTS_PLUGIN_VERSION: 'v1.9.0', ROLLOUTS_PLUGIN_SHA256: ROLLOUTS_PLUGIN_SHA256['v1.9.0'] });
    const folder = mkdtempSync(join(tmpdir(), 'trinity-plugin-'));
    try {
      // A stand-in curl that "downloads" a script which leaves a mark when run.
      mkdirSync(join(folder, 'fake-bin'));
      const payload = `#!/bin/sh\ntouch ${join(folder, 'ran')}\n`;
      writeFileSync(join(folder, 'payload'), payload);
      writeFileSync(
        join(folder, 'fake-bin', 'curl'),
        `#!/bin/sh\nwhile [ "$1" != "-o" ]; do shift; done\ncp ${join(folder, 'payload')} "$2"\n`,
        { mode: 0o755 },
      );
      const env = { ...plugin.env, RUNNER_TEMP: folder, GITHUB_PATH: join(folder, 'github-path') };
      const wrong = runScript(plugin.run!, env, join(folder, 'fake-bin'));
      expect(wrong.status).not.toBe(0);
      expect(wrong.stdout + wrong.stderr).toContain('FAILED');
      expect(existsSync(join(folder, 'ran'))).toBe(false);
      const sha256 = createHash('sha256').update(payload).digest('hex');
      const right = runScript(plugin.run!, { ...env, ROLLOUTS_PLUGIN_SHA256: sha256 }, join(folder, 'fake-bin'));
      expect(right.stdout).toContain(': OK');
      expect(right.status).toBe(0);
      expect(existsSync(join(folder, 'ran'))).toBe(true);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('pins every action to a commit, with its tag beside it', () => {
    const uses = steps.filter((step) => step.uses !== undefined);
    expect(uses.length).toBeGreaterThan(8);
    for (const step of uses) expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    for (const line of fresh.split('\n').filter((text) => text.includes('uses: '))) expect(line).toMatch(/@[0-9a-f]{40} # v\d+(\.\d+)*$/);
  });

  test('signs in to each cloud with OIDC only in its cluster’s job, and names its context as the overlay does', () => {
    for (const cluster of overlays) {
      const own = stepsOf(cluster.name).filter((step) => step.name.startsWith(`${cluster.name}: `));
      expect(own.length).toBeGreaterThanOrEqual(2);
      expect(stepsOf(cluster.name).filter((step) => /^[\w-]+: /.test(step.name) && !step.name.startsWith(`${cluster.name}: `))).toEqual([]);
      const text = JSON.stringify(own);
      for (const secret of clusterSecrets(cluster)) expect(text).toContain(`\${{ secrets.${secret} }}`);
      for (const variable of clusterVariables(cluster)) expect(text).toContain(`\${{ vars.${variable} }}`);
      const names = [...clusterSecrets(cluster), ...clusterVariables(cluster)];
      expect(names.every((name) => name.startsWith(`${cluster.name.toUpperCase()}_`))).toBe(true);
      expect(text).toContain(cluster.context);
      expect(text).not.toMatch(/credentials_json|aws-secret-access-key|client-secret|creds/);
    }
    const uses = steps.map((step) => step.uses?.split('@')[0]);
    expect(uses).toEqual(
      expect.arrayContaining([
        'aws-actions/configure-aws-credentials',
        'google-github-actions/auth',
        'google-github-actions/get-gke-credentials',
        'Azure/login',
      ]),
    );
    const gke = steps.find((step) => step.uses?.startsWith('google-github-actions/get-gke-credentials@'))!;
    expect(gke.with).toMatchObject({ context_name: 'gcp', use_auth_provider: true, location: 'us-central1' });
    expect(steps.find((step) => step.uses?.startsWith('google-github-actions/setup-gcloud@'))!.with).toEqual({
      install_components: 'gke-gcloud-auth-plugin',
    });
    expect(steps.find((step) => step.name === 'aws: create kube context aws')!.env).toMatchObject({
      AWS_REGION: 'us-east-1',
      KUBE_CONTEXT: 'aws',
    });
  });

  test('installs kubectl and the kubectl-argo-rollouts plugin v1.9.0, then runs the tool with the inputs passed through the environment', () => {
    for (const cluster of overlays) {
      const own = stepsOf(cluster.name);
      const names = own.map((step) => step.name);
      expect(names).toContain('Install kubectl');
      const plugin = own.find((step) => step.name === 'Install the kubectl-argo-rollouts plugin v1.9.0, checked against its sha256')!;
      expect(plugin.run).toContain('releases/download/${ROLLOUTS_PLUGIN_VERSION}/kubectl-argo-rollouts-linux-amd64');
      expect(plugin.run!.indexOf('sha256sum --check')).toBeLessThan(plugin.run!.indexOf('chmod +x'));
      const last = own.at(-1)!;
      expect(last.env).toEqual({ OPERATION: '${{ inputs.operation }}', CLUSTER: cluster.name, TO_REVISION: '${{ inputs.to_revision }}' });
      expect(last.run).toContain('npm run rollout -- "${args[@]}"');
    }
    // No expression is ever pasted into a shell script.
    for (const step of steps) expect(step.run ?? '').not.toContain('${{');
  });

  test('reads cluster names and project ids from variables and only sign-in identities from secrets, as docs/operating.md lists them', () => {
    const operating = readFileSync(join(PROJECT_ROOT, 'docs', 'operating.md'), 'utf8');
    const section = operating.slice(operating.indexOf('## Operating rollouts'));
    const readAs = (context: string) =>
      new Set([...fresh.matchAll(new RegExp(`\\$\\{\\{ ${context}\\.([A-Z0-9_]+) \\}\\}`, 'g'))].map((match) => match[1]));
    const secrets = readAs('secrets');
    const variables = readAs('vars');
    expect(secrets).toContain('AWS_ROLE_ARN');
    expect(variables).toEqual(new Set(overlays.flatMap((cluster) => clusterVariables(cluster))));
    expect([...variables].filter((name) => /_(EKS|GKE|AKS)_CLUSTER$|_PROJECT_ID$|_RESOURCE_GROUP$/.test(name ?? ''))).toHaveLength(
      variables.size,
    );
    // The table names them by cloud prefix, and states the rule for another cluster name.
    for (const name of [...secrets, ...variables]) expect(section).toContain(`\`${name}\``);
  });
});

describe('renderRolloutWorkflow', () => {
  test('a new cluster brings its choice, its sign-in and its context', () => {
    const clusters: WorkflowCluster[] = [...overlays, { name: 'aws-west', cloud: 'aws', region: 'us-west-2', context: 'eks-west' }];
    const text = renderRolloutWorkflow({ clusters, environment: 'prod', rolloutWorkloads: ['mandelbrot'] });
    const rendered = parse(text);
    expect(rendered.on.workflow_dispatch.inputs.cluster.options).toEqual(['all', 'aws', 'aws-west', 'azure', 'gcp']);
    expect(rendered['run-name']).toContain('(prod)');
    const west = (rendered.jobs['rollout-aws-west'].steps as WorkflowStep[]).filter((step) => step.name.startsWith('aws-west: '));
    expect(rendered.jobs['rollout-aws-west'].concurrency.group).toBe('mandelbrot-rollout-aws-west');
    expect(west.map((step) => step.with?.['role-to-assume'] ?? step.env?.EKS_CLUSTER)).toEqual([
      '${{ secrets.AWS_WEST_ROLE_ARN }}',
      '${{ vars.AWS_WEST_EKS_CLUSTER }}',
    ]);
    expect(west[1]?.env).toMatchObject({ AWS_REGION: 'us-west-2', KUBE_CONTEXT: 'eks-west' });
    expect(text).toContain('# Cluster aws-west: aws in us-west-2, kube context eks-west');
  });

  test('more than one Rollout workload brings a workload choice, passed to the tool as --workload', () => {
    const single = parse(renderRolloutWorkflow({ clusters: overlays, environment: 'dev', rolloutWorkloads: ['mandelbrot'] }));
    expect(single.on.workflow_dispatch.inputs.workload).toBeUndefined();
    const text = renderRolloutWorkflow({ clusters: overlays, environment: 'dev', rolloutWorkloads: ['mandelbrot', 'tiles'] });
    const rendered = parse(text);
    expect(rendered.on.workflow_dispatch.inputs.workload).toMatchObject({
      type: 'choice',
      default: 'mandelbrot',
      options: ['mandelbrot', 'tiles'],
    });
    const run = (rendered.jobs['rollout-aws'].steps as WorkflowStep[]).find((step) => step.name === 'Run ${{ inputs.operation }}')!;
    expect(run.env).toMatchObject({ WORKLOAD: '${{ inputs.workload }}' });
    expect(run.run).toContain('--workload "$WORKLOAD"');
  });
});

describe('renderRolloutWorkflow with a RenderMemo', () => {
  test('gives the text it renders without one, and renders again for a changed cluster: its key holds every input', () => {
    const folder = mkdtempSync(join(tmpdir(), 'trinity-workflow-memo-'));
    try {
      const memo = () => RenderMemo.load(join(folder, 'memo.json'));
      const props = { clusters: overlays, environment: 'dev', rolloutWorkloads: ['mandelbrot'] };
      const first = memo();
      expect(renderRolloutWorkflow(props, { memo: first })).toBe(fresh);
      first.save();
      expect(renderRolloutWorkflow(props, { memo: memo() })).toBe(fresh);
      const moved = overlays.map((cluster) => (cluster.name === 'aws' ? { ...cluster, region: 'eu-west-1' } : cluster));
      const changed = renderRolloutWorkflow({ ...props, clusters: moved }, { memo: memo() });
      expect(changed).toBe(renderRolloutWorkflow({ ...props, clusters: moved }));
      expect(changed).toContain('# Cluster aws: aws in eu-west-1');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('npm run synth --workflows-dir', () => {
  test('writes the workflow from the overlays it reads, replacing the file at once', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'trinity-workflow-'));
    try {
      cpSync(join(FIXTURE.root, 'overlays'), join(folder, 'overlays'), { recursive: true });
      writeFileSync(
        join(folder, 'overlays', 'aws-west.yaml'),
        'cloud: aws\nregion: us-west-2\ncontext: eks-west\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n',
      );
      const workflows = join(folder, 'workflows');
      const result = await runEntry('main.ts', [
        '--outdir',
        join(folder, 'dist'),
        '--history',
        FIXTURE.dist,
        '--overlays',
        join(folder, 'overlays'),
        '--workflows-dir',
        workflows,
      ]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(readdirSync(workflows)).toEqual([ROLLOUT_WORKFLOW_FILE]);
      const written = parse(readFileSync(join(workflows, ROLLOUT_WORKFLOW_FILE), 'utf8'));
      expect(written.on.workflow_dispatch.inputs.cluster.options).toEqual(['all', 'aws', 'aws-west', 'azure', 'gcp']);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test("by default writes beside the outdir, so a synth elsewhere never touches the project's workflow", async () => {
    const folder = mkdtempSync(join(tmpdir(), 'trinity-workflow-'));
    try {
      cpSync(join(FIXTURE.root, 'overlays'), join(folder, 'overlays'), { recursive: true });
      const before = readFileSync(FIXTURE_WORKFLOW, 'utf8');
      renameSync(join(folder, 'overlays', 'gcp.yaml'), join(folder, 'overlays', 'gcp-east.yaml'));
      const result = await runEntry('main.ts', [
        '--outdir',
        join(folder, 'dist'),
        '--history',
        FIXTURE.dist,
        '--overlays',
        join(folder, 'overlays'),
      ]);
      expect(result.code).toBe(0);
      const written = parse(readFileSync(join(folder, '.github', 'workflows', ROLLOUT_WORKFLOW_FILE), 'utf8'));
      expect(written.on.workflow_dispatch.inputs.cluster.options).toEqual(['all', 'aws', 'azure', 'gcp-east']);
      expect(readFileSync(FIXTURE_WORKFLOW, 'utf8')).toBe(before);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('the release train mode', () => {
  const TRAIN = ['aws', 'gcp', 'azure'];
  const trainWorkflow = parse(
    renderRolloutWorkflow({ clusters: overlays, environment: 'dev', rolloutWorkloads: ['mandelbrot'], releaseTrain: TRAIN }),
  );
  const trainJob = (cluster: string) => trainWorkflow.jobs[`train-${cluster}`];

  test('is offered only with a releaseTrain: without one the workflow is as before', () => {
    expect(Object.keys(workflow.jobs).filter((id) => id.startsWith('train-'))).toEqual([]);
    expect(workflow.on.workflow_dispatch.inputs.release).toBeUndefined();
    expect(trainWorkflow.on.workflow_dispatch.inputs.operation.options).toEqual([...OPERATIONS, RELEASE_TRAIN_OPERATION]);
    expect(trainWorkflow.on.workflow_dispatch.inputs.release).toMatchObject({ type: 'string', required: false });
  });

  test('runs one job per cluster in train order, each needing the one before, each in its own GitHub environment', () => {
    expect(Object.keys(trainWorkflow.jobs).filter((id) => id.startsWith('train-'))).toEqual(['train-aws', 'train-gcp', 'train-azure']);
    expect(trainJob('aws').needs).toBe('default-branch');
    expect(trainJob('gcp').needs).toBe('train-aws');
    expect(trainJob('azure').needs).toBe('train-gcp');
    for (const cluster of TRAIN) {
      expect(trainJob(cluster).environment).toBe(`release-${cluster}`);
      expect(trainJob(cluster).if).toBe("inputs.operation == 'release-train'");
      // The cluster's lock is the one its rollout job holds: no operation runs there during its stop.
      expect(trainJob(cluster).concurrency).toEqual(trainWorkflow.jobs[`rollout-${cluster}`].concurrency);
    }
  });

  test("each job runs the CLI's own stop for its cluster, from the branch's tip, signed in to that cluster only", () => {
    for (const cluster of TRAIN) {
      const steps: WorkflowStep[] = trainJob(cluster).steps;
      expect(steps[0]!.with).toEqual({ ref: '${{ github.ref }}', 'persist-credentials': true });
      const last = steps.at(-1)!;
      expect(last.env).toEqual({ RELEASE: '${{ inputs.release }}', CLUSTER: cluster });
      expect(last.run).toContain('npm run release -- "$RELEASE" --train --cluster "$CLUSTER"\n');
      const signIns = steps.filter((step) => / sign in to /.test(step.name)).map((step) => step.name.split(':')[0]);
      expect(signIns).toEqual([cluster]);
    }
    expect(trainJob('aws').permissions).toEqual({ contents: 'write', 'id-token': 'write' });
  });

  test('keeps the operations off while a train runs', () => {
    for (const cluster of ['aws', 'azure', 'gcp'])
      expect(trainWorkflow.jobs[`rollout-${cluster}`].if).toBe(
        `inputs.operation != 'release-train' && (inputs.cluster == 'all' || inputs.cluster == '${cluster}')`,
      );
  });
});
