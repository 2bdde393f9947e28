import { ApiObject, JsonPatch } from 'cdk8s';
import { k8s, Service, ServiceType } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  RolloutSpecTemplateSpecContainersLivenessProbeHttpGetPort as LivenessPort,
  RolloutSpecTemplateSpecContainersReadinessProbeHttpGetPort as ReadinessPort,
} from '../../../imports/argo-rollouts-rollout-argoproj.io.js';
import type { ResourceKind } from '../../core/resource-kinds.js';
import type { CanaryAnalysisProps } from '../workload.js';
import {
  CanaryRollout,
  canarySteps,
  type CanaryStep,
  firstCanaryWeight,
  firstStepAtWeight,
  timedPauses,
} from '../../progressive-delivery/canary-rollout.js';
import { TraefikCanaryRoute } from '../../progressive-delivery/traefik-canary-route.js';
import { MetricsPodMonitor } from '../../progressive-delivery/metrics-pod-monitor.js';
import { VersionedConfigMap } from '../../progressive-delivery/versioned-config-map.js';
import { CANARY_HASH_ARG, SuccessRateAnalysis } from './success-rate-analysis.js';
import type { PreviousConfigMap } from '../../core/config-map-history.js';

/** Where the service's source files are mounted in the container. */
export const SOURCE_MOUNT_PATH = '/app';
/** Where the stage-URL ConfigMap is mounted: one file per cloud, holding that cluster's base URL. */
export const STAGE_URLS_MOUNT_PATH = '/etc/mandelbrot/stage-urls';
/** The container port the service listens on: its `PORT` default. */
export const HTTP_PORT = 8080;
/**
 * The container port of the service's probe listener (its `PROBE_PORT` default): the kubelet
 * probes it, and the Service does not expose it, so public clients cannot starve the probes.
 */
export const PROBE_PORT = 8081;
/** The port the LoadBalancer Service listens on. */
const HTTP_SERVICE_PORT = 80;
/** The image's unprivileged `node` user and group. */
const NODE_USER_ID = 1000;
/**
 * How long the service drains on SIGTERM (its `DRAIN_TIMEOUT_MS`): an admitted render ends within
 * its 10 s deadline and its reply within the 10 s write timeout. The grace period adds a margin
 * for the process to exit before the kubelet kills it.
 */
const DRAIN_SECONDS = 20;
const TERMINATION_GRACE_SECONDS = DRAIN_SECONDS + 5;
/** The key of the stage-token Secret that holds the token. */
const STAGE_TOKEN_KEY = 'token';

/** Automated canary analysis on the service's success rate. */
export type MandelbrotAnalysisProps = CanaryAnalysisProps;

export interface MandelbrotWorkloadProps {
  /** The cloud this cluster runs on: `CLOUD`. */
  readonly cloud: string;
  /** The cluster's region: `REGION`. */
  readonly region: string;
  /** Container image: pinned by tag or digest. */
  readonly image: string;
  /** The release marker `/api/meta` reports: `MANDELBROT_RELEASE`. A change starts a canary. */
  readonly release: string;
  /** The clouds a render passes through, in order: `STAGE_ROUTE`. */
  readonly stageRoute: readonly string[];
  /** The service's source files, mounted read-only at {@link SOURCE_MOUNT_PATH}. */
  readonly sourceFiles: Readonly<Record<string, string>>;

  /**
   * Desired pods.
   *
   * @default 2
   */
  readonly replicas?: number;

  /**
   * The canary's weights, each followed by a pause that waits for an operator (timed when the
   * analysis promotes on its own); ignored when `steps` are given.
   *
   * @default [50]
   */
  readonly canaryWeights?: readonly number[];

  /**
   * The canary's steps.
   *
   * @default - a step and a pause at each of `canaryWeights`, then 100%
   */
  readonly steps?: readonly CanaryStep[];

  /**
   * What applies the canary weights. With `traefik`, requests reach the pods through an
   * IngressRoute and a weighted TraefikService over a canary and a stable Service, so the weight
   * is the share of requests, and the workload's own Service is only for in-cluster callers.
   *
   * @default - none: the weight is the share of pods behind the LoadBalancer Service
   */
  readonly trafficRouter?: 'traefik';

  /**
   * Secrets for pulling the image.
   *
   * @default - none
   */
  readonly imagePullSecrets?: readonly string[];

  /**
   * Name of the Rollout and the Service, and the `app.kubernetes.io/name` label.
   *
   * @default 'mandelbrot'
   */
  readonly name?: string;

