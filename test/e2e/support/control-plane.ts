import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { kubectlOrThrow } from './kube-api.js';
import { newRunCredentials, writeKubeconfig } from './kubeconfig.js';
import { freePort } from '../../service/service-process.js';
import type { Component, Supervisor } from './supervisor.js';
import { waitFor } from './wait.js';

/** Where each binary the control plane runs is. */
/** The binaries a control plane runs, by name. */
export type BinaryPaths = Readonly<
  Record<'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok' | 'kubectl', string>
>;

export interface ControlPlaneOptions {
  readonly binaries: BinaryPaths;
  readonly supervisor: Supervisor;
  /** Context names of the kubeconfig: every overlay's `context`. */
  readonly contexts: readonly string[];
  /**
   * Where pods run. `real`: the drills' real node, which the caller starts once this resolves; the
   * API server advertises that node's address, so the `kubernetes` Service leads pods to it.
   * `kwok`: KWOK's stage definitions (node-initialize, pod-ready, pod-complete, pod-delete) as
   * YAML; one fake Node whose pods turn Ready without running, for the named scale scenario only.
   * With `egressSocket`, the API server reaches pods, Services and the kubelet (its pod and Service
   * proxy, `kubectl logs`) through the HTTP CONNECT proxy the real node serves on that Unix socket.
   */
  readonly node: { readonly real: { readonly advertiseAddress: string; readonly egressSocket?: string } } | { readonly kwokStages: string };
  readonly log: (line: string) => void;
}

export interface ControlPlane {
  /** The admin kubeconfig: every context reaches this API server. */
  readonly kubeconfig: string;
  /** `https://127.0.0.1:<port>`. */
  readonly server: string;
  /** The control plane's own processes, for the memory figure. */
  readonly components: readonly Component[];
  /** The API server's port on 127.0.0.1. */
  readonly port: number;
  /** Its serving certificate with its CA: what clients trust. */
  readonly caFile: string;
  /** The admin's bearer token. */
  readonly adminToken: string;
}

/** The one fake Node; KWOK marks it Ready and plays its pods' lives. */
export const FAKE_NODE = 'kwok-node-0';

