import type { Construct } from 'constructs';
import * as v from 'valibot';
import type { ResourceKind } from '../core/resource-kinds.js';
import type { PreviousConfigMap } from '../core/config-map-history.js';

/** A workload's settings in one file: a valibot strict object whose fields all have defaults or are required. */
export type SettingsSchema<T> = v.GenericSchema<unknown, T>;

/**
 * Automated canary analysis on a service's success rate: the cluster's, from `analysis` in
 * platform.yaml and its overlay. Workloads whose Rollout follows the scrape contract use it.
 */
export interface CanaryAnalysisProps {
  /** Base URL of the Prometheus that scrapes the workload's pods. */
  readonly prometheus: string;

  /**
   * The share of counted render requests that must succeed.
   *
   * @default 0.99
   */
  readonly successRate?: number;

  /**
   * How often the canary is measured.
   *
   * @default '1m'
   */
  readonly interval?: string;

  /**
   * Failed measurements tolerated before the Rollout aborts.
   *
   * @default 2
   */
  readonly failureLimit?: number;

  /**
   * How long each pause that waits for an operator lasts before the Rollout goes on by itself,
   * unless the analysis has failed by then.
   *
   * @default - the pauses wait for an operator
   */
  readonly autoPromoteAfter?: string;

  /**
   * Emit a Prometheus Operator `PodMonitor` that scrapes the pods by the scrape contract.
   *
   * @default false: the cluster's Prometheus follows the contract by its own configuration
   */
  readonly podMonitor?: boolean;
}

/** What a workload is given besides its settings: the cluster it runs on and what the caller read. */
export interface WorkloadContext {
  /** The cluster's name. */
  readonly cluster: string;
  readonly cloud: string;
  readonly region: string;

  /**
   * The files the workload mounts, by name: those of its {@link Workload.filesFolder}.
   *
   * @default - none
   */
  readonly files?: Readonly<Record<string, string>>;

  /**
   * The ConfigMaps in this workload's folder of the previous output, which stable pods may still mount.
   *
   * @default - none
   */
  readonly previousConfigMaps?: readonly PreviousConfigMap[];

  /**
   * The cluster's canary analysis.
   *
   * @default - none: only an operator judges a canary
   */
  readonly analysis?: CanaryAnalysisProps;

  /**
   * What applies the cluster's canary weights: with `traefik`, a workload that runs a Rollout
   * routes its traffic through a weighted TraefikService whose weights the controller sets.
   *
   * @default - none: the weight is the share of pods
   */
  readonly trafficRouter?: 'traefik';
}

/** The Rollout an operator drives: `npm run rollout`, `npm run release` and the rollout workflow. */
export interface WorkloadRollout {
  readonly name: string;
  readonly namespace: string;

  /**
   * The pod template's environment variable that names the release (`npm run release` sets it),
   * which `npm run dashboard` shows for each running revision.
   *
   * @default - the dashboard shows no release for the running revisions
   */
  readonly releaseVariable?: string;
}

/** A cluster's settings for one workload, with where they were written, for cross-file checks. */
export interface WorkloadClusterSettings<Cluster> {
  /** The overlay file, for messages. */
  readonly file: string;
  readonly cloud: string;
  readonly settings: Cluster;
}

/**
 * One workload of the platform: the folder `lib/workloads/<name>/` defines it, and one line in
 * `lib/workloads/registry.ts` registers it. ClusterDelivery gives it the chart `<cluster>/<name>`,
 * the Application `trinity-<name>-<cluster>` and its share of the AppProject.
 */
export interface Workload<Platform = unknown, Cluster = unknown, Props = unknown> {
  /** `workloads.<name>` in the settings files, the output folder and the Application's middle: a lower-case DNS label. */
  readonly name: string;
  /** The namespace it runs in. */
  readonly namespace: string;
  /** `workloads.<name>` in platform.yaml; every field has a default. */
  readonly platformSettings: SettingsSchema<Platform>;
  /** `workloads.<name>` in an overlay. */
  readonly clusterSettings: SettingsSchema<Cluster>;

  /**
   * The Rollout operators drive.
   *
   * @default - none: the operator tools do not offer this workload
   */
  readonly rollout?: WorkloadRollout;

  /**
   * The project folder whose files the workload mounts, such as `services/mandelbrot`: synth
   * reads the files directly in it (`--files <name>=DIR` reads another) and passes them to `build`.
   *
   * @default - none: the workload mounts no files
   */
  readonly filesFolder?: string;

  /**
   * The field of `workloads.<name>` that holds the workload's release marker, in platform.yaml
   * (the default) and in an overlay (a cluster's own): `npm run release` sets it.
   *
   * @default - none: `npm run release` does not offer this workload
   */
  readonly releaseField?: string;

  /**
   * Kinds the workload may reference besides those it emits: the project admits them up front.
   *
   * @default - none
   */
  readonly referencedKinds?: readonly ResourceKind[];

  /** The construct's props for one cluster, from its settings in platform.yaml and in the overlay. */
  props(platform: Platform, cluster: Cluster): Props;

  /**
   * What is wrong between the platform's and the clusters' settings, each valid on its own.
   *
   * @param allClusters whether `clusters` is every cluster
   */
  settingsProblems?(
    platform: Platform,
    clusters: readonly WorkloadClusterSettings<Cluster>[],
    platformFile: string,
    allClusters: boolean,
  ): string[];

  /** Adds the workload's objects under `scope`, a chart of its own. */
  build(scope: Construct, props: Props, context: WorkloadContext): Construct;
}

/** A workload bound to one cluster: its construct props from both settings files, and the files it mounts. */
export interface BoundWorkload {
  readonly workload: Workload;
  readonly props: unknown;
  /** @default - none */
  readonly files?: Readonly<Record<string, string>>;
}

/** `workload` with its types checked, and erased for the registry. */
export function defineWorkload<Platform, Cluster, Props>(workload: Workload<Platform, Cluster, Props>): Workload {
  return workload;
}

/** The settings of a workload with none. */
export const NO_SETTINGS = v.strictObject({});
