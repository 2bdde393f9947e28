/**
 * `npm run dashboard`: watches every cluster's API server through the kube contexts the overlays
 * name and serves the live page on 127.0.0.1. `bin/dashboard.ts` runs it in a process; tests run it
 * in process with their own IO and kubeconfig.
 */
import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Command } from 'commander';
import { exitCodeOf } from '../cli/command-line-errors.js';
import { workloadApplicationName } from '../core/application-names.js';
import { UsageError } from '../core/errors.js';
import { loadProjectConfig, type ProjectCluster } from '../config/project-config.js';
import type { PlatformSettings } from '../config/platform-settings.js';
import { KubectlClient } from '../operator/kubectl-client.js';
import { type OperatorIO, readsProject, runIn } from '../operator/operator-io.js';
import { RolloutOperator } from '../operator/rollout-operator.js';
import { describeRolloutSummary } from '../operator/rollout-summary.js';
import { releasedWorkloads, type RolloutWorkload, rolloutWorkloads } from '../operator/rollout-workloads.js';
import { compareStrings } from '../util/stable-order.js';
import { ClusterWatch } from './cluster-watch.js';
import { DashboardServer, type RunAction } from './dashboard-server.js';
import { FleetMonitor, type MonitoredCluster } from './fleet-monitor.js';
import type { WatchedWorkload } from './fleet-view.js';

/** What `npm run dashboard` needs beyond a command's IO: when to stop, and who wants the URL. */
export interface DashboardIO extends OperatorIO {
  /** Resolves when the dashboard should stop (the entry point: on SIGINT or SIGTERM). */
  readonly stopped: Promise<void>;
  /** Called once the page is served. */
  readonly onListening?: (url: string, server: DashboardServer) => void;
}

export interface DashboardRequest {
  readonly port: number;
  readonly allowActions: boolean;
  readonly kubectl: string;
  readonly actionTimeoutMs: number;
  readonly overlays: string;
  readonly platform: string;
}

/** The port the page is served on unless `--port` says otherwise. */
export const DEFAULT_PORT = 8090;
const ACTION_TIMEOUT_MS = 10 * 60_000;
const ACTION_POLL_MS = 1000;

export function parseDashboardCommandLine(argv: readonly string[], output: Pick<OperatorIO, 'stdout' | 'stderr'>): DashboardRequest {
  const program = readsProject(
    new Command('dashboard')
      .description('Serve a live page of every Rollout on every cluster on 127.0.0.1.')
      .option('--port <n>', 'the port on 127.0.0.1 (0: any free port)', String(DEFAULT_PORT))
      .option('--allow-actions', 'offer promote, abort and restart on the page, each with a confirmation')
      .option('--kubectl <path>', 'the kubectl executable actions run, with the kubectl-argo-rollouts plugin', 'kubectl'),
    output,
  );
  program.parse(argv, { from: 'user' });
  const options = program.opts<{ port: string; allowActions?: boolean; kubectl: string; overlays: string; platform: string }>();
  if (!/^\d{1,5}$/.test(options.port) || Number(options.port) > 65535) {
    throw new UsageError(`--port "${options.port}" is not a port; expected a whole number from 0 to 65535`);
  }
  if (options.kubectl.trim() === '') throw new UsageError('--kubectl is empty; expected the kubectl executable');
  return {
    port: Number(options.port),
    allowActions: options.allowActions ?? false,
    kubectl: options.kubectl,
    actionTimeoutMs: ACTION_TIMEOUT_MS,
    overlays: options.overlays,
    platform: options.platform,
  };
}

/**
 * Runs `npm run dashboard -- <argv>` until `io.stopped`. Resolves with the exit code: 0 stopped;
 * 1 the project's configuration is invalid; 2 bad input, an overlay's context missing from the
 * kubeconfig, or (with actions) kubectl or its plugin cannot run.
 */
export function dashboardCommand(argv: readonly string[], io: DashboardIO): Promise<number> {
  return exitCodeOf(dashboard(argv, io), (line) => io.stderr.write(`${line}\n`));
}

