/**
 * Prometheus for the canary analysis drill, inside the real node's network namespace, where pod
 * addresses exist. Debian's Prometheus has no Kubernetes service discovery, so the harness does
 * what the Prometheus Operator does with a PodMonitor: it reads the live PodMonitors and the pods
 * they select, and writes the scrape targets, with the labels the PodMonitor relabels to, into a
 * file Prometheus rereads (`file_sd`), kept current as pods come and go.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { stringify } from 'yaml';
import type { KubeApi } from './kube-api.js';
import { NODE_IP, type RealNode } from './real-node.js';
import type { Supervisor } from './supervisor.js';
import { waitFor } from './wait.js';

/** Prometheus's port on the node address: pods (the Rollouts controller) reach it there. */
export const NODE_PROMETHEUS_PORT = 9090;
/** The address the project copy's `analysis.prometheus` names. */
export const NODE_PROMETHEUS_URL = `http://${NODE_IP}:${NODE_PROMETHEUS_PORT}`;

/** The part of a `monitoring.coreos.com/v1` PodMonitor the targets follow. */
export interface PodMonitorObject {
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec: {
    readonly selector: { readonly matchLabels?: Readonly<Record<string, string>>; readonly matchExpressions?: readonly unknown[] };
    readonly podMetricsEndpoints: readonly { readonly port?: string; readonly path?: string }[];
    readonly podTargetLabels?: readonly string[];
  };
}

/** The part of a pod the targets are made of. */
export interface ScrapedPod {
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly deletionTimestamp?: string;
  };
  readonly spec: {
    readonly containers: readonly { readonly name: string; readonly ports?: readonly { name?: string; containerPort: number }[] }[];
  };
  readonly status?: { readonly phase?: string; readonly podIP?: string };
}

