import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliResult } from '../../operator/stand-in-kubectl.js';
import type { DrillCluster } from './drill-cluster.js';
import type { DrillProject } from './drill-project.js';
import { type KubectlResult, runKubectl } from './kube-api.js';

/** A Rollout as a drill reaches it: the kube context, its namespace and name. */
export interface RolloutTarget {
  readonly context: string;
  readonly namespace: string;
  readonly name: string;
}

/** What the plugin, the API server and the operator tool say about one Rollout at one moment. */
export interface RolloutViews {
  /** `kubectl argo rollouts get rollout`. */
  readonly get: KubectlResult;
  /** `kubectl argo rollouts status --watch=false`. */
  readonly status: KubectlResult;
  /** The Rollout object as the API server returns it, without its managed fields. */
  readonly rollout: Record<string, unknown>;
  /** `npm run rollout -- status`. */
  readonly tool: CliResult;
}

/**
 * Reads every view of the Rollout and saves them under `<run>/plugin-output/<stage>/`, with the
 * plugin's version beside them, so a failed comparison can be read after the run.
 */
export async function recordRolloutViews(
  cluster: DrillCluster,
  project: DrillProject,
  target: RolloutTarget,
  stage: string,
): Promise<RolloutViews> {
  const kubectl = join(cluster.pathDir, 'kubectl');
  const run = (args: readonly string[]) => runKubectl(kubectl, cluster.kubeconfig, args);
  const plugin = (subcommand: string, ...flags: string[]) => ['argo', 'rollouts', '--context', target.context, subcommand, ...flags];
  const [get, status, json] = await Promise.all([
    run(plugin('get', 'rollout', target.name, '--namespace', target.namespace, '--no-color')),
    run(plugin('status', target.name, '--namespace', target.namespace, '--watch=false')),
    run(['--context', target.context, 'get', 'rollout', target.name, '--namespace', target.namespace, '--output', 'json']),
  ]);
  const tool = await project.rollout('status', target.context);
  const version = await run(['argo', 'rollouts', 'version']);
  const dir = join(cluster.runDir, 'plugin-output', stage);
  mkdirSync(dir, { recursive: true });
  const rollout = JSON.parse(json.stdout) as Record<string, unknown> & { metadata?: { managedFields?: unknown } };
  delete rollout.metadata?.managedFields;
  writeFileSync(join(dir, 'get-rollout.txt'), get.stdout);
  writeFileSync(join(dir, 'status.txt'), `${status.stdout}${status.stderr ? `# stderr, exit ${status.code}\n${status.stderr}` : ''}`);
  writeFileSync(join(dir, 'rollout.json'), `${JSON.stringify(rollout, null, 2)}\n`);
  writeFileSync(join(dir, 'operator-status.txt'), tool.stdout);
  writeFileSync(join(cluster.runDir, 'plugin-output', 'version.txt'), version.stdout);
  return { get, status, rollout, tool };
}
