/**
 * Watches one cluster's API server with @kubernetes/client-node's informers (a list, then a watch
 * from its resourceVersion), one per kind and namespace. While the server does not answer, the
 * last objects it returned stay, and the cluster says since when it is unreachable.
 */
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  ERROR,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
  type ObjectCache,
} from '@kubernetes/client-node';
import type { ClusterObjects } from './fleet-view.js';

/** Where Argo CD keeps its Applications. */
export const ARGOCD_NAMESPACE = 'argocd';

export interface ClusterWatchProps {
  /** A kube config whose current context reaches the cluster. */
  readonly kubeConfig: KubeConfig;
  /** The namespaces of the watched Rollouts. */
  readonly namespaces: readonly string[];
  /** Called after every change of the objects or of reachability. */
  readonly onChange: () => void;

  /**
   * Called with the error when the API server stops answering (once until it answers again).
   *
   * @default - not reported
   */
  readonly onUnreachable?: (message: string) => void;

  /**
   * The namespace of Argo CD's Applications.
   *
   * @default ARGOCD_NAMESPACE
   */
  readonly applicationNamespace?: string;

  /**
   * The wait before a failed watch is started again.
   *
   * @default 2000
   */
  readonly retryMs?: number;

  /**
   * The clock "unreachable since" reads.
   *
   * @default () => new Date()
   */
  readonly now?: () => Date;
}

type Kind = keyof ClusterObjects;

/** One informer's kind, path and list call. */
interface WatchTarget {
  readonly kind: Kind;
  readonly path: string;
  readonly list: () => Promise<KubernetesListObject<KubernetesObject>>;
}

/** One watched path: its informer, the objects it last held, and whether its last attempt failed. */
interface WatchedPath {
  readonly target: WatchTarget;
  informer?: Informer<KubernetesObject> & ObjectCache<KubernetesObject>;
  items: readonly KubernetesObject[];
  failing: boolean;
}

const ROLLOUTS_GROUP = { group: 'argoproj.io', version: 'v1alpha1' };

/** What the dashboard reads of one cluster: a {@link ClusterWatch}, or objects a test or benchmark holds. */
export interface ClusterSource {
  readonly objects: ClusterObjects;
  readonly unreachableSince?: string;
  start(): void;
  stop(): Promise<void>;
}

/** The objects of one cluster, kept current by watches. */
export class ClusterWatch implements ClusterSource {
  private readonly paths: WatchedPath[];
  private readonly props: ClusterWatchProps;
  private readonly retryMs: number;
  private readonly now: () => Date;
  private readonly retries = new Set<NodeJS.Timeout>();
  private stopped = false;
  private unreachable?: string;

  constructor(props: ClusterWatchProps) {
    this.props = props;
    this.retryMs = props.retryMs ?? 2000;
    this.now = props.now ?? (() => new Date());
    const core = props.kubeConfig.makeApiClient(CoreV1Api);
    const apps = props.kubeConfig.makeApiClient(AppsV1Api);
    const custom = props.kubeConfig.makeApiClient(CustomObjectsApi);
    const argo = (namespace: string, plural: string) => () =>
      custom.listNamespacedCustomObject({ ...ROLLOUTS_GROUP, namespace, plural }) as Promise<KubernetesListObject<KubernetesObject>>;
    const targets: WatchTarget[] = props.namespaces.flatMap((namespace): WatchTarget[] => [
      { kind: 'rollouts', path: `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/rollouts`, list: argo(namespace, 'rollouts') },
      {
        kind: 'analysisRuns',
        path: `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/analysisruns`,
        list: argo(namespace, 'analysisruns'),
      },
      {
        kind: 'replicaSets',
        path: `/apis/apps/v1/namespaces/${namespace}/replicasets`,
        list: () => apps.listNamespacedReplicaSet({ namespace }),
      },
      { kind: 'pods', path: `/api/v1/namespaces/${namespace}/pods`, list: () => core.listNamespacedPod({ namespace }) },
    ]);
    const applications = props.applicationNamespace ?? ARGOCD_NAMESPACE;
    targets.push({
      kind: 'applications',
      path: `/apis/argoproj.io/v1alpha1/namespaces/${applications}/applications`,
      list: argo(applications, 'applications'),
    });
    this.paths = targets.map((target) => ({ target, items: [], failing: false }));
  }

  /** The objects as last returned, grouped by kind. */
  public get objects(): ClusterObjects {
    const objects: Record<Kind, KubernetesObject[]> = { rollouts: [], replicaSets: [], pods: [], analysisRuns: [], applications: [] };
    for (const path of this.paths) objects[path.target.kind].push(...path.items);
    return objects as ClusterObjects;
  }

  /** When the API server stopped answering; `undefined` while every watch runs. */
  public get unreachableSince(): string | undefined {
    return this.unreachable;
  }

  /** Starts every watch; failures are retried until {@link stop}. */
  public start(): void {
    for (const path of this.paths) this.startPath(path);
  }

  public async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    await Promise.all(this.paths.map(async (path) => path.informer?.stop()));
  }

  private startPath(path: WatchedPath): void {
    if (this.stopped) return;
    // A new informer lists afresh: objects deleted while the cluster was away do not linger.
    const informer = makeInformer(this.props.kubeConfig, path.target.path, async () => {
      const list = await path.target.list();
      path.items = list.items;
      this.setFailing(path, false);
      return list;
    });
    path.informer = informer;
    const changed = () => {
      path.items = informer.list();
      this.props.onChange();
    };
    informer.on('add', changed);
    informer.on('update', changed);
    informer.on('delete', changed);
    informer.on(ERROR, (error: unknown) => {
      if (this.stopped || path.informer !== informer) return;
      if (this.unreachable === undefined) this.props.onUnreachable?.(describeError(error));
      this.setFailing(path, true);
      const timer = setTimeout(() => {
        this.retries.delete(timer);
        void informer.stop();
        this.startPath(path);
      }, this.retryMs);
      this.retries.add(timer);
    });
    informer.start().catch(() => {
      // The informer reports the same failure through its ERROR callback.
    });
  }

  private setFailing(path: WatchedPath, failing: boolean): void {
    path.failing = failing;
    if (this.paths.every((other) => !other.failing)) this.unreachable = undefined;
    else this.unreachable ??= this.now().toISOString();
    this.props.onChange();
  }
}

/**
 * One line for a failed list or watch: the API server's own message for an HTTP error (the
 * client's error spreads the response over several lines), else the error's first line.
 */
export function describeError(error: unknown): string {
  const { code, body } = (error ?? {}) as { code?: unknown; body?: unknown };
  if (typeof code === 'number') {
    let message: unknown;
    try {
      message = (JSON.parse(String(body)) as { message?: unknown }).message;
    } catch {
      // not a Status object: the code alone
    }
    return `HTTP ${code}${typeof message === 'string' ? `: ${message}` : ''}`;
  }
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
