/**
 * A real Kubernetes node for the drills: containerd, the kubelet and kube-proxy in a network and a
 * mount namespace of their own, so that pod and Service addresses, firewall rules, pod mounts and
 * the node's fixed paths exist only there and the host's network is never touched.
 *
 * The namespaces belong to one holder process (`unshare ... sleep`); every other node process
 * joins them with `nsenter`. Every node process, and every container it starts, lives in one
 * cgroup tree of the node's own, so stopping the node kills exactly those PIDs and removes exactly
 * those cgroups, also from the reaper when the test runner dies.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ImageArchive } from './node-images.js';
import type { Component, Supervisor } from './supervisor.js';
import { waitFor, WaitEnded } from './wait.js';

/** The support folder; the suite runs from the project's folder (and a bundled entry point has no folder of its own). */
const SUPPORT = join(process.cwd(), 'test', 'e2e', 'support');
const { cgroupPaths, sweepCgroups } = createRequire(join(SUPPORT, 'real-node.ts'))('./cgroup-sweep.cjs') as {
  cgroupPaths: (name: string) => string[];
  sweepCgroups: (name: string) => string[];
};

/** The forwarder script, beside this file. */
const FORWARD = join(SUPPORT, 'forward.cjs');
/** The API server's way in: an HTTP CONNECT proxy, beside this file. */
const CONNECT_PROXY = join(SUPPORT, 'connect-proxy.cjs');

/** A new node's id: its folder is `/tmp/trn-<id>`, its cgroup `trinity-e2e-<id>`. */
export function newRealNodeId(): string {
  return randomBytes(4).toString('hex');
}

/** The Unix socket on which the node with this id serves the API server's egress (`serveEgress`). */
export function egressSocketOf(id: string): string {
  return `/tmp/trn-${id}/egress.sock`;
}

/** The Node object's name. */
export const NODE_NAME = 'trinity-node';
/** The node's address: it exists only inside the node's network namespace. */
export const NODE_IP = '10.201.0.1';
/** The pods' addresses, on the node's bridge. */
export const POD_CIDR = '10.244.0.0/24';

/**
 * What the kubelet sets for the whole machine (its "kernel tunables"): inside the node's mount
 * namespace each of these files is a copy, so the kubelet writes there and the machine keeps its values.
 */
export const SHIELDED_SYSCTLS = [
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
  'vm/overcommit_memory',
  'vm/panic_on_oom',
] as const;

export interface RealNodeProps {
  readonly supervisor: Supervisor;
  readonly binaries: Readonly<Record<'kubelet' | 'kube-proxy', string>>;
  /** Imported into the node's containerd before the kubelet starts. */
  readonly images: readonly ImageArchive[];
  /** The API server's port on the host's 127.0.0.1; inside the node it is `NODE_IP:<port>`. */
  readonly apiServerPort: number;
  /** The API server's serving certificate (with its CA), trusted by the node. */
  readonly caFile: string;
  /** A token the kubelet and kube-proxy sign in with. */
  readonly token: string;
  /** `kubectl <args>` against the control plane, as its admin. */
  readonly kubectl: (args: readonly string[]) => Promise<string>;
  readonly log: (line: string) => void;
  /**
   * The node's id, chosen beforehand when the API server must know {@link egressSocketOf} it.
   * @default - a new one
   */
  readonly id?: string;
  /**
   * Serve the API server's egress to the cluster on {@link egressSocketOf}: an HTTP CONNECT proxy
   * inside the node's network namespace, so the API server's pod and Service proxy reach pods, and
   * the kubelet takes the API server's anonymous calls (`kubectl logs`).
   * @default false
   */
  readonly serveEgress?: boolean;
}

/** The real node cannot start: the message is one line saying why. */
export class RealNodeError extends WaitEnded {
  constructor(message: string) {
    super(message);
    this.name = 'RealNodeError';
  }
}