  /**
   * Base URLs of other clusters' services, by cloud: a band of the route whose cloud has one is
   * rendered by that cluster's `/internal/render-stage`. Mounted as a content-addressed
   * ConfigMap at {@link STAGE_URLS_MOUNT_PATH}, so a change rolls out as a canary too.
   *
   * @default - none: every band is rendered in this cluster
   */
  readonly stageURLs?: Readonly<Record<string, string>>;

  /**
   * A Secret in the workload's namespace whose {@link STAGE_TOKEN_KEY} key holds the token the
   * clusters share: `STAGE_TOKEN`. `/internal/render-stage` then answers only callers that send
   * it, and remote bands are requested with it. The Secret is made outside Git.
   *
   * @default - none: `/internal/render-stage` is open to anyone who reaches the Service
   */
  readonly stageTokenSecret?: string;

  /**
   * The ConfigMaps in this workload's folder of the previous output: the earlier versions of
   * the mounted ConfigMaps, kept while ReplicaSets may mount them (see `VersionedConfigMap`).
   *
   * @default - none: only the current versions are written
   */
  readonly previousConfigMaps?: readonly PreviousConfigMap[];

  /**
   * Analysis of the canary from its first weight on: an `AnalysisTemplate` beside the Rollout,
   * run in the background, which aborts the Rollout when the canary's success rate is too low.
   *
   * @default - none: only an operator judges the canary
   */
  readonly analysis?: MandelbrotAnalysisProps;

  /**
   * Earlier versions of each mounted ConfigMap kept beside the current one.
   *
   * @default 3
   */
  readonly retainedConfigMaps?: number;
}

/**
 * The Mandelbrot service as a canary `Rollout`, its LoadBalancer `Service`, and the ConfigMaps
 * it mounts: its source and, optionally, the stage URLs, each content-addressed and versioned.
 * The pod runs under the Pod Security Standards "restricted" profile.
 */
export class MandelbrotWorkload extends Construct {
  public readonly rollout: CanaryRollout;
  /** The canary's analysis, when `analysis` is given. */
  public readonly analysis?: SuccessRateAnalysis;
  /** The service's source: the current version, and earlier ones kept for stable pods. */
  public readonly source: VersionedConfigMap;
  /** The stage URLs: a current version only when `stageURLs` are given. */
  public readonly stageURLs: VersionedConfigMap;
  /** The Service in front of stable and canary pods alike: a LoadBalancer unless Traefik routes the traffic. */
  public readonly service: Service;
  /** The route through Traefik, when `trafficRouter` is `traefik`. */
  public readonly traefikRoute?: TraefikCanaryRoute;

  constructor(scope: Construct, id: string, props: MandelbrotWorkloadProps) {
    super(scope, id);
    const name = props.name ?? 'mandelbrot';
    const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'trinity' };
    const history = { previous: props.previousConfigMaps, retain: props.retainedConfigMaps };

    this.source = new VersionedConfigMap(this, 'Source', { baseName: `${name}-source`, files: props.sourceFiles, ...history });
    const stageURLs = props.stageURLs && Object.keys(props.stageURLs).length > 0 ? props.stageURLs : undefined;
    this.stageURLs = new VersionedConfigMap(this, 'StageURLs', { baseName: `${name}-stage-urls`, files: stageURLs, ...history });
    // The source files are required, so the source always has a current version.
    const sourceName = this.source.current!.name;
    const stageURLsName = this.stageURLs.current?.name;

    const baseSteps = props.steps ?? canarySteps(props.canaryWeights ?? [50]);
    const steps = props.analysis?.autoPromoteAfter ? timedPauses(baseSteps, props.analysis.autoPromoteAfter) : baseSteps;
    if (props.analysis) {
      const { autoPromoteAfter: _, podMonitor, ...measure } = props.analysis;
      this.analysis = new SuccessRateAnalysis(this, 'Analysis', { name: `${name}-success-rate`, labels, ...measure });
      if (podMonitor) new MetricsPodMonitor(this, 'PodMonitor', { name, selectorLabels: labels, port: 'http' });
    }
    const analysisFromWeight = firstCanaryWeight(steps);
    const startingStep = analysisFromWeight === undefined ? undefined : firstStepAtWeight(steps, analysisFromWeight);
    if (this.analysis && startingStep === undefined) {
      throw new Error(`MandelbrotWorkload ${name}: analysis starts at the first canary weight, but no step sets one`);
    }
    if (props.trafficRouter === 'traefik') {
      this.traefikRoute = new TraefikCanaryRoute(this, 'Traefik', {
        name,
        selectorLabels: labels,
        port: HTTP_SERVICE_PORT,
        targetPort: 'http',
      });
    }

