import { clusterApplicationNames } from '../core/application-names.js';
import type { BoundWorkload, Workload } from '../workloads/workload.js';
import { type ClusterAnalysis, resolveAnalysis } from './analysis-settings.js';
import { type ClusterOverlay, readClusterOverlays } from './cluster-overlay.js';
import { collectProblems, ConfigError } from '../core/config-error.js';
import { compareStrings } from '../util/stable-order.js';
import { loadPlatformSettings, type PlatformSettings } from './platform-settings.js';
import { type ClusterTrafficRouter, resolveTrafficRouter } from './traffic-routing-settings.js';

/** Argo CD puts an Application's name in the `app.kubernetes.io/instance` label, whose values are at most 63 characters. */
export const MAX_APPLICATION_NAME_LENGTH = 63;

/** One cluster's overlay, with what follows from the platform settings. */
export interface ProjectCluster extends ClusterOverlay {
  /**
   * The cluster's canary analysis: its overlay's `analysis` over the platform's, with defaults.
   *
   * @default - none: the canary waits at 50% for an operator, and nothing measures it
   */
  readonly canaryAnalysis?: ClusterAnalysis;

  /**
   * What applies the canary weights: its overlay's `trafficRouting` over the platform's.
   *
   * @default - none: the weight is the share of pods behind the workload's Service
   */
  readonly trafficRouter?: ClusterTrafficRouter;

  /** Every workload the cluster runs, in name order, bound to its props on this cluster and its files. */
  readonly boundWorkloads: readonly BoundWorkload[];
}

/** The platform settings and every cluster, validated together. */
export interface ProjectConfig {
  readonly platform: PlatformSettings;
  readonly clusters: readonly ProjectCluster[];
  /** The workloads every cluster runs. */
  readonly workloads: readonly Workload[];
}

export interface ProjectConfigFiles {
  /** The platform settings file. */
  readonly platformFile: string;
  /** The folder of `<cluster>.yaml` overlays. */
  readonly overlaysDirectory: string;
  /**
   * How to name the platform file and the overlays folder in messages.
   *
   * @default - the paths as given
   */
  readonly display?: { readonly platformFile: string; readonly overlaysDirectory: string };

  /** The workloads whose settings the files hold: lib/workloads/registry.ts's, passed down by the entry point. */
  readonly workloads: readonly Workload[];

  /**
   * The files each workload mounts, by workload name (`readWorkloadFiles`).
   *
   * @default - none: the bound workloads carry no files, enough for commands that do not build them
   */
  readonly workloadFiles?: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/**
 * Reads and validates `platform.yaml` and every overlay, then checks them against each other.
 * Nothing is returned unless everything is valid.
 *
 * @throws ConfigError with one line for every problem in every file
 */
export function loadProjectConfig(files: ProjectConfigFiles): ProjectConfig {
  const display = files.display ?? { platformFile: files.platformFile, overlaysDirectory: files.overlaysDirectory };
  const { workloads } = files;
  let platform: PlatformSettings | undefined;
  let overlays: { overlays: ClusterOverlay[]; problems: string[] } | undefined;
  const { problems } = collectProblems<unknown>([
    () => (platform = loadPlatformSettings(files.platformFile, display.platformFile, workloads)),
    () => (overlays = readClusterOverlays(files.overlaysDirectory, display.overlaysDirectory, workloads)),
  ]);
  if (overlays) problems.push(...overlays.problems);
  // Valid overlays are still checked against the platform; the stage route only when every overlay is valid.
  if (platform && overlays)
    problems.push(...crossFileProblems(platform, overlays.overlays, workloads, display.platformFile, overlays.problems.length === 0));
  const clusters = platform
    ? overlays?.overlays.map((cluster) => withTrafficRouter(platform!, withAnalysis(platform!, cluster, problems)))
    : undefined;
  if (problems.length > 0 || !platform || !clusters) throw new ConfigError(problems);
  const bound = (cluster: ClusterOverlay): ProjectCluster['boundWorkloads'] =>
    [...workloads]
      .sort((a, b) => compareStrings(a.name, b.name))
      .map((workload) => ({
        workload,
        props: workload.props(platform!.workloads[workload.name], cluster.workloads[workload.name]),
        files: files.workloadFiles?.get(workload.name),
      }));
  return { platform, clusters: clusters.map((cluster) => ({ ...cluster, boundWorkloads: bound(cluster) })), workloads };
}

/** `cluster` with its resolved canary analysis; a problem with it is added to `problems`. */
function withAnalysis(platform: PlatformSettings, cluster: ClusterOverlay, problems: string[]): Omit<ProjectCluster, 'boundWorkloads'> {
  const analysis = resolveAnalysis(platform.analysis, cluster.analysis);
  if (analysis === undefined) return cluster;
  if ('problem' in analysis) {
    problems.push(`${cluster.file}: ${analysis.problem}`);
    return cluster;
  }
  return { ...cluster, canaryAnalysis: analysis };
}

/** `cluster` with its resolved traffic router, when it has one. */
function withTrafficRouter<C extends ClusterOverlay>(platform: PlatformSettings, cluster: C): C & { trafficRouter?: ClusterTrafficRouter } {
  const trafficRouter = resolveTrafficRouter(platform.trafficRouting, cluster.trafficRouting);
  return trafficRouter === undefined ? cluster : { ...cluster, trafficRouter };
}

/**
 * What is wrong between the platform settings and the overlays, each valid on its own.
 *
 * @param allClusters whether `clusters` is every cluster, so a cloud none of them runs on is a mistake
 */
function crossFileProblems(
  platform: PlatformSettings,
  clusters: readonly ClusterOverlay[],
  workloads: readonly Workload[],
  platformFile: string,
  allClusters: boolean,
): string[] {
  const problems: string[] = [];
  for (const workload of workloads) {
    const settings = clusters.map((cluster) => ({ file: cluster.file, cloud: cluster.cloud, settings: cluster.workloads[workload.name] }));
    problems.push(...(workload.settingsProblems?.(platform.workloads[workload.name], settings, platformFile, allClusters) ?? []));
  }
  problems.push(...releaseTrainProblems(platform, clusters, platformFile, allClusters));
  for (const cluster of clusters) {
    for (const name of clusterApplicationNames(
      platform.environment,
      cluster.name,
      workloads.map((workload) => workload.name),
    )) {
      if (name.length > MAX_APPLICATION_NAME_LENGTH) {
        problems.push(
          `${cluster.file}: the Application name "${name}" is ${name.length} characters, more than Argo CD's ${MAX_APPLICATION_NAME_LENGTH}; shorten the cluster's name (the file name) or the environment in ${platformFile}`,
        );
      }
    }
  }
  return problems;
}

/** Each name in `releaseTrain` that no overlay defines; judged only when every overlay was read. */
function releaseTrainProblems(
  platform: PlatformSettings,
  clusters: readonly ClusterOverlay[],
  platformFile: string,
  allClusters: boolean,
): string[] {
  if (!allClusters || platform.releaseTrain === undefined) return [];
  const known = clusters.map((cluster) => cluster.name).sort(compareStrings);
  return platform.releaseTrain.flatMap((name, index) =>
    known.includes(name)
      ? []
      : [
          `${platformFile}: field "releaseTrain[${index}]": "${name}" is not a cluster; expected one of ${known.join(', ')} (a file in the overlays folder)`,
        ],
  );
}
