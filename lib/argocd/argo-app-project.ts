import { Construct } from 'constructs';
import { AppProject } from '../../imports/argo-cd-appproject-argoproj.io.js';
import { compareStrings } from '../util/stable-order.js';
import { DERIVED_PROJECT_NAME } from '../core/application-names.js';
import type { ArgoApplication } from './argo-application.js';
import { formatKind, type ResourceKind, uniqueKinds } from '../core/resource-kinds.js';

export interface ArgoAppProjectProps {
  /**
   * `metadata.name`; every Application in `applications` must name it as its project.
   *
   * @default 'trinity'
   */
  readonly name?: string;

  /**
   * Namespace the AppProject lives in: the one Argo CD watches.
   *
   * @default 'argocd'
   */
  readonly namespace?: string;

  /**
   * `argocd.argoproj.io/sync-wave`: the project must exist before its Applications.
   *
   * @default -1
   */
  readonly syncWave?: number;

  /** The Applications in this project. Its permissions are exactly what they need. */
  readonly applications: readonly ArgoApplication[];

  /**
   * `spec.description`.
   *
   * @default - none
   */
  readonly description?: string;
}

/** What an AppProject permits, as emitted. */
export interface ProjectPermissions {
  readonly sourceRepos: readonly string[];
  readonly destinations: readonly { server: string; namespace: string }[];
  readonly clusterResourceWhitelist: readonly ResourceKind[];
  readonly namespaceResourceWhitelist: readonly ResourceKind[];
}

/**
 * An Argo CD AppProject whose permissions follow from its Applications: the repositories they
 * pull, the namespaces they deploy to, and the kinds they deploy, each split by scope into
 * `clusterResourceWhitelist` and `namespaceResourceWhitelist`.
 */
export class ArgoAppProject extends Construct {
  public readonly name: string;
  public readonly permissions: ProjectPermissions;
  private readonly applications: readonly ArgoApplication[];

  constructor(scope: Construct, id: string, props: ArgoAppProjectProps) {
    super(scope, id);
    this.name = props.name ?? DERIVED_PROJECT_NAME;
    this.applications = props.applications;
    this.permissions = derivePermissions(props.applications);
    const { sourceRepos, destinations, clusterResourceWhitelist, namespaceResourceWhitelist } = this.permissions;

    new AppProject(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: props.namespace ?? 'argocd',
        annotations: { 'argocd.argoproj.io/sync-wave': String(props.syncWave ?? -1) },
      },
      spec: {
        description: props.description,
        sourceRepos: [...sourceRepos],
        destinations: destinations.map((destination) => ({ ...destination })),
        // An explicit empty list denies every kind, so an empty whitelist is left out.
        clusterResourceWhitelist: clusterResourceWhitelist.length > 0 ? clusterResourceWhitelist.map(groupKind) : undefined,
        namespaceResourceWhitelist: namespaceResourceWhitelist.length > 0 ? namespaceResourceWhitelist.map(groupKind) : undefined,
      },
    });

    this.node.addValidation({ validate: () => this.validateApplications() });
  }

  /** Why the project would refuse `application`'s sync; empty when it is permitted. */
  public refusals(application: ArgoApplication): string[] {
    const { sourceRepos, destinations, clusterResourceWhitelist, namespaceResourceWhitelist } = this.permissions;
    const refusals: string[] = [];
    if (application.projectName !== this.name) {
      refusals.push(`names project "${application.projectName}", expected "${this.name}"`);
    }
    if (!sourceRepos.includes(application.sourceRepoURL)) {
      refusals.push(`its repository ${application.sourceRepoURL} is not in sourceRepos`);
    }
    const destinationAllowed = destinations.some(
      (destination) => destination.server === application.destinationServer && destination.namespace === application.destinationNamespace,
    );
    if (!destinationAllowed) {
      refusals.push(
        `its destination ${application.destinationServer} namespace ${application.destinationNamespace} is not in destinations`,
      );
    }
    for (const kind of application.deployedKinds) {
      const whitelist = kind.namespaced ? namespaceResourceWhitelist : clusterResourceWhitelist;
      if (!whitelist.some((allowed) => allowed.group === kind.group && allowed.kind === kind.kind)) {
        const listName = kind.namespaced ? 'namespaceResourceWhitelist' : 'clusterResourceWhitelist';
        refusals.push(`it deploys ${formatKind(kind)}, which is not in ${listName}`);
      }
    }
    return refusals;
  }

  private validateApplications(): string[] {
    if (this.applications.length === 0) {
      return [`AppProject ${this.name} has no Applications: pass the Applications that belong to it`];
    }
    const errors: string[] = [];
    const names = new Set<string>();
    for (const application of this.applications) {
      if (names.has(application.name)) errors.push(`AppProject ${this.name} lists Application ${application.name} twice`);
      names.add(application.name);
      for (const refusal of this.refusals(application)) {
        errors.push(`AppProject ${this.name} would refuse Application ${application.name}: ${refusal}`);
      }
    }
    return errors;
  }
}

function derivePermissions(applications: readonly ArgoApplication[]): ProjectPermissions {
  const kinds = uniqueKinds(applications.flatMap((application) => application.deployedKinds));
  const destinations = new Map<string, { server: string; namespace: string }>();
  for (const { destinationServer: server, destinationNamespace: namespace } of applications) {
    destinations.set(`${server} ${namespace}`, { server, namespace });
  }
  return {
    sourceRepos: [...new Set(applications.map((application) => application.sourceRepoURL))].sort(compareStrings),
    destinations: [...destinations.keys()].sort(compareStrings).map((key) => destinations.get(key)!),
    clusterResourceWhitelist: kinds.filter((kind) => !kind.namespaced),
    namespaceResourceWhitelist: kinds.filter((kind) => kind.namespaced),
  };
}

function groupKind(kind: ResourceKind): { group: string; kind: string } {
  return { group: kind.group, kind: kind.kind };
}