    this.rollout = new CanaryRollout(this, 'Rollout', {
      name,
      replicas: props.replicas,
      steps,
      analysis: this.analysis && { templateName: this.analysis.name, startingStep: startingStep!, canaryHashArg: CANARY_HASH_ARG },
      trafficRouting: this.traefikRoute?.routing,
      selectorLabels: labels,
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          imagePullSecrets: props.imagePullSecrets?.map((secret) => ({ name: secret })),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: NODE_USER_ID,
            runAsGroup: NODE_USER_ID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name,
              image: props.image,
              command: ['node', `${SOURCE_MOUNT_PATH}/server.js`],
              ports: [
                { name: 'http', containerPort: HTTP_PORT },
                { name: 'probes', containerPort: PROBE_PORT },
              ],
              env: [
                { name: 'CLOUD', value: props.cloud },
                { name: 'REGION', value: props.region },
                { name: 'STAGE_ROUTE', value: props.stageRoute.join(',') },
                { name: 'MANDELBROT_RELEASE', value: props.release },
                ...(stageURLsName ? [{ name: 'STAGE_URLS_DIR', value: STAGE_URLS_MOUNT_PATH }] : []),
                ...(props.stageTokenSecret
                  ? [{ name: 'STAGE_TOKEN', valueFrom: { secretKeyRef: { name: props.stageTokenSecret, key: STAGE_TOKEN_KEY } } }]
                  : []),
                { name: 'DRAIN_TIMEOUT_MS', value: String(DRAIN_SECONDS * 1000) },
              ],
              // Probes answer from the main thread while workers render: `npm run test:load` measured
              // a few ms at the median and at most about 0.3 s on a busy machine, so 2 s leaves room
              // for CPU throttling under the limit, and 3 misses in a row are no blip.
              readinessProbe: {
                httpGet: { path: '/readyz', port: ReadinessPort.fromString('probes') },
                periodSeconds: 5,
                timeoutSeconds: 2,
                failureThreshold: 3,
              },
              livenessProbe: {
                httpGet: { path: '/healthz', port: LivenessPort.fromString('probes') },
                periodSeconds: 10,
                timeoutSeconds: 2,
                failureThreshold: 3,
              },
              resources: {
                requests: { cpu: '100m', memory: '128Mi' },
                limits: { cpu: '750m', memory: '384Mi' },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts: [
                { name: 'source', mountPath: SOURCE_MOUNT_PATH, readOnly: true },
                ...(stageURLsName ? [{ name: 'stage-urls', mountPath: STAGE_URLS_MOUNT_PATH, readOnly: true }] : []),
                // Node writes nothing else; /tmp stays writable for libraries that expect it.
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'source', configMap: { name: sourceName } },
            ...(stageURLsName ? [{ name: 'stage-urls', configMap: { name: stageURLsName } }] : []),
            { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } },
          ],
        },
      },
    });

    this.service = new Service(this, 'Service', {
      metadata: { name, labels },
      // Behind Traefik, a LoadBalancer of its own would let clients bypass the weights.
      type: this.traefikRoute ? ServiceType.CLUSTER_IP : ServiceType.LOAD_BALANCER,
      ports: [{ name: 'http', port: HTTP_SERVICE_PORT }],
    });
    for (const [key, value] of Object.entries(labels)) this.service.selectLabel(key, value);
    // Two corrections to what cdk8s-plus writes. targetPort: it takes only a number, and the port's
    // name lets the container port change without the Service. externalIPs: it writes an empty
    // list, which means what no field means. The L1 class maps the patched object once more, so
    // targetPort is given as an IntOrString.
    ApiObject.of(this.service).addJsonPatch(
      JsonPatch.add('/spec/ports/0/targetPort', k8s.IntOrString.fromString('http')),
      JsonPatch.remove('/spec/externalIPs'),
    );
  }

  /**
   * Kinds the canary may also reference for analysis: templates the Rollout's analysis steps
   * use. Listing them lets the project admit analysis without another permission change.
   */
  public static readonly ANALYSIS_KINDS: readonly ResourceKind[] = [
    { group: 'argoproj.io', kind: 'AnalysisTemplate', namespaced: true },
    { group: 'argoproj.io', kind: 'ClusterAnalysisTemplate', namespaced: false },
  ];
}
