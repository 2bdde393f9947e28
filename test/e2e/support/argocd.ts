import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import { freePort } from '../../service/service-process.js';
import { awaitCrdsEstablished } from './kube-api.js';
import { currentClusterAccess, writeKubeconfig } from './kubeconfig.js';
import type { Component, Supervisor } from './supervisor.js';
import { waitFor } from './wait.js';

/** The Argo CD release the product is built for; its module's manifests/ are what the suite installs. */
export const ARGOCD_MODULE = 'github.com/argoproj/argo-cd/v3@v3.3.7';

export const ARGOCD_NAMESPACE = 'argocd';

/** What the suite installs from the module's manifests/, relative to that folder. */
export const ARGOCD_MANIFESTS = {
  crds: ['crds/application-crd.yaml', 'crds/appproject-crd.yaml', 'crds/applicationset-crd.yaml'],
  /** The application controller's ServiceAccount, its Role in argocd and its cluster-wide role. */
  rbac: [
    'base/application-controller-roles/argocd-application-controller-sa.yaml',
    'base/application-controller-roles/argocd-application-controller-role.yaml',
    'base/application-controller-roles/argocd-application-controller-rolebinding.yaml',
    'cluster-rbac/application-controller/argocd-application-controller-clusterrole.yaml',
    'cluster-rbac/application-controller/argocd-application-controller-clusterrolebinding.yaml',
  ],
  config: [
    'base/config/argocd-cm.yaml',
    'base/config/argocd-cmd-params-cm.yaml',
    'base/config/argocd-rbac-cm.yaml',
    'base/config/argocd-secret.yaml',
    'base/config/argocd-gpg-keys-cm.yaml',
    'base/config/argocd-ssh-known-hosts-cm.yaml',
    'base/config/argocd-tls-certs-cm.yaml',
  ],
} as const;

export interface ArgoCdOptions {
  readonly supervisor: Supervisor;
  /** The admin's kubeconfig of the test cluster: it installs Argo CD and mints the controller's token. */
  readonly kubeconfig: string;
  /** `kubectl <args>` as the admin; throws on a non-zero exit. */
  readonly kubectl: (args: readonly string[]) => Promise<string>;
  /** The `argocd` multi-call binary's role links. */
  readonly binaries: { readonly applicationController: string; readonly repoServer: string };
  /** A folder holding `helm`, put first on repo-server's PATH. */
  readonly helmDir: string;
  /** PEM of the certificate the Git and chart repositories on 127.0.0.1 present: repo-server trusts it. */
  readonly repositoryCertificate: string;
  /**
   * `timeout.reconciliation`: how long a comparison with Git counts as fresh, and how long
   * repo-server caches what a branch points at. v3.3.7 does not refresh on it by itself: a refresh
   * comes from an event, a refresh request or a sync.
   * @default '10s'
   */
  readonly reconciliation?: string;
  readonly log: (line: string) => void;
}

export interface ArgoCd {
  readonly redis: Component;
  readonly repoServer: Component;
  readonly applicationController: Component;
}

/** The commands the GitOps drill runs that the toolchain does not build, with the Debian package of each. */
export const SYSTEM_COMMANDS = { 'redis-server': 'redis-server', openssl: 'openssl', git: 'git' } as const;