/**
 * Starts etcd, kube-apiserver, kube-controller-manager and kube-scheduler, all on 127.0.0.1 with
 * free ports and per-run credentials. Resolves once the API server is ready; with KWOK, once its
 * one fake Node is Ready.
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { binaries, supervisor, log } = options;
  const dir = join(supervisor.runDir, 'control-plane');
  mkdirSync(join(dir, 'certs'), { recursive: true });
  const credentials = newRunCredentials();
  const files = {
    tokens: join(dir, 'tokens.csv'),
    saKey: join(dir, 'service-account.key'),
    saPub: join(dir, 'service-account.pub'),
    kubeconfig: join(dir, 'kubeconfig'),
    kwokConfig: join(dir, 'kwok.yaml'),
    serving: join(dir, 'certs', 'apiserver.crt'),
    egress: join(dir, 'egress-selector.yaml'),
  };
  writeFileSync(files.tokens, credentials.tokenFile, { mode: 0o600 });
  writeFileSync(files.saKey, credentials.serviceAccountKey, { mode: 0o600 });
  writeFileSync(files.saPub, credentials.serviceAccountPublicKey);
  const real = 'real' in options.node ? options.node.real : undefined;
  if (real?.egressSocket) writeFileSync(files.egress, egressSelection(real.egressSocket));
  const [etcdClient, etcdPeer, apiserver, controllerManager, scheduler, kwok] = await Promise.all(Array.from({ length: 6 }, freePort));
  const components: Component[] = [];

  log('starting etcd');
  const etcdURL = `http://127.0.0.1:${etcdClient}`;
  const peerURL = `http://127.0.0.1:${etcdPeer}`;
  components.push(
    supervisor.start('etcd', binaries.etcd, [
      '--name=e2e',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdURL}`,
      `--advertise-client-urls=${etcdURL}`,
      `--listen-peer-urls=${peerURL}`,
      `--initial-advertise-peer-urls=${peerURL}`,
      `--initial-cluster=e2e=${peerURL}`,
      // A throwaway store: durability costs disk syncs and buys nothing here.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]),
  );

  log('starting kube-apiserver');
  const server = `https://127.0.0.1:${apiserver}`;
  components.push(
    supervisor.start('kube-apiserver', binaries['kube-apiserver'], [
      `--etcd-servers=${etcdURL}`,
      '--bind-address=127.0.0.1',
      // A real node reaches the API server at its own address, on this port (see real-node.ts).
      `--advertise-address=${real?.advertiseAddress ?? '127.0.0.1'}`,
      `--secure-port=${apiserver}`,
      // No --tls-cert-file: the API server writes a self-signed serving cert for 127.0.0.1 here.
      `--cert-dir=${join(dir, 'certs')}`,
      `--token-auth-file=${files.tokens}`,
      '--authorization-mode=RBAC',
      `--service-account-key-file=${files.saPub}`,
      `--service-account-signing-key-file=${files.saKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--service-cluster-ip-range=10.0.0.0/24',
      // Without a real node the default reconciler would publish 127.0.0.1 as the kubernetes
      // Service's endpoint, which validation refuses.
      ...(real ? [] : ['--endpoint-reconciler-type=none']),
      '--enable-priority-and-fairness=false',
      // It taints a new Node not-ready until the node lifecycle controller, not run here, lifts it.
      '--disable-admission-plugins=TaintNodesByCondition',
      '--profiling=false',
      // The node's name resolves nowhere: the egress proxy dials the kubelet at the node's address.
      ...(real?.egressSocket ? [`--egress-selector-config-file=${files.egress}`, '--kubelet-preferred-address-types=InternalIP'] : []),
    ]),
  );
  await waitFor(
    'control plane',
    `kube-apiserver on ${server} answering /readyz with ok`,
    async () => {
      const apiserverExit = components[1]?.exitStatus();
      if (apiserverExit !== undefined) throw new Error(`kube-apiserver exited: ${apiserverExit}`);
      if (!existsSync(files.serving)) return { done: false, seen: `no serving certificate in ${files.serving} yet` };
      const answer = await httpsGet(`${server}/readyz`, credentials.adminToken, readFileSync(files.serving));
      return { done: answer.status === 200, seen: `HTTP ${answer.status}: ${answer.body.slice(0, 200)}` };
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );

  writeKubeconfig(
    files.kubeconfig,
    { cluster: { server, 'certificate-authority': files.serving }, user: { token: credentials.adminToken } },
    options.contexts,
  );

  log(`starting kube-controller-manager and kube-scheduler${real ? '' : ' and KWOK'}`);
  components.push(
    supervisor.start('kube-controller-manager', binaries['kube-controller-manager'], [
      `--kubeconfig=${files.kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${controllerManager}`,
      `--cert-dir=${join(dir, 'certs', 'controller-manager')}`,
      '--leader-elect=false',
      // Only what the drills need: ReplicaSets, Deployments (the Rollouts chart's, whose status Argo CD
      // reads for health), default ServiceAccounts for pods, owner-based deletion; for a real node
      // the EndpointSlices kube-proxy routes Services by, and the CA pods trust the API server with.
      `--controllers=${[
        'replicaset-controller',
        'deployment-controller',
        'serviceaccount-controller',
        'garbage-collector-controller',
        ...(real ? ['endpointslice-controller', 'root-ca-certificate-publisher-controller'] : []),
      ].join(',')}`,
      `--service-account-private-key-file=${files.saKey}`,
      `--root-ca-file=${files.serving}`,
    ]),
    supervisor.start('kube-scheduler', binaries['kube-scheduler'], [
      `--kubeconfig=${files.kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${scheduler}`,
      `--cert-dir=${join(dir, 'certs', 'scheduler')}`,
      '--leader-elect=false',
    ]),
  );
  const done: ControlPlane = {
    kubeconfig: files.kubeconfig,
    server,
    components,
    port: apiserver!,
    caFile: files.serving,
    adminToken: credentials.adminToken,
  };
  if (!('kwokStages' in options.node)) return done;

  writeFileSync(files.kwokConfig, options.node.kwokStages);
  components.push(
    supervisor.start('kwok', binaries.kwok, [
      `--kubeconfig=${files.kubeconfig}`,
      `--config=${files.kwokConfig}`,
      '--manage-all-nodes=true',
      `--server-address=127.0.0.1:${kwok}`,
      '--node-ip=127.0.0.2',
    ]),
  );

  const kubectl = binaries.kubectl;
  writeFileSync(join(dir, 'node.json'), JSON.stringify(fakeNode()));
  await kubectlOrThrow(kubectl, files.kubeconfig, ['create', '-f', join(dir, 'node.json')]);
  await waitFor(
    'control plane',
    `Node ${FAKE_NODE} Ready (KWOK's node-initialize stage)`,
    async () => {
      const node = JSON.parse(await kubectlOrThrow(kubectl, files.kubeconfig, ['get', 'node', FAKE_NODE, '-o', 'json']));
      const ready = (node.status?.conditions ?? []).find((condition: { type: string }) => condition.type === 'Ready');
      return { done: ready?.status === 'True', seen: `Ready condition: ${ready ? ready.status : 'none'}` };
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  return done;
}

/** The API server's egress to the cluster (not to etcd or its own control plane) through an HTTP CONNECT proxy on a Unix socket. */
function egressSelection(socket: string): string {
  return JSON.stringify({
    apiVersion: 'apiserver.k8s.io/v1beta1',
    kind: 'EgressSelectorConfiguration',
    egressSelections: [{ name: 'cluster', connection: { proxyProtocol: 'HTTPConnect', transport: { uds: { udsName: socket } } } }],
  });
}

/** The fake Node, with the capacity a small real one reports. */
function fakeNode(): object {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: FAKE_NODE,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { 'kubernetes.io/hostname': FAKE_NODE, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' },
    },
    status: {
      allocatable: { cpu: '8', memory: '32Gi', pods: '110' },
      capacity: { cpu: '8', memory: '32Gi', pods: '110' },
    },
  };
}

function httpsGet(url: string, token: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}` }, ca, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}