/** A running real node. */
export interface RealNode {
  readonly name: string;
  /** Its private folder: sockets and configuration, short enough for any Unix socket path. */
  readonly dir: string;
  /** The name of its cgroup at the root of every hierarchy. */
  readonly cgroup: string;
  /** The processes of the node side, for their logs. */
  readonly components: readonly Component[];
  /** Seconds from starting the kubelet (containerd already running with the images) to the Node Ready. */
  readonly readySeconds: number;
  /**
   * `command args` inside the node's network namespace (the host's files): a client of pods and
   * Services. Bounded by `timeoutMs`; `signal` ends it sooner.
   */
  exec(
    command: string,
    args: readonly string[],
    options?: { readonly timeoutMs?: number; readonly signal?: AbortSignal },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Starts a process of the supervisor's inside the node's network namespace and cgroup: a server pods reach at NODE_IP. */
  startInside(name: string, command: readonly string[]): Component;
  /** Peak memory of every process of the node side, pods included, in MiB (its cgroup's high-water mark). */
  peakMemoryMiB(): number;
  /** Kills what is left in its cgroups and removes them and its folder; returns what could not be removed. */
  sweep(): string[];
}

/**
 * Starts a real node and resolves once the API server reports it Ready. Its processes are the
 * supervisor's; `sweep()` (also run by the supervisor's stop and its reaper) removes the rest.
 */
export async function startRealNode(props: RealNodeProps): Promise<RealNode> {
  const { supervisor, log } = props;
  const id = props.id ?? newRealNodeId();
  const dir = `/tmp/trn-${id}`;
  const cgroup = `trinity-e2e-${id}`;
  mkdirSync(dir, { mode: 0o700 });
  supervisor.ownNodeResources(cgroup, dir, () => sweepCgroups(cgroup));

  createCgroups(cgroup);
  const files = writeNodeFiles(dir, cgroup, props);
  // Every node process joins the node's own cgroup before it runs, so none escapes the sweep.
  const joinCgroups = cgroupPaths(cgroup)
    .map((path) => `echo $$ > ${join(path, 'node', 'cgroup.procs')}`)
    .join(' && ');
  let holder = 0;
  const startInNode = (name: string, namespaces: string, command: readonly string[]): Component => {
    const entry = holder === 0 ? command : ['nsenter', `--target=${holder}`, ...namespaces.split(' '), '--', ...command];
    return supervisor.start(name, '/bin/sh', ['-c', `${joinCgroups} && exec "$@"`, 'sh', ...entry]);
  };

  const namespaces = startInNode('node-namespaces', '', ['unshare', '--net', '--mount', '--propagation', 'private', 'sleep', 'infinity']);
  holder = namespaces.pid;
  await waitFor(
    'real node',
    `process ${holder} in network and mount namespaces of its own`,
    () => {
      if (namespaces.exitStatus() !== undefined) throw new RealNodeError(`unshare exited: ${namespaces.exitStatus()}`);
      const own = (kind: string) => readlinkSync(`/proc/${holder}/ns/${kind}`) !== readlinkSync(`/proc/self/ns/${kind}`);
      return { done: own('net') && own('mnt'), seen: `net ${readlinkSync(`/proc/${holder}/ns/net`)}` };
    },
    { timeoutMs: 10_000, intervalMs: 50 },
  );
  const inNode = (command: string, args: readonly string[], timeoutMs = 60_000) =>
    run('nsenter', [`--target=${holder}`, '--net', '--mount', '--', command, ...args], timeoutMs);
  const setup = await inNode('/bin/sh', ['-ec', setupScript(files.sysctlDir)]);
  if (setup.code !== 0) throw new RealNodeError(`e2e: the real node's namespaces could not be set up: ${lastLine(setup.stderr)}`);

  const components: Component[] = [namespaces];
  const both = '--net --mount';
  components.push(startInNode('containerd', both, ['containerd', `--config=${files.containerd}`]));
  await waitFor(
    'real node',
    `containerd answering on ${files.containerdSocket}`,
    async () => {
      const exit = components[1]!.exitStatus();
      if (exit !== undefined) throw new RealNodeError(`e2e: containerd exited (${exit}); see ${components[1]!.logFile}`);
      const version = await inNode('ctr', ['--address', files.containerdSocket, 'version'], 5_000);
      return { done: version.code === 0, seen: lastLine(version.stderr) };
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  for (const image of props.images) {
    const imported = await inNode(
      'ctr',
      ['--address', files.containerdSocket, '--namespace', 'k8s.io', 'images', 'import', image.archive],
      120_000,
    );
    if (imported.code !== 0)
      throw new RealNodeError(`e2e: importing ${image.name} into the node's containerd failed: ${lastLine(imported.stderr)}`);
  }
  log(`real node: containerd runs with ${props.images.map((image) => image.name).join(', ')}`);

  // The API server on the host's 127.0.0.1, reached from the node's NODE_IP through a Unix socket.
  components.push(
    supervisor.start('apiserver-forward-host', process.execPath, [
      FORWARD,
      `unix:${files.apiSocket}`,
      `tcp:127.0.0.1:${props.apiServerPort}`,
    ]),
  );
  await awaitLogLine(components.at(-1)!, 'listening');
  components.push(
    startInNode('apiserver-forward-node', '--net', [
      process.execPath,
      FORWARD,
      `tcp:${NODE_IP}:${props.apiServerPort}`,
      `unix:${files.apiSocket}`,
    ]),
  );
  await awaitLogLine(components.at(-1)!, 'listening');
  if (props.serveEgress) {
    components.push(startInNode('apiserver-egress', '--net', [process.execPath, CONNECT_PROXY, egressSocketOf(id)]));
    await awaitLogLine(components.at(-1)!, 'listening');
  }

  const kubeletStartedAt = Date.now();
  components.push(
    startInNode('kubelet', both, [
      props.binaries.kubelet,
      `--config=${files.kubelet}`,
      `--kubeconfig=${files.kubeconfig}`,
      `--hostname-override=${NODE_NAME}`,
      `--node-ip=${NODE_IP}`,
      `--cert-dir=${join(dir, 'kubelet-pki')}`,
    ]),
    startInNode('kube-proxy', both, [props.binaries['kube-proxy'], `--config=${files.kubeProxy}`]),
  );
  await waitFor(
    'real node',
    `Node ${NODE_NAME} Ready`,
    async () => {
      for (const component of components) {
        if (component.exitStatus() !== undefined) {
          throw new RealNodeError(`e2e: the real node's ${component.name} exited (${component.exitStatus()}); see ${component.logFile}`);
        }
      }
      const node = JSON.parse((await props.kubectl(['get', 'nodes', '-o', 'json'])) || '{}');
      const ours = (node.items ?? []).find((item: { metadata: { name: string } }) => item.metadata.name === NODE_NAME);
      const ready = ours?.status?.conditions?.find((condition: { type: string }) => condition.type === 'Ready');
      return { done: ready?.status === 'True', seen: ready ? `Ready ${ready.status}: ${ready.message}` : 'not registered yet' };
    },
    { timeoutMs: 90_000, intervalMs: 250 },
  );
  log(`real node: ${NODE_NAME} Ready`);
  return {
    name: NODE_NAME,
    dir,
    cgroup,
    components,
    readySeconds: (Date.now() - kubeletStartedAt) / 1000,
    exec: (command, args, options = {}) =>
      run('nsenter', [`--target=${holder}`, '--net', '--', command, ...args], options.timeoutMs, options.signal),
    startInside: (name, command) => startInNode(name, '--net', command),
    peakMemoryMiB: () => peakMemoryMiB(cgroup),
    sweep: () => sweepCgroups(cgroup),
  };
}

/** The node's cgroup, and its `node` child for the node's own processes, in every hierarchy. */
function createCgroups(name: string): void {
  const unified = existsSync('/sys/fs/cgroup/cgroup.controllers');
  const hierarchies = unified
    ? ['/sys/fs/cgroup']
    : readdirSync('/sys/fs/cgroup')
        .map((entry) => join('/sys/fs/cgroup', entry))
        .filter((path) => existsSync(join(path, 'cgroup.procs')));
  for (const hierarchy of hierarchies) {
    const root = join(hierarchy, name);
    mkdirSync(join(root, 'node'), { recursive: true });
    if (unified) {
      const controllers = readFileSync(join(hierarchy, 'cgroup.subtree_control'), 'utf8').trim().split(/\s+/).filter(Boolean);
      writeFileSync(join(root, 'cgroup.subtree_control'), controllers.map((controller) => `+${controller}`).join(' '));
    }
    // A cpuset cgroup takes no process until it has CPUs and memory nodes: its parent's.
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (!existsSync(join(hierarchy, file))) continue;
      const value = readFileSync(join(hierarchy, file), 'utf8');
      writeFileSync(join(root, file), value);
      writeFileSync(join(root, 'node', file), value);
    }
  }
}

/** High-water mark of the node's memory cgroup (v1), or its peak (v2), in MiB. */
function peakMemoryMiB(cgroup: string): number {
  for (const file of [`/sys/fs/cgroup/memory/${cgroup}/memory.max_usage_in_bytes`, `/sys/fs/cgroup/${cgroup}/memory.peak`]) {
    if (existsSync(file)) return Math.round(Number(readFileSync(file, 'utf8').trim()) / 1024 / 1024);
  }
  return 0;
}

/**
 * Inside the namespaces: private /run, /var/lib and /var/log (the runtime's, CNI's and the
 * kubelet's fixed paths), the kubelet's kernel tunables shielded, loopback up, the node address on
 * an interface of its own, and forwarding on for the pods.
 */
function setupScript(sysctlDir: string): string {
  return [
    'for path in /run /var/lib /var/log; do mount -t tmpfs -o mode=0755 trinity-node "$path"; done',
    'mkdir -p /run/netns',
    ...SHIELDED_SYSCTLS.map((sysctl) => `mount --bind ${join(sysctlDir, sysctl.replace(/\//g, '.'))} /proc/sys/${sysctl}`),
    'ip link set lo up',
    // No dummy interface on every kernel; ifb holds an address just as well.
    `ip link add node0 type ifb && ip addr add ${NODE_IP}/32 dev node0 && ip link set node0 up`,
    // A route for Service addresses, so a client in the namespace gets as far as kube-proxy's DNAT.
    'ip route add default dev node0',
    'echo 1 > /proc/sys/net/ipv4/ip_forward',
  ].join('\n');
}

interface NodeFiles {
  readonly containerd: string;
  readonly containerdSocket: string;
  readonly apiSocket: string;
  readonly kubeconfig: string;
  readonly kubelet: string;
  readonly kubeProxy: string;
  readonly sysctlDir: string;
}

function writeNodeFiles(dir: string, cgroup: string, props: RealNodeProps): NodeFiles {
  const files: NodeFiles = {
    containerd: join(dir, 'containerd.toml'),
    containerdSocket: join(dir, 'containerd.sock'),
    apiSocket: join(dir, 'apiserver.sock'),
    kubeconfig: join(dir, 'kubeconfig'),
    kubelet: join(dir, 'kubelet.yaml'),
    kubeProxy: join(dir, 'kube-proxy.yaml'),
    sysctlDir: join(dir, 'sysctl'),
  };
  mkdirSync(join(dir, 'cni'));
  mkdirSync(files.sysctlDir);
  for (const sysctl of SHIELDED_SYSCTLS) {
    writeFileSync(join(files.sysctlDir, sysctl.replace(/\//g, '.')), readFileSync(`/proc/sys/${sysctl}`));
  }
  writeFileSync(files.containerd, containerdConfig(dir, files.containerdSocket));
  writeFileSync(
    join(dir, 'cni', '10-trinity.conflist'),
    JSON.stringify({
      cniVersion: '1.0.0',
      name: 'trinity',
      plugins: [
        {
          type: 'bridge',
          bridge: 'cni0',
          isGateway: true,
          hairpinMode: true,
          ipam: { type: 'host-local', ranges: [[{ subnet: POD_CIDR }]], routes: [{ dst: '0.0.0.0/0' }] },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    }),
  );
  writeFileSync(
    files.kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'e2e', cluster: { server: `https://${NODE_IP}:${props.apiServerPort}`, 'certificate-authority': props.caFile } }],
      users: [{ name: 'node', user: { token: props.token } }],
      contexts: [{ name: 'node', context: { cluster: 'e2e', user: 'node' } }],
      'current-context': 'node',
    }),
    { mode: 0o600 },
  );
  writeFileSync(join(dir, 'resolv.conf'), '');
  writeFileSync(
    files.kubelet,
    stringify({
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      cgroupDriver: 'cgroupfs',
      cgroupRoot: `/${cgroup}`,
      failCgroupV1: false,
      failSwapOn: false,
      containerRuntimeEndpoint: `unix://${files.containerdSocket}`,
      address: NODE_IP,
      readOnlyPort: 0,
      healthzBindAddress: '127.0.0.1',
      // The API server calls the kubelet with no client certificate; it reaches it only through the egress proxy.
      authentication: { anonymous: { enabled: props.serveEgress === true }, webhook: { enabled: false } },
      authorization: { mode: 'AlwaysAllow' },
      resolvConf: join(dir, 'resolv.conf'),
      // A test node: no image garbage collection, no eviction for a full disk.
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
      evictionHard: { 'memory.available': '1Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
      serializeImagePulls: false,
      nodeStatusUpdateFrequency: '5s',
    }),
  );
  writeFileSync(
    files.kubeProxy,
    stringify({
      apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
      kind: 'KubeProxyConfiguration',
      clientConnection: { kubeconfig: files.kubeconfig },
      mode: 'iptables',
      hostnameOverride: NODE_NAME,
      clusterCIDR: POD_CIDR,
      // Pods on one bridge without br_netfilter's help: replies must come back through the node.
      iptables: { masqueradeAll: true, minSyncPeriod: '0s' },
      // Leave the machine-wide conntrack table size alone.
      conntrack: { maxPerCore: 0, min: 0 },
      metricsBindAddress: '127.0.0.1:10249',
      healthzBindAddress: '127.0.0.1:10256',
    }),
  );
  return files;
}

function containerdConfig(dir: string, socket: string): string {
  return `version = 2
root = "${dir}/containerd/root"
state = "${dir}/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "${socket}"
[ttrpc]
  address = "${socket}.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10.1"
  # Without it every sandbox dies with "can't get final child's PID from pipe".
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${dir}/cni"
`;
}

async function awaitLogLine(component: Component, text: string): Promise<void> {
  await waitFor(
    'real node',
    `${component.name} printing "${text}"`,
    () => {
      if (component.exitStatus() !== undefined) throw new RealNodeError(`e2e: ${component.name} exited (${component.exitStatus()})`);
      const log = existsSync(component.logFile) ? readFileSync(component.logFile, 'utf8') : '';
      return { done: log.includes(text), seen: lastLine(log) };
    },
    { timeoutMs: 10_000, intervalMs: 50 },
  );
}

function run(
  command: string,
  args: readonly string[],
  timeoutMs = 60_000,
  signal?: AbortSignal,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, [...args], { timeout: timeoutMs, signal, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (error && code === -1 ? error.message : '') });
    });
  });
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .at(-1) ?? '(nothing)'
  );
}