async function dashboard(argv: readonly string[], io: DashboardIO): Promise<number> {
  const print = (line: string) => io.stdout.write(`${line}\n`);
  const request = parseDashboardCommandLine(argv, io);
  const { platform, clusters, workloads } = loadProjectConfig({
    platformFile: resolve(io.cwd, request.platform),
    overlaysDirectory: resolve(io.cwd, request.overlays),
    display: { platformFile: request.platform, overlaysDirectory: request.overlays },
    workloads: io.workloads,
  });
  const watched = rolloutWorkloads(workloads);
  if (watched.length === 0) throw new UsageError('no workload runs a Rollout (lib/workloads/registry.ts); there is nothing to show');
  const kubeConfig = loadKubeConfig(io);
  const sorted = [...clusters].sort((a, b) => compareStrings(a.name, b.name));
  const monitored = sorted.map((cluster) => monitoredCluster(cluster, platform, watched, contextConfig(kubeConfig, cluster), print));

  let runAction: RunAction | undefined;
  if (request.allowActions) {
    const kubectl = new KubectlClient({ executable: request.kubectl, commandTimeoutMs: request.actionTimeoutMs, run: runIn(io) });
    const version = await new RolloutOperator({
      kubectl,
      settings: operationSettings(platform, watched[0]!, request),
      log: print,
    }).checkTools('promote'); // every action goes through the plugin
    print(`actions on, through ${version}`);
    runAction = async ({ cluster, workload, action }, log) => {
      const target = sorted.find((candidate) => candidate.name === cluster);
      const chosen = watched.find((candidate) => candidate.name === workload);
      if (target === undefined || chosen === undefined) throw new Error(`no workload ${workload} on cluster ${cluster}`);
      const operator = new RolloutOperator({ kubectl, settings: operationSettings(platform, chosen, request), log });
      const [outcome] = await operator.run(action, [target]);
      if (outcome?.error !== undefined) throw new Error(outcome.error);
      return outcome?.state ? describeRolloutSummary(outcome.state) : 'done';
    };
  }

  // The train moves the release of the workload `npm run release` sets by default.
  const trainWorkload = releasedWorkloads(watched)[0];
  const releaseTrain =
    platform.releaseTrain && trainWorkload ? { clusters: platform.releaseTrain, workload: trainWorkload.name } : undefined;
  const monitor = new FleetMonitor({ clusters: monitored, releaseTrain });
  const server = new DashboardServer({ monitor, runAction, port: request.port, log: print });
  monitor.start();
  try {
    const url = await server.start();
    print(
      `dashboard of ${sorted.length} cluster${sorted.length === 1 ? '' : 's'} on ${url} (actions ${runAction ? 'on' : 'off'}); Ctrl-C stops it`,
    );
    io.onListening?.(url, server);
    await io.stopped;
  } finally {
    await server.stop();
    await monitor.stop();
  }
  return 0;
}

function operationSettings(platform: PlatformSettings, workload: RolloutWorkload, request: DashboardRequest) {
  return { environment: platform.environment, workload, timeoutMs: request.actionTimeoutMs, pollIntervalMs: ACTION_POLL_MS };
}

function monitoredCluster(
  cluster: ProjectCluster,
  platform: PlatformSettings,
  workloads: readonly RolloutWorkload[],
  kubeConfig: KubeConfig,
  log: (line: string) => void,
): MonitoredCluster {
  const watchedWorkloads: WatchedWorkload[] = workloads.map((workload) => ({
    name: workload.name,
    rollout: workload.rollout,
    application: workloadApplicationName(workload.name, cluster.name),
    releaseVariable: workload.rollout.releaseVariable,
    gitRelease: releaseIn(cluster.workloads[workload.name]) ?? releaseIn(platform.workloads[workload.name]),
  }));
  const namespaces = [...new Set(workloads.map((workload) => workload.rollout.namespace))];
  return {
    name: cluster.name,
    cloud: cluster.cloud,
    workloads: watchedWorkloads,
    watch: (onChange) =>
      new ClusterWatch({
        kubeConfig,
        namespaces,
        onChange,
        onUnreachable: (message) =>
          log(`${new Date().toISOString()} cluster ${cluster.name} (context ${cluster.context}) unreachable: ${message}`),
      }),
  };
}

/** A workload's `release` setting, when its settings have one. */
function releaseIn(settings: unknown): string | undefined {
  const release = (settings as { release?: unknown } | undefined)?.release;
  return typeof release === 'string' ? release : undefined;
}

/**
 * The kubeconfig kubectl would read: the files in KUBECONFIG (the first to name a context,
 * cluster or user wins), else ~/.kube/config.
 */
function loadKubeConfig(io: Pick<OperatorIO, 'env' | 'cwd'>): KubeConfig {
  const files = (io.env.KUBECONFIG ?? '').split(delimiter).filter((file) => file !== '');
  if (files.length === 0) files.push(join(io.env.HOME ?? '', '.kube', 'config'));
  const merged = { clusters: new Map(), users: new Map(), contexts: new Map() } as const;
  for (const file of files.map((name) => resolve(io.cwd, name))) {
    if (!existsSync(file)) continue;
    const one = new KubeConfig();
    try {
      one.loadFromFile(file);
    } catch (error) {
      throw new UsageError(`kubeconfig ${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
    for (const [key, items] of [
      ['clusters', one.clusters],
      ['users', one.users],
      ['contexts', one.contexts],
    ] as const) {
      for (const item of items) if (!merged[key].has(item.name)) merged[key].set(item.name, item);
    }
  }
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [...merged.clusters.values()],
    users: [...merged.users.values()],
    contexts: [...merged.contexts.values()],
    currentContext: '',
  });
  return config;
}

/** A copy of `config` whose current context is the cluster's: every watch reaches that cluster. */
function contextConfig(config: KubeConfig, cluster: ProjectCluster): KubeConfig {
  if (config.getContextObject(cluster.context) === null) {
    const known = config.contexts.map((context) => context.name).join(', ') || 'none';
    throw new UsageError(
      `${cluster.file}: field "context": kube context "${cluster.context}" is not in the kubeconfig (KUBECONFIG, else ~/.kube/config); expected one of ${known}`,
    );
  }
  const copy = new KubeConfig();
  copy.loadFromOptions({ clusters: config.clusters, users: config.users, contexts: config.contexts, currentContext: cluster.context });
  return copy;
}
