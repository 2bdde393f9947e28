import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadClusterOverlays } from '../../../lib/config/cluster-overlay.js';
import { WORKLOADS } from '../../../lib/workloads/all-workloads.js';
import { freePort } from '../../service/service-process.js';
import { type BinaryPaths, type ControlPlane, startControlPlane } from './control-plane.js';
import { awaitCrdsEstablished, KubeApi, kubectlOrThrow } from './kube-api.js';
import { currentClusterAccess, writeKubeconfig } from './kubeconfig.js';
import { leftovers, lookAtHost, ownLeftovers } from './host-hygiene.js';
import { ensureNodeImages, type ImageArchive, NodeImageError } from './node-images.js';
import { egressSocketOf, NODE_IP, newRealNodeId, type RealNode, RealNodeError, startRealNode } from './real-node.js';
import { kwokStages, readCrds, sharedDir } from './shared-inputs.js';
import { type Component, Supervisor } from './supervisor.js';
import { type Component as ToolchainComponent, defaultCacheDir, ensureToolchain, type Toolchain } from './toolchain.js';
import { waitFor } from './wait.js';

export interface DrillClusterOptions {
  /**
   * Context names the kubeconfig must have.
   * @default every overlay's `context`, from the working folder's overlays/
   */
  readonly contexts?: readonly string[];
  /**
   * A kubeconfig whose current context reaches a cluster to use instead of starting one.
   * @default - start a throwaway control plane
   */
  readonly externalKubeconfig?: string;
  /**
   * Where pods run: `real`, the real node (containerd, kubelet and kube-proxy in namespaces of
   * their own); `kwok`, one fake KWOK Node whose pods never run, for the named scale scenario only.
   * @default 'real'
   */
  readonly node?: 'real' | 'kwok';
  /**
   * The Argo CD Application whose Helm values install the Argo Rollouts chart on the real node.
   * @default the working folder's dist/aws/argocd/application-trinity-rollouts-aws.yaml
   */
  readonly rolloutsApplication?: string;
  /**
   * More images the real node imports beside its own (pause, Node 22, the Rollouts controller).
   * @default none
   */
  readonly images?: readonly ImageArchive[];
  /** Namespaces the drill owns: on a cluster the user named, they are deleted first, so the drill starts from nothing. */
  readonly namespaces: readonly string[];
  /**
   * Install Argo Rollouts: on the real node, the argo-rollouts chart with Helm and the project's
   * values (its CRDs and the controller as the chart's Deployment); otherwise its CRDs and the
   * controller as a local process. Without it the cluster waits for Argo CD to install the chart.
   * @default true
   */
  readonly installRollouts?: boolean;
  /**
   * Build Traefik and import its image (the Traefik chart's) into the real node; the drill installs
   * the chart with {@link DrillCluster.installChart}.
   * @default false
   */
  readonly traefik?: boolean;
  /**
   * Let the throwaway API server reach pods, Services and the kubelet on the real node through an
   * egress proxy inside the node (its pod and Service proxy, `kubectl logs`), as on a real cluster.
   * @default false
   */
  readonly apiServerReachesPods?: boolean;
  readonly log: (line: string) => void;
}

