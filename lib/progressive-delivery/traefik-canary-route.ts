import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct, type IConstruct } from 'constructs';
import {
  IngressRoute,
  IngressRouteSpecRoutesKind,
  IngressRouteSpecRoutesServicesKind,
} from '../../imports/traefik-ingress-route-traefik.io.js';
import { TraefikService, TraefikServiceSpecWeightedServicesPort } from '../../imports/traefik-traefik-service-traefik.io.js';
import type { CanaryTrafficRouting } from './canary-rollout.js';

/** Fields of one object that a controller writes, in Argo CD's `ignoreDifferences` terms. */
export interface ControllerOwnedFields {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly jsonPointers: string[];
}

export interface TraefikCanaryRouteProps {
  /** The TraefikService's and IngressRoute's name, and the prefix of the two Services': `<name>-canary`, `<name>-stable`. */
  readonly name: string;
  /** Labels every pod of the workload carries: the controller adds each ReplicaSet's hash to the Services' selectors. */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** The port the Services listen on. */
  readonly port: number;
  /** The pods' container port, by name. */
  readonly targetPort: string;

  /**
   * Labels on every object.
   *
   * @default - the selector labels
   */
  readonly labels?: Readonly<Record<string, string>>;

  /**
   * Traefik entry points the IngressRoute listens on.
   *
   * @default ['web'] - the chart's plain HTTP entry point
   */
  readonly entryPoints?: readonly string[];

  /**
   * The IngressRoute's rule.
   *
   * @default 'PathPrefix(`/`)' - every request on the entry points
   */
  readonly match?: string;
}

/**
 * A canary's traffic through Traefik: a canary and a stable Service, a `weighted` TraefikService
 * over the two, and an IngressRoute to it. The TraefikService carries no weights: the Rollouts
 * controller writes them at every step, so they are {@link controllerOwnedFields}.
 */
export class TraefikCanaryRoute extends Construct {
  /** What the Rollout names: its Services and the TraefikService. */
  public readonly routing: CanaryTrafficRouting;
  /** The TraefikService's weights, which the controller owns. */
  public readonly controllerOwnedFields: ControllerOwnedFields;

  constructor(scope: Construct, id: string, props: TraefikCanaryRouteProps) {
    super(scope, id);
    const labels = { ...(props.labels ?? props.selectorLabels) };
    this.routing = { canaryService: `${props.name}-canary`, stableService: `${props.name}-stable`, traefikServiceName: props.name };
    // Stable first: the controller finds each by name, so the order only fixes the pointers.
    const backends = [this.routing.stableService, this.routing.canaryService];
    for (const name of backends) {
      new k8s.KubeService(this, name, {
        metadata: { name, labels },
        spec: {
          type: 'ClusterIP',
          selector: { ...props.selectorLabels },
          ports: [{ name: 'http', port: props.port, targetPort: k8s.IntOrString.fromString(props.targetPort) }],
        },
      });
    }
    const traefikService = new TraefikService(this, 'TraefikService', {
      metadata: { name: props.name, labels },
      spec: {
        weighted: { services: backends.map((name) => ({ name, port: TraefikServiceSpecWeightedServicesPort.fromNumber(props.port) })) },
      },
    });
    new IngressRoute(this, 'IngressRoute', {
      metadata: { name: props.name, labels },
      spec: {
        entryPoints: [...(props.entryPoints ?? ['web'])],
        routes: [
          {
            kind: IngressRouteSpecRoutesKind.RULE,
            match: props.match ?? 'PathPrefix(`/`)',
            services: [{ kind: IngressRouteSpecRoutesServicesKind.TRAEFIK_SERVICE, name: props.name }],
          },
        ],
      },
    });
    this.controllerOwnedFields = {
      group: ApiObject.of(traefikService).apiGroup,
      kind: traefikService.kind,
      name: props.name,
      jsonPointers: backends.map((_, index) => `/spec/weighted/services/${index}/weight`),
    };
  }
}

/** The controller-owned fields of every Traefik canary route under `scope`, for its Application's `ignoreDifferences`. */
export function controllerOwnedFields(scope: IConstruct): ControllerOwnedFields[] {
  return scope.node
    .findAll()
    .filter((child): child is TraefikCanaryRoute => child instanceof TraefikCanaryRoute)
    .map((route) => route.controllerOwnedFields);
}
