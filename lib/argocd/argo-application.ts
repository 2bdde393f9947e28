import { Construct } from 'constructs';
import {
  Application,
  type ApplicationSpecIgnoreDifferences,
  type ApplicationSpecSource,
  type ApplicationSpecSyncPolicyRetry,
} from '../../imports/argo-cd-application-argoproj.io.js';
import type { ResourceKind } from '../core/resource-kinds.js';

// CreateNamespace=true goes through the project check: the project must allow Namespace.
const NAMESPACE_KIND: ResourceKind = { group: '', kind: 'Namespace', namespaced: false };

/** The API server of the cluster Argo CD runs in. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

/** The Argo CD sync option that creates the destination namespace. */
export const CREATE_NAMESPACE = 'CreateNamespace=true';

/** The sync option that keeps a sync from undoing the fields `ignoreDifferences` names. */
export const RESPECT_IGNORE_DIFFERENCES = 'RespectIgnoreDifferences=true';

export interface ArgoApplicationProps {
  /** `metadata.name` of the Application. */
  readonly name: string;

  /**
   * The name of the AppProject the Application belongs to.
   *
   * @default 'default' - Argo CD's built-in project
   */
  readonly project?: string;

  /** Where Argo CD takes the manifests from. */
  readonly source: ApplicationSpecSource;

  /** The namespace the manifests are deployed to. */
  readonly destinationNamespace: string;

  /**
   * The cluster the manifests are deployed to.
   *
   * @default IN_CLUSTER_SERVER
   */
  readonly destinationServer?: string;

  /**
   * Namespace the Application object lives in: the one Argo CD watches.
   *
   * @default 'argocd'
   */
  readonly namespace?: string;

  /**
   * `argocd.argoproj.io/sync-wave`: orders creation among siblings; it does not wait for health.
   *
   * @default 0
   */
  readonly syncWave?: number;

  /**
   * Sync automatically, pruning objects removed from Git and undoing drift.
   *
   * @default true
   */
  readonly automated?: boolean;

  /**
   * `syncPolicy.syncOptions`, in the order given.
   *
   * @default - none
   */
  readonly syncOptions?: string[];

  /**
   * `syncPolicy.retry`: how a failed sync is retried.
   *
   * @default - no retry
   */
  readonly retry?: ApplicationSpecSyncPolicyRetry;

  /**
   * `spec.ignoreDifferences`: fields a controller owns, which Argo CD neither reports as drift nor
   * undoes (with the `RespectIgnoreDifferences=true` sync option).
   *
   * @default - none
   */
  readonly ignoreDifferences?: readonly ApplicationSpecIgnoreDifferences[];

  /** The kinds of the objects the Application deploys: its project's whitelists follow from them. */
  readonly deployedKinds: readonly ResourceKind[];
}

/**
 * An Argo CD Application with the platform's defaults: in-cluster destination, automated sync
 * with prune and self-heal, and a sync wave.
 */
export class ArgoApplication extends Construct {
  /** `metadata.name`. */
  public readonly name: string;
  /** The project's name: `default` when no managed project was given. */
  public readonly projectName: string;
  public readonly sourceRepoURL: string;
  public readonly destinationServer: string;
  public readonly destinationNamespace: string;
  public readonly syncOptions: readonly string[];
  /** The kinds this Application deploys, including `Namespace` when it creates its namespace. */
  public readonly deployedKinds: readonly ResourceKind[];

  constructor(scope: Construct, id: string, props: ArgoApplicationProps) {
    super(scope, id);
    this.name = props.name;
    this.projectName = props.project ?? 'default';
    this.sourceRepoURL = props.source.repoUrl;
    this.destinationServer = props.destinationServer ?? IN_CLUSTER_SERVER;
    this.destinationNamespace = props.destinationNamespace;
    this.syncOptions = props.syncOptions ?? [];
    const createsNamespace = this.syncOptions.includes(CREATE_NAMESPACE);
    this.deployedKinds = createsNamespace ? [...props.deployedKinds, NAMESPACE_KIND] : [...props.deployedKinds];

    const automated = props.automated ?? true;
    new Application(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.namespace ?? 'argocd',
        annotations: { 'argocd.argoproj.io/sync-wave': String(props.syncWave ?? 0) },
      },
      spec: {
        project: this.projectName,
        source: props.source,
        destination: { server: this.destinationServer, namespace: props.destinationNamespace },
        ignoreDifferences: props.ignoreDifferences && props.ignoreDifferences.length > 0 ? [...props.ignoreDifferences] : undefined,
        syncPolicy: {
          automated: automated ? { prune: true, selfHeal: true } : undefined,
          syncOptions: this.syncOptions.length > 0 ? [...this.syncOptions] : undefined,
          retry: props.retry,
        },
      },
    });
  }
}
