import { ARGOCD_NAMESPACE } from './argocd.js';
import type { KubeApi } from './kube-api.js';

/** One resource as an Application's status lists it. */
export interface ApplicationResource {
  readonly group?: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly status?: string;
  readonly message?: string;
}

/** What the drill reads of a live Argo CD Application. */
export interface ApplicationObject {
  readonly metadata: { readonly name: string; readonly annotations?: Readonly<Record<string, string>> };
  readonly operation?: unknown;
  readonly status?: {
    readonly sync?: { readonly status?: string; readonly revision?: string };
    readonly health?: { readonly status?: string; readonly message?: string };
    readonly resources?: readonly ApplicationResource[];
    readonly conditions?: readonly { readonly type: string; readonly message: string }[];
    readonly operationState?: {
      readonly phase?: string;
      readonly message?: string;
      readonly retryCount?: number;
      /** What the operation syncs: `sync.revision` is the commit it resolved when it started. */
      readonly operation?: { readonly sync?: { readonly revision?: string } };
      readonly syncResult?: { readonly revision?: string; readonly resources?: readonly ApplicationResource[] };
    };
  };
}

/** The Applications in Argo CD's namespace, read through the API server. */
export class LiveApplications {
  /** @param kubectl runs kubectl against the cluster; throws on a non-zero exit */
  constructor(
    private readonly api: KubeApi,
    private readonly kubectl: (args: readonly string[]) => Promise<string>,
  ) {}

  public get(name: string): Promise<ApplicationObject | undefined> {
    return this.api.get<ApplicationObject>(`/apis/argoproj.io/v1alpha1/namespaces/${ARGOCD_NAMESPACE}/applications/${name}`);
  }

  /**
   * Asks Argo CD to compare an Application with Git now, as its Git webhook does on a push and the
   * UI's Refresh button does. v3.3.7 has no periodic refresh: it reconciles on events only.
   */
  public async refresh(name: string): Promise<void> {
    await this.kubectl([
      'annotate',
      'application',
      name,
      '--namespace',
      ARGOCD_NAMESPACE,
      '--overwrite',
      'argocd.argoproj.io/refresh=normal',
    ]);
  }

  /**
   * Ends the operation Argo CD is running on an Application, as `argocd app terminate-op` does: the
   * retry of a failed sync keeps the revision it started with, so a fix in Git waits for the
   * retries to run out unless someone ends them.
   */
  public async terminateOperation(name: string): Promise<void> {
    const patch = JSON.stringify({ status: { operationState: { phase: 'Terminating' } } });
    await this.kubectl(['patch', 'application', name, '--namespace', ARGOCD_NAMESPACE, '--type', 'merge', '--patch', patch]);
  }
}

/** `sync/health`, e.g. `Synced/Healthy`, or `absent`. */
export function syncAndHealth(app: ApplicationObject | undefined): string {
  if (!app) return 'absent';
  return `${app.status?.sync?.status ?? '-'}/${app.status?.health?.status ?? '-'}`;
}

/** One line for a failure message: sync, health, the operation and the conditions. */
export function describeApplication(app: ApplicationObject | undefined): string {
  if (!app) return 'absent';
  const operation = app.status?.operationState;
  const conditions = (app.status?.conditions ?? []).map((condition) => `${condition.type}: ${condition.message}`).join('; ');
  return (
    `${app.metadata.name} ${syncAndHealth(app)}` +
    (operation ? `, operation ${operation.phase} (retry ${operation.retryCount ?? 0}): ${operation.message ?? ''}` : ', no operation yet') +
    (conditions ? `, conditions: ${conditions}` : '')
  );
}