/** A cluster ready for the drill: Argo CD's and Argo Rollouts' CRDs Established, a Rollouts controller running. */
export interface DrillCluster {
  /** Where every component logs and the drill leaves its records. */
  readonly runDir: string;
  /** Its contexts are the overlays' contexts. */
  readonly kubeconfig: string;
  /** A folder holding only `kubectl` and `kubectl-argo-rollouts`: put it first on the drill's PATH. */
  readonly pathDir: string;
  readonly api: KubeApi;
  readonly supervisor: Supervisor;
  /** The throwaway control plane; undefined on a cluster the user named. */
  readonly controlPlane?: ControlPlane;
  /** The Rollouts controller the suite started as a process; undefined when it runs as a pod or the cluster runs its own. */
  readonly rolloutsController?: Component;
  /** The real node; undefined on KWOK or a cluster the user named. */
  readonly realNode?: RealNode;
  /** `kubectl --kubeconfig <kubeconfig> <args>`; throws on a non-zero exit. */
  readonly kubectl: (args: readonly string[]) => Promise<string>;
  /** Creates (or keeps) these namespaces, as Argo CD's CreateNamespace=true would for a workload. */
  createNamespaces(names: readonly string[]): Promise<void>;
  /**
   * `helm install` of the chart an Argo CD Application file names, from ../shared, with the Helm
   * values it carries; resolves once every Deployment of its namespace is Available.
   */
  installChart(application: string): Promise<void>;
  /** Starts the real Argo Rollouts controller process, once the cluster has its CRDs. */
  startRolloutsController(): Promise<Component>;
  /**
   * Stops every process the suite started and removes what the real node leaves; resolves with
   * whatever of a real node is still on the host (see host-hygiene.ts), one line each.
   */
  stop(): Promise<string[]>;
}