/** The commands of {@link SYSTEM_COMMANDS} that no folder of `PATH` holds. */
export function missingSystemCommands(path = process.env.PATH ?? ''): string[] {
  const folders = path.split(delimiter).filter((folder) => folder !== '');
  return Object.keys(SYSTEM_COMMANDS).filter((command) => !folders.some((folder) => isExecutable(join(folder, command))));
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The folder of Argo CD's module in Go's module cache, downloaded if it is not there. */
export function argoCdModuleDir(go = 'go'): string {
  return JSON.parse(execFileSync(go, ['mod', 'download', '-json', ARGOCD_MODULE], { encoding: 'utf8' })).Dir;
}

/**
 * Installs Argo CD into the test cluster from its module's manifests/ (CRDs, the application
 * controller's RBAC, the argocd-* ConfigMaps and Secret, and what argocd-server would add on its
 * first start: the `default` project and the server key), then starts Redis, repo-server and the application controller
 * as local processes on 127.0.0.1. The controller signs in with its ServiceAccount's token, and
 * `ARGOCD_FAKE_IN_CLUSTER` makes `https://kubernetes.default.svc` mean the test cluster. Resolves
 * once all three answer their health checks.
 */
export async function startArgoCd(options: ArgoCdOptions): Promise<ArgoCd> {
  const { supervisor, kubectl, log } = options;
  const dir = join(supervisor.runDir, 'argocd');
  mkdirSync(dir, { recursive: true });
  const manifests = join(argoCdModuleDir(), 'manifests');
  const files = (list: readonly string[]) => list.flatMap((file) => ['-f', join(manifests, file)]);

  log(`installing Argo CD from ${manifests}`);
  writeFileSync(join(dir, 'namespace.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ARGOCD_NAMESPACE } }));
  await kubectl(['apply', '-f', join(dir, 'namespace.json')]);
  // Server-side: the Application CRD is larger than client-side apply's last-applied annotation allows.
  await kubectl(['apply', '--server-side', '--force-conflicts', ...files(ARGOCD_MANIFESTS.crds)]);
  await awaitCrdsEstablished(kubectl, files(ARGOCD_MANIFESTS.crds), 'Argo CD');
  await kubectl(['apply', '--namespace', ARGOCD_NAMESPACE, ...files(ARGOCD_MANIFESTS.rbac), ...files(ARGOCD_MANIFESTS.config)]);
  writeFileSync(join(dir, 'default-project.json'), JSON.stringify(defaultProject()));
  await kubectl(['apply', '-f', join(dir, 'default-project.json')]);
  // argocd-server generates this key on its first start; the controller will not look up a cluster without it.
  const secretKey = JSON.stringify({ stringData: { 'server.secretkey': randomBytes(32).toString('base64') } });
  await kubectl(['patch', 'secret', 'argocd-secret', '--namespace', ARGOCD_NAMESPACE, '--type', 'merge', '--patch', secretKey]);

  const token = (
    await kubectl(['create', 'token', 'argocd-application-controller', '--namespace', ARGOCD_NAMESPACE, '--duration=24h'])
  ).trim();
  const access = currentClusterAccess(readFileSync(options.kubeconfig, 'utf8'), options.kubeconfig);
  const controllerKubeconfig = writeKubeconfig(
    join(dir, 'application-controller.kubeconfig'),
    { cluster: access.cluster, user: { token } },
    ['in-cluster'],
  );

  const tlsDir = join(dir, 'tls');
  mkdirSync(tlsDir, { recursive: true });
  // What argocd-tls-certs-cm mounts: one file per server name, here the loopback repositories'.
  writeFileSync(join(tlsDir, '127.0.0.1'), options.repositoryCertificate);

  const [redisPort, repoPort, repoMetricsPort, controllerMetricsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const reconciliation = options.reconciliation ?? '10s';
  // Only what the processes need: no proxy settings reach them, so nothing leaves 127.0.0.1.
  const baseEnv: NodeJS.ProcessEnv = {
    PATH: `${options.helmDir}:${process.env.PATH}`,
    HOME: dir,
    TMPDIR: mkdirIn(dir, 'tmp'),
    ARGOCD_RECONCILIATION_TIMEOUT: reconciliation,
    ARGOCD_RECONCILIATION_JITTER: '0s',
  };

  log('starting Redis, argocd-repo-server and argocd-application-controller');
  const redis = supervisor.start('redis', 'redis-server', [
    '--bind',
    '127.0.0.1',
    '--port',
    String(redisPort),
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    mkdirIn(dir, 'redis'),
  ]);
  await waitFor(
    'Argo CD',
    `Redis answering PING on 127.0.0.1:${redisPort}`,
    async () => {
      if (redis.exitStatus() !== undefined) throw new Error(`redis-server exited: ${redis.exitStatus()}`);
      const answer = await redisPing(redisPort);
      return { done: answer === '+PONG', seen: answer };
    },
    { timeoutMs: 30_000 },
  );

  const repoServer = supervisor.start(
    'argocd-repo-server',
    options.binaries.repoServer,
    [
      '--address=127.0.0.1',
      `--port=${repoPort}`,
      '--metrics-address=127.0.0.1',
      `--metrics-port=${repoMetricsPort}`,
      `--redis=127.0.0.1:${redisPort}`,
      '--disable-tls',
      '--logformat=text',
    ],
    {
      env: {
        ...baseEnv,
        ARGOCD_TLS_DATA_PATH: tlsDir,
        ARGOCD_GPG_ENABLED: 'false',
        // Sockets in a short folder: under a deep checkout's run folder their paths would be too long.
        ARGOCD_ASK_PASS_SOCK: join(supervisor.socketDir(), 'repo-server-askpass.sock'),
        ARGOCD_PLUGINSOCKFILEPATH: mkdirIn(supervisor.socketDir(), 'plugins'),
      },
    },
  );
  const applicationController = supervisor.start(
    'argocd-application-controller',
    options.binaries.applicationController,
    [
      `--namespace=${ARGOCD_NAMESPACE}`,
      `--repo-server=127.0.0.1:${repoPort}`,
      '--repo-server-plaintext',
      `--redis=127.0.0.1:${redisPort}`,
      `--metrics-port=${controllerMetricsPort}`,
      '--logformat=text',
    ],
    {
      env: { ...baseEnv, KUBECONFIG: controllerKubeconfig, ARGOCD_FAKE_IN_CLUSTER: 'true' },
    },
  );

  for (const [component, port] of [
    [repoServer, repoMetricsPort],
    [applicationController, controllerMetricsPort],
  ] as const) {
    await waitFor(
      'Argo CD',
      `${component.name} answering /healthz on 127.0.0.1:${port}`,
      async () => {
        if (component.exitStatus() !== undefined) throw new Error(`${component.name} exited: ${component.exitStatus()}`);
        const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5_000) });
        return { done: response.ok, seen: `HTTP ${response.status}` };
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  }
  return { redis, repoServer, applicationController };
}

/** The project every Argo CD install has, as argocd-server creates it on its first start. */
function defaultProject(): object {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: 'default', namespace: ARGOCD_NAMESPACE },
    spec: {
      sourceRepos: ['*'],
      destinations: [{ server: '*', namespace: '*' }],
      clusterResourceWhitelist: [{ group: '*', kind: '*' }],
    },
  };
}

function mkdirIn(dir: string, name: string): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  return path;
}

/** Sends PING and resolves with Redis's first reply line. */
function redisPing(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.setTimeout(2_000, () => socket.destroy(new Error('no answer within 2 s')));
    socket.once('data', (data) => {
      socket.end();
      resolve(data.toString('latin1').trim());
    });
    socket.once('error', reject);
  });
}
