import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Component } from './supervisor.js';
import { NODE_IP, type RealNode } from './real-node.js';
import { waitFor } from './wait.js';

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

/** How Prometheus reaches the API server from inside the real node, for its Kubernetes service discovery. */
export interface ApiServerAccess {
  readonly server: string;
  readonly caFile: string;
  readonly token: string;
}

/**
 * The Prometheus scrape job that the Prometheus Operator makes of a PodMonitor, for the fields the
 * project's PodMonitor uses: its pods found through the API server, kept by the selector's labels
 * and the named container port, scraped at the endpoint's path, with `namespace` and the
 * `podTargetLabels` copied to metric labels.
 */
export function podMonitorScrapeJob(podMonitor: PodMonitorObject, namespace: string, api: ApiServerAccess): Record<string, unknown> {
  const label = (name: string) => `__meta_kubernetes_pod_label_${name.replace(/[^a-zA-Z0-9_]/g, '_')}`;
  const [endpoint] = podMonitor.spec.podMetricsEndpoints;
  if (!endpoint) throw new Error(`PodMonitor ${podMonitor.metadata.name} has no podMetricsEndpoints`);
  return {
    job_name: `podMonitor/${namespace}/${podMonitor.metadata.name}/0`,
    kubernetes_sd_configs: [
      {
        role: 'pod',
        api_server: api.server,
        authorization: { credentials: api.token },
        tls_config: { ca_file: api.caFile },
        namespaces: { names: [namespace] },
      },
    ],
    metrics_path: endpoint.path ?? '/metrics',
    relabel_configs: [
      ...Object.entries(podMonitor.spec.selector.matchLabels ?? {}).map(([name, value]) => ({
        action: 'keep',
        source_labels: [label(name)],
        regex: value,
      })),
      { action: 'keep', source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: endpoint.port },
      { action: 'drop', source_labels: ['__meta_kubernetes_pod_phase'], regex: '(Failed|Succeeded)' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
      ...(podMonitor.spec.podTargetLabels ?? []).map((name) => ({
        source_labels: [label(name)],
        target_label: name.replace(/[^a-zA-Z0-9_]/g, '_'),
      })),
    ],
  };
}

/** The fields of a Prometheus Operator PodMonitor that `podMonitorScrapeJob` reads. */
export interface PodMonitorObject {
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly selector: { readonly matchLabels?: Readonly<Record<string, string>> };
    readonly podMetricsEndpoints: readonly { readonly port: string; readonly path?: string }[];
    readonly podTargetLabels?: readonly string[];
  };
}

/** A Prometheus inside the real node's network namespace, at NODE_IP, where the Rollouts controller's pod reaches it. */
export interface NodePrometheus {
  /** `http://<NODE_IP>:<port>`: what the AnalysisTemplate's address is set to. */
  readonly url: string;
  readonly component: Component;
}

/**
 * Starts Debian's Prometheus inside the real node's network namespace, scraping every second the
 * pods that the PodMonitor file (as the project synthesizes it) selects, as the Prometheus Operator
 * would; the test writes no target or label of its own.
 */
export async function startPrometheusOnNode(
  node: RealNode,
  runDir: string,
  podMonitorFile: string,
  namespace: string,
  api: ApiServerAccess,
): Promise<NodePrometheus> {
  const binary = prometheusBinary();
  const dir = join(runDir, 'prometheus');
  mkdirSync(join(dir, 'data'), { recursive: true });
  const podMonitor = parse(readFileSync(podMonitorFile, 'utf8')) as PodMonitorObject;
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(
    configFile,
    stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s' },
      scrape_configs: [podMonitorScrapeJob(podMonitor, namespace, api)],
    }),
  );
  // The node's network namespace is the node's alone: any port is free there.
  const url = `http://${NODE_IP}:9090`;
  const component = node.startInside('prometheus', [
    binary,
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=${NODE_IP}:9090`,
    '--storage.tsdb.retention.time=1h',
  ]);
  await waitFor(
    'prometheus',
    `Prometheus ready on ${url}, inside the node`,
    async () => {
      if (component.exitStatus() !== undefined) throw new Error(`prometheus exited: ${component.exitStatus()}`);
      const ready = await node.exec('/usr/bin/env', [
        process.execPath,
        '-e',
        `fetch('${url}/-/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
      ]);
      return { done: ready.code === 0, seen: `exit ${ready.code}` };
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  return { url, component };
}