/** Where runs leave their logs, under the project's ignored test-output/. */
export function newRunDir(root = process.cwd()): string {
  const dir = resolve(root, 'test-output', 'e2e', `run-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Builds (or finds in the cache) the binaries, starts a throwaway control plane unless the user
 * named a cluster, installs the CRDs and starts the Rollouts controller. On any failure the
 * processes started so far are stopped before the error is passed on.
 */
export async function startDrillCluster(options: DrillClusterOptions): Promise<DrillCluster> {
  const { log } = options;
  const contexts = options.contexts ?? loadClusterOverlays(resolve('overlays'), 'overlays', WORKLOADS).map((overlay) => overlay.context);
  const crds = readCrds();
  const runDir = newRunDir();
  log(`run folder: ${runDir}`);
  const hostBefore = lookAtHost();
  const external = options.externalKubeconfig;
  const real = !external && (options.node ?? 'real') === 'real';
  const components: ToolchainComponent[] = external
    ? ['kubernetes', 'argo-rollouts']
    : real
      ? [
          'etcd',
          'kubernetes',
          'argo-rollouts',
          'pause',
          ...((options.installRollouts ?? true) || options.traefik ? (['helm'] as const) : []),
          ...(options.traefik ? (['traefik'] as const) : []),
        ]
      : ['etcd', 'kubernetes', 'kwok', 'argo-rollouts'];
  const toolchain = binaryPaths(await ensureToolchain<ToolchainComponent>({ components, log }));
  const supervisor = new Supervisor(runDir);
  try {
    const pathDir = join(runDir, 'bin');
    mkdirSync(pathDir);
    symlinkSync(toolchain.kubectl, join(pathDir, 'kubectl'));
    symlinkSync(toolchain['kubectl-argo-rollouts'], join(pathDir, 'kubectl-argo-rollouts'));

    const nodeId = newRealNodeId();
    const egress = real && options.apiServerReachesPods === true;
    let controlPlane: ControlPlane | undefined;
    let kubeconfig: string;
    if (external) {
      const flattened = execFileSync(toolchain.kubectl, ['--kubeconfig', external, 'config', 'view', '--raw', '--flatten', '--minify'], {
        encoding: 'utf8',
      });
      kubeconfig = writeKubeconfig(join(runDir, 'kubeconfig'), currentClusterAccess(flattened, `E2E_KUBECONFIG=${external}`), contexts);
    } else {
      controlPlane = await startControlPlane({
        binaries: toolchain,
        supervisor,
        contexts,
        node: real
          ? { real: { advertiseAddress: NODE_IP, ...(egress ? { egressSocket: egressSocketOf(nodeId) } : {}) } }
          : { kwokStages: kwokStages() },
        log,
      });
      kubeconfig = controlPlane.kubeconfig;
    }
    const kubectl = (args: readonly string[]) => kubectlOrThrow(toolchain.kubectl, kubeconfig, args);

    const proxyPort = await freePort();
    supervisor.start('kubectl-proxy', toolchain.kubectl, [
      `--kubeconfig=${kubeconfig}`,
      'proxy',
      '--address=127.0.0.1',
      `--port=${proxyPort}`,
    ]);
    const api = new KubeApi(`http://127.0.0.1:${proxyPort}`);
    await waitFor(
      'cluster',
      `kubectl proxy on 127.0.0.1:${proxyPort} answering /version`,
      async () => {
        const version = await api.get<{ gitVersion: string }>('/version');
        return { done: version !== undefined, seen: JSON.stringify(version) };
      },
      { timeoutMs: 30_000 },
    );

    if (external) {
      log(`deleting namespaces ${options.namespaces.join(', ')} left by an earlier run, if any`);
      await kubectl(['delete', 'namespace', ...options.namespaces, '--ignore-not-found', '--wait=true', '--timeout=180s']);
    }

    let realNode: RealNode | undefined;
    if (real) {
      const images = [
        ...ensureNodeImages({
          cacheDir: defaultCacheDir(),
          pause: toolchain.pause,
          rolloutsController: toolchain['rollouts-controller'],
          ...(options.traefik ? { traefik: toolchain.traefik } : {}),
          log,
        }),
        ...(options.images ?? []),
      ];
      realNode = await startRealNode({
        supervisor,
        binaries: toolchain,
        images,
        apiServerPort: controlPlane!.port,
        caFile: controlPlane!.caFile,
        token: controlPlane!.adminToken,
        kubectl,
        log,
        id: nodeId,
        serveEgress: egress,
      });
    }
    const installChart = (application: string) =>
      installChartApplication({ helm: toolchain.helm, kubeconfig, application, runDir, kubectl, log });

    const installRollouts = options.installRollouts ?? true;
    // On the real node the chart brings the Rollouts CRDs itself.
    const rolloutsCrds = installRollouts && !real;
    log(rolloutsCrds ? 'installing the Argo CD and Argo Rollouts CRDs' : 'installing the Argo CD CRDs');
    const crdFile = join(runDir, 'crds.yaml');
    writeFileSync(crdFile, [...crds.argocd, ...(rolloutsCrds ? crds.rollouts : [])].join('\n---\n'));
    // Server-side: the Rollout CRD is larger than client-side apply's last-applied annotation allows.
    await kubectl(['apply', '--server-side', '--force-conflicts', '-f', crdFile]);
    await awaitCrdsEstablished(kubectl, ['-f', crdFile], 'cluster');

    const startRolloutsController = async () => {
      log('starting the Argo Rollouts controller');
      const [metricsPort, healthzPort] = [await freePort(), await freePort()];
      return supervisor.start('rollouts-controller', toolchain['rollouts-controller'], [
        `--kubeconfig=${kubeconfig}`,
        '--leader-elect=false',
        `--metricsPort=${metricsPort}`,
        `--healthzPort=${healthzPort}`,
      ]);
    };
    let rolloutsController: Component | undefined;
    if (installRollouts && real) {
      await installChart(options.rolloutsApplication ?? resolve('dist', 'aws', 'argocd', 'application-trinity-rollouts-aws.yaml'));
    } else if (installRollouts && external && (await runsOwnRolloutsController(api))) {
      log('the cluster runs its own Argo Rollouts controller: using it');
    } else if (installRollouts) {
      rolloutsController = await startRolloutsController();
    }
    return {
      runDir,
      kubeconfig,
      pathDir,
      api,
      supervisor,
      controlPlane,
      rolloutsController,
      realNode,
      kubectl,
      createNamespaces: async (names) => {
        const file = join(runDir, 'namespaces.yaml');
        writeFileSync(file, names.map((name) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`).join('---\n'));
        await kubectl(['apply', '-f', file]);
      },
      installChart,
      startRolloutsController,
      stop: async () => {
        const ids = supervisor.ownedIds();
        await supervisor.stopAll();
        return ownLeftovers(leftovers(hostBefore, lookAtHost()), ids);
      },
    };
  } catch (error) {
    const tails = supervisor.logTails();
    await supervisor.stopAll();
    // The real node's own failures are one line: what failed and where its log is.
    if (error instanceof RealNodeError || error instanceof NodeImageError) throw error;
    if (error instanceof Error) error.message = `${error.message}\nlogs in ${runDir}\n${tails}`;
    throw error;
  }
}

/** The binaries a drill runs: the control plane's, the real node's, Helm, the Rollouts plugin and controller. */
type DrillBinaries = BinaryPaths &
  Readonly<Record<'kubectl-argo-rollouts' | 'rollouts-controller' | 'kubelet' | 'kube-proxy' | 'helm' | 'pause' | 'traefik', string>>;

/**
 * `helm install` of the chart an Argo CD Application names, from ../shared/charts/<chart>-<version>,
 * with the Helm values the Application carries, in its destination namespace; then waits for every
 * Deployment there to be Available: the chart's pods run as the chart makes them.
 */
async function installChartApplication(props: {
  helm: string;
  kubeconfig: string;
  application: string;
  runDir: string;
  kubectl: (args: readonly string[]) => Promise<string>;
  log: (line: string) => void;
}): Promise<void> {
  const application = parse(readFileSync(props.application, 'utf8'));
  const source = application?.spec?.source;
  const namespace = application?.spec?.destination?.namespace;
  if (typeof source?.chart !== 'string' || typeof namespace !== 'string') {
    throw new Error(`${props.application}: expected an Application of a Helm chart with a destination namespace`);
  }
  const chart = join(sharedDir(), 'charts', `${source.chart}-${source.targetRevision}`);
  const values = join(props.runDir, `${source.chart}-values.yaml`);
  writeFileSync(values, stringify(source.helm?.valuesObject ?? {}));
  props.log(`installing the ${source.chart} ${source.targetRevision} chart with Helm, values from ${props.application}`);
  const helmHome = join(props.runDir, 'helm');
  await new Promise<void>((done, fail) =>
    execFile(
      props.helm,
      ['install', source.helm?.releaseName ?? source.chart, chart, '--namespace', namespace, '--create-namespace', '--values', values],
      {
        env: {
          ...process.env,
          KUBECONFIG: props.kubeconfig,
          HELM_CACHE_HOME: helmHome,
          HELM_CONFIG_HOME: helmHome,
          HELM_DATA_HOME: helmHome,
        },
        timeout: 120_000,
      },
      (error, _stdout, stderr) =>
        error ? fail(new Error(`helm install of ${chart} failed: ${String(stderr).trim() || error.message}`)) : done(),
    ),
  );
  await props.kubectl(['wait', '--namespace', namespace, '--for=condition=Available', '--timeout=180s', 'deployment', '--all']);
}

/** The toolchain's binaries by name; a name it lacks is an error naming it. */
function binaryPaths(toolchain: Toolchain<ToolchainComponent>): DrillBinaries {
  const paths = toolchain as unknown as DrillBinaries & { readonly binDir: string };
  return new Proxy(paths, {
    get: (target, name: string) => {
      if (!(name in target)) throw new Error(`the e2e toolchain in ${target.binDir} has no ${name}`);
      return target[name as keyof DrillBinaries];
    },
  });
}

/** True when a pod of the Argo Rollouts chart's controller runs in the cluster. */
async function runsOwnRolloutsController(api: KubeApi): Promise<boolean> {
  const pods = await api.list<{ status?: { phase?: string } }>('/api/v1/pods', 'app.kubernetes.io/name=argo-rollouts');
  return pods.some((pod) => pod.status?.phase === 'Running');
}

/** Peak resident memory (VmHWM) of processes, in MiB, read from /proc while they still run. */
export function peakMemoryMiB(components: readonly Component[]): number {
  let kib = 0;
  for (const component of components) {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${component.pid}/status`, 'utf8'));
      if (match) kib += Number(match[1]);
    } catch {
      // exited: nothing to add
    }
  }
  return Math.round(kib / 1024);
}
