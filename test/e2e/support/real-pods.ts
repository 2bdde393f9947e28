/** What the drills observe of pods that really run on the real node. */
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DrillCluster } from './drill-cluster.js';
import type { KubeApi } from './kube-api.js';
import { waitFor } from './wait.js';

/** The in-namespace client, beside this file; the suite runs from the project's folder. */
const CLIENT = join(process.cwd(), 'test', 'e2e', 'support', 'service-requests.cjs');

/** Answers to a bounded number of requests: how many carried each value of the field, and the failures by cause. */
export interface Answered {
  readonly sent: number;
  readonly answers: Readonly<Record<string, number>>;
  readonly failures: Readonly<Record<string, number>>;
  /** When the last answer with each value came, in epoch milliseconds. */
  readonly lastAt: Readonly<Record<string, number>>;
}

/** Requests `requestsThroughService` sends. */
export interface ServiceRequests {
  /** Path and query on the Service. */
  readonly path: string;
  /** The Service's port, by name. @default - its first port */
  readonly portName?: string;
  readonly count: number;
  /** Count the answers by this field of their JSON. @default - by HTTP status */
  readonly field?: string;
  /** POSTed as JSON. @default - a GET */
  readonly body?: unknown;
  /** Pause between requests. @default 0 */
  readonly intervalMs?: number;
  /** @default 60_000 */
  readonly deadlineMs?: number;
  /** Ends the requests sooner, after the one in flight; what was answered until then is counted. */
  readonly signal?: AbortSignal;
}

/**
 * Sends requests to a Service's cluster address from inside the real node's network namespace
 * (where that address exists), one at a time and each on a new connection so kube-proxy picks a pod
 * for each, and counts the answers. Bounded by count and deadline.
 */
export async function requestsThroughService(
  cluster: DrillCluster,
  namespace: string,
  service: string,
  requests: ServiceRequests,
): Promise<Answered> {
  const node = cluster.realNode;
  if (!node) throw new Error('requests through a Service need the real node: KWOK pods do not answer');
  const live = await cluster.api.get<{ spec: { clusterIP: string; ports: { port: number; name?: string }[] } }>(
    `/api/v1/namespaces/${namespace}/services/${service}`,
  );
  if (!live) throw new Error(`Service ${namespace}/${service} not found`);
  const port = live.spec.ports.find((candidate) => requests.portName === undefined || candidate.name === requests.portName);
  if (!port) throw new Error(`Service ${namespace}/${service} has no port named ${requests.portName}`);
  const url = `http://${live.spec.clusterIP}:${port.port}${requests.path}`;
  await awaitServiceRouting(cluster, namespace, service, requests.portName);
  const { signal, deadlineMs = 60_000, portName, ...rest } = requests;
  void portName;
  // The client stops when this file appears, and still prints what it counted.
  const stopFile = join(cluster.runDir, `stop-requests-${randomBytes(4).toString('hex')}`);
  const stop = () => writeFileSync(stopFile, '');
  signal?.addEventListener('abort', stop, { once: true });
  if (signal?.aborted) stop();
  const result = await node
    .exec(process.execPath, [CLIENT, JSON.stringify({ ...rest, url, deadlineMs, stopFile })], { timeoutMs: deadlineMs + 30_000 })
    .finally(() => {
      signal?.removeEventListener('abort', stop);
      rmSync(stopFile, { force: true });
    });
  const line = result.stdout.trim().split('\n').at(-1);
  if (!line?.startsWith('{')) throw new Error(`requests to ${url} from the node: exit ${result.code}: ${result.stderr.trim()}`);
  return JSON.parse(line) as Answered;
}

/**
 * Waits until the Service routes only to serving pods: its EndpointSlices list no endpoint that is
 * terminating or not ready (a pod scaled down drains for a while), and kube-proxy's rules in the
 * node hold exactly one destination per listed endpoint.
 */
async function awaitServiceRouting(cluster: DrillCluster, namespace: string, service: string, portName?: string): Promise<void> {
  // kube-proxy's rules name a Service's port `<namespace>/<service>:<port name>`: one DNAT rule per endpoint and port.
  const ruleName = portName === undefined ? `"${namespace}/${service}` : `"${namespace}/${service}:${portName}"`;
  await waitFor(
    'traffic',
    `Service ${namespace}/${service} routing only to ready pods, in the API server and in kube-proxy's rules`,
    async () => {
      const slices = await cluster.api.list<{
        endpoints?: { addresses: string[]; conditions?: { ready?: boolean; terminating?: boolean } }[];
      }>(`/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`, `kubernetes.io/service-name=${service}`);
      const endpoints = slices.flatMap((slice) => slice.endpoints ?? []);
      const serving = endpoints.filter((endpoint) => endpoint.conditions?.ready === true && endpoint.conditions.terminating !== true);
      const rules = await cluster.realNode!.exec('iptables-save', ['-t', 'nat']);
      const destinations = rules.stdout.split('\n').filter((line) => line.includes(ruleName) && line.includes('-j DNAT'));
      return {
        done: endpoints.length > 0 && serving.length === endpoints.length && destinations.length === endpoints.length,
        seen: `${serving.length} of ${endpoints.length} endpoints serving, ${destinations.length} DNAT rules`,
      };
    },
    { timeoutMs: 90_000, intervalMs: 250 },
  );
}

interface LivePod {
  readonly metadata: { readonly name: string };
  readonly status?: {
    readonly startTime?: string;
    readonly conditions?: readonly { readonly type: string; readonly status: string; readonly lastTransitionTime?: string }[];
    readonly containerStatuses?: readonly {
      readonly ready: boolean;
      readonly restartCount: number;
      readonly state?: { readonly waiting?: { readonly reason?: string } };
      readonly lastState?: { readonly terminated?: { readonly exitCode: number; readonly reason?: string } };
    }[];
  };
}

/** The longest time, over the namespace's Ready pods, from the pod's start to its Ready condition (whole seconds, as the API server keeps them). */
export async function podStartToReadySeconds(api: KubeApi, namespace: string): Promise<number> {
  const pods = await api.list<LivePod>(`/api/v1/namespaces/${namespace}/pods`);
  const seconds = pods.flatMap((pod) => {
    const ready = pod.status?.conditions?.find((condition) => condition.type === 'Ready' && condition.status === 'True');
    if (!ready?.lastTransitionTime || !pod.status?.startTime) return [];
    return [(Date.parse(ready.lastTransitionTime) - Date.parse(pod.status.startTime)) / 1000];
  });
  return Math.max(0, ...seconds);
}

/** The pods matching a label selector, with their containers' state. */
export function podsOf(api: KubeApi, namespace: string, selector: string): Promise<LivePod[]> {
  return api.list<LivePod>(`/api/v1/namespaces/${namespace}/pods`, selector);
}

/** The messages of the events about one object, oldest first. */
export async function eventsAbout(api: KubeApi, namespace: string, name: string): Promise<string[]> {
  const events = await api.list<{ reason?: string; message?: string; involvedObject: { name: string } }>(
    `/api/v1/namespaces/${namespace}/events`,
  );
  return events.filter((event) => event.involvedObject.name === name).map((event) => `${event.reason}: ${event.message}`);
}