/** One `file_sd` target group. */
export interface TargetGroup {
  readonly targets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/** A pod label as a metric label, as Prometheus sanitizes it (`rollouts-pod-template-hash` → `rollouts_pod_template_hash`). */
const metricLabel = (podLabel: string) => podLabel.replace(/[^a-zA-Z0-9_]/g, '_');

/**
 * The scrape targets of `monitors`, as the Prometheus Operator derives them: each running pod in
 * the monitor's namespace that its `matchLabels` select, on the container port its endpoint names,
 * at its path, labelled with `namespace`, `pod`, `container` and each of `podTargetLabels`.
 * Pods without an address, not Running, being deleted, or without the named port are not scraped.
 */
export function podMonitorTargets(monitors: readonly PodMonitorObject[], pods: readonly ScrapedPod[]): TargetGroup[] {
  const groups: TargetGroup[] = [];
  for (const monitor of monitors) {
    if (monitor.spec.selector.matchExpressions?.length)
      throw new Error(`PodMonitor ${monitor.metadata.name}: the drill's Prometheus follows matchLabels only`);
    const selector = Object.entries(monitor.spec.selector.matchLabels ?? {});
    const selected = pods.filter(
      (pod) =>
        pod.metadata.namespace === monitor.metadata.namespace &&
        selector.every(([key, value]) => pod.metadata.labels?.[key] === value) &&
        pod.status?.phase === 'Running' &&
        pod.status.podIP &&
        !pod.metadata.deletionTimestamp,
    );
    monitor.spec.podMetricsEndpoints.forEach((endpoint, index) => {
      for (const pod of selected) {
        for (const container of pod.spec.containers) {
          const port = container.ports?.find((candidate) => candidate.name === endpoint.port);
          if (!port) continue;
          const copied = (monitor.spec.podTargetLabels ?? [])
            .filter((label) => pod.metadata.labels?.[label] !== undefined)
            .map((label) => [metricLabel(label), pod.metadata.labels![label]!]);
          groups.push({
            targets: [`${pod.status!.podIP}:${port.containerPort}`],
            labels: {
              job: `${monitor.metadata.namespace}/${monitor.metadata.name}`,
              endpoint: String(index),
              __metrics_path__: endpoint.path ?? '/metrics',
              namespace: pod.metadata.namespace!,
              pod: pod.metadata.name,
              container: container.name,
              ...Object.fromEntries(copied),
            },
          });
        }
      }
    });
  }
  return groups;
}

/**
 * The PodMonitor CRD, as the Prometheus Operator installs it, minus its schema: the API server
 * keeps the project's PodMonitor as written, and the harness reads it back.
 */
export const POD_MONITOR_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'podmonitors.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    scope: 'Namespaced',
    names: { kind: 'PodMonitor', listKind: 'PodMonitorList', plural: 'podmonitors', singular: 'podmonitor' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};

/** Debian's `prometheus` in the real node's network namespace, following the cluster's PodMonitors. */
export interface NodePrometheus {
  /** `http://<node address>:<port>`: reachable inside the node only. */
  readonly url: string;
  /** The targets last written. */
  targets(): readonly TargetGroup[];
  /** An instant query's vector, as label sets and numbers, asked from inside the node. */
  query(expression: string): Promise<{ labels: Record<string, string>; value: number }[]>;
  /** Stops following the PodMonitors (Prometheus itself is the supervisor's to stop). */
  stopFollowing(): Promise<void>;
}

/** The binary of Debian's package, found on PATH; a missing one is an error that says how to install it. */
export function prometheusBinary(path = process.env.PATH ?? ''): string {
  const found = path
    .split(delimiter)
    .map((dir) => join(dir, 'prometheus'))
    .find((file) => existsSync(file));
  if (!found)
    throw new Error("no prometheus on PATH: the canary analysis drill scrapes with Debian's package (apt-get install prometheus)");
  return found;
}

/** Fetches a URL from inside the node and prints the body; exits 1 with the error otherwise. */
const FETCH_SCRIPT =
  'fetch(process.argv[1],{signal:AbortSignal.timeout(5000)}).then(async(r)=>{process.stdout.write(await r.text());process.exitCode=r.ok?0:1},(e)=>{console.error(e.message);process.exitCode=1})';

/**
 * Starts Prometheus inside `node` (its process is the supervisor's, in the node's cgroup), scraping
 * every second, and follows the cluster's PodMonitors every `followMs` until `stopFollowing()`.
 */
export async function startNodePrometheus(props: {
  readonly node: RealNode;
  readonly supervisor: Supervisor;
  readonly api: KubeApi;
  readonly runDir: string;
  /** @default 500 */
  readonly followMs?: number;
}): Promise<NodePrometheus> {
  const { node, api } = props;
  const binary = prometheusBinary();
  const dir = join(props.runDir, 'prometheus');
  mkdirSync(join(dir, 'data'), { recursive: true });
  const targetsFile = join(dir, 'targets.json');
  let written = '';
  let current: TargetGroup[] = [];
  const write = (groups: TargetGroup[]) => {
    const text = JSON.stringify(groups, null, 2);
    if (text === written) return;
    writeFileSync(`${targetsFile}.tmp`, text);
    renameSync(`${targetsFile}.tmp`, targetsFile);
    written = text;
    current = groups;
  };
  write([]);
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(
    configFile,
    stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s' },
      scrape_configs: [{ job_name: 'podmonitors', file_sd_configs: [{ files: [targetsFile], refresh_interval: '1s' }] }],
    }),
  );
  const url = `http://${NODE_IP}:${NODE_PROMETHEUS_PORT}`;
  const prometheus = node.startInside('prometheus', [
    binary,
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=${NODE_IP}:${NODE_PROMETHEUS_PORT}`,
    '--storage.tsdb.retention.time=1h',
  ]);
  const get = async (path: string) => {
    const result = await node.exec(process.execPath, ['-e', FETCH_SCRIPT, `${url}${path}`], { timeoutMs: 10_000 });
    return { ok: result.code === 0, body: result.stdout, error: result.stderr.trim() };
  };
  await waitFor(
    'prometheus',
    `Prometheus ready on ${url} inside the node`,
    async () => {
      if (prometheus.exitStatus() !== undefined)
        throw new Error(`prometheus exited (${prometheus.exitStatus()}); see ${prometheus.logFile}`);
      const ready = await get('/-/ready');
      return { done: ready.ok, seen: ready.error || ready.body.trim() };
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );

  let following = true;
  const follow = (async () => {
    while (following) {
      try {
        const monitors = await api.list<PodMonitorObject>('/apis/monitoring.coreos.com/v1/podmonitors');
        const pods = monitors.length > 0 ? await api.list<ScrapedPod>('/api/v1/pods') : [];
        write(podMonitorTargets(monitors, pods));
      } catch {
        // The CRD not yet installed, or the API server busy for a moment: the next look retries.
      }
      await new Promise((resolve) => setTimeout(resolve, props.followMs ?? 500));
    }
  })();

  return {
    url,
    targets: () => current,
    query: async (expression) => {
      const answer = await get(`/api/v1/query?query=${encodeURIComponent(expression)}`);
      if (!answer.ok) throw new Error(`Prometheus query ${expression}: ${answer.error || answer.body}`);
      const body = JSON.parse(answer.body) as { data?: { result?: { metric: Record<string, string>; value: [number, string] }[] } };
      return (body.data?.result ?? []).map((sample) => ({ labels: sample.metric, value: Number(sample.value[1]) }));
    },
    stopFollowing: async () => {
      following = false;
      await follow;
    },
  };
}
