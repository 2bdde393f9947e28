import { Construct } from 'constructs';
import { ArgoAppProject } from './argocd/argo-app-project.js';
import {
  BOOTSTRAP_FOLDER,
  DERIVED_PROJECT_NAME,
  rolloutsApplicationName,
  rootApplicationName,
  traefikApplicationName,
  workloadApplicationName,
} from './core/application-names.js';
import { ArgoApplication, CREATE_NAMESPACE, RESPECT_IGNORE_DIFFERENCES } from './argocd/argo-application.js';
import { kindsDeployedBy } from './argocd/deployed-kinds.js';
import { RolloutsControllerApplication } from './argocd/rollouts-controller-application.js';
import { TraefikApplication } from './argocd/traefik-application.js';
import { controllerOwnedFields } from './progressive-delivery/traefik-canary-route.js';
import { ManifestChart } from './synth/manifest-chart.js';
import type { BoundWorkload, CanaryAnalysisProps } from './workloads/workload.js';
import type { PreviousOutput } from './core/config-map-history.js';

/** A Helm chart Argo CD installs: its repository and exact version. */
export interface HelmChart {
  readonly repoURL: string;
  readonly version: string;
}

/** The Git repository Argo CD pulls this tree from. */
export interface GitSource {
  readonly repoURL: string;
  readonly revision: string;
  /** Where the output tree lives inside the repository, such as `dist`. */
  readonly distPath: string;
}

export interface ClusterDeliveryProps {
  /** The cluster's name: part of every Application's name and of the output folders. */
  readonly cluster: string;
  /** The platform environment, such as `dev`: part of the root Application's name. */
  readonly environment: string;
  readonly cloud: string;
  readonly region: string;
  readonly gitSource: GitSource;
  /** The `argo-rollouts` Helm chart to install. */
  readonly rolloutsChart: HelmChart;

  /**
   * What applies the canary weights, and the chart that installs it.
   *
   * @default - none: the weight is the share of pods
   */
  readonly trafficRouting?: { readonly provider: 'traefik'; readonly chart: HelmChart };
  /**
   * The workloads the cluster runs, in output order, each bound to its props and files
   * (`boundWorkloads` of a cluster in lib/config/project-config.ts).
   */
  readonly workloads: readonly BoundWorkload[];

  /**
   * The cluster's canary analysis, for the workloads that run a canary.
   *
   * @default - none: only an operator judges a canary
   */
  readonly analysis?: CanaryAnalysisProps;

  /**
   * The previous output tree's ConfigMaps: the workload keeps the earlier versions of the
   * ConfigMaps it mounts, which stable pods may still use.
   *
   * @default - none: only the current versions are written
   */
  readonly previousOutput?: PreviousOutput;

  /**
   * The AppProject every Application of the cluster belongs to.
   *
   * @default 'trinity'
   */
  readonly projectName?: string;
}

/**
 * Everything Argo CD reconciles for one cluster, in three folders of the output tree:
 * - `bootstrap/`: the root Application, applied once by hand;
 * - `<cluster>/argocd/`: what the root syncs: the AppProject and the child Applications;
 * - `<cluster>/<workload>/`: what each workload's Application syncs.
 */
export class ClusterDelivery extends Construct {
  /** Each workload's construct, by workload name. */
  public readonly workloads: ReadonlyMap<string, Construct>;
  public readonly project: ArgoAppProject;
  public readonly rootApplication: ArgoApplication;

  constructor(scope: Construct, id: string, props: ClusterDeliveryProps) {
    super(scope, id);
    const { cluster, gitSource } = props;
    const projectName = props.projectName ?? DERIVED_PROJECT_NAME;
    const folderSource = (folder: string) => ({
      repoUrl: gitSource.repoURL,
      targetRevision: gitSource.revision,
      path: `${gitSource.distPath}/${folder}`,
    });

    const built = new Map<string, Construct>();
    const workloadCharts = props.workloads.map(({ workload, props: workloadProps, files }) => {
      const chart = new ManifestChart(this, workload.name, { folder: `${cluster}/${workload.name}`, namespace: workload.namespace });
      built.set(
        workload.name,
        workload.build(chart, workloadProps, {
          cluster,
          cloud: props.cloud,
          region: props.region,
          files,
          previousConfigMaps: props.previousOutput?.get(chart.folder),
          analysis: props.analysis,
          trafficRouter: props.trafficRouting?.provider,
        }),
      );
      return { workload, chart };
    });
    this.workloads = built;

    const argocdChart = new ManifestChart(this, 'ArgoCD', { folder: `${cluster}/argocd` });
    const rollouts = new RolloutsControllerApplication(argocdChart, 'RolloutsController', {
      name: rolloutsApplicationName(cluster),
      project: projectName,
      chartRepoURL: props.rolloutsChart.repoURL,
      chartVersion: props.rolloutsChart.version,
      trafficRouter: props.trafficRouting?.provider,
    });
    const traefik =
      props.trafficRouting &&
      new TraefikApplication(argocdChart, 'Traefik', {
        name: traefikApplicationName(cluster),
        project: projectName,
        chartRepoURL: props.trafficRouting.chart.repoURL,
        chartVersion: props.trafficRouting.chart.version,
      });
    const applications = workloadCharts.map(({ workload, chart }) => {
      // Fields the Rollouts controller writes, such as a TraefikService's weights: Argo CD leaves them alone.
      const ignoreDifferences = controllerOwnedFields(chart);
      return new ArgoApplication(argocdChart, `${workload.name}-application`, {
        name: workloadApplicationName(workload.name, cluster),
        project: projectName,
        syncWave: 0,
        source: folderSource(chart.folder),
        destinationNamespace: workload.namespace,
        // A Rollout's CRD comes from the rollouts Application, and waves do not wait for it to be
        // healthy: skip the dry-run of the unknown kind, and retry the apply until the CRD lands.
        syncOptions: [
          CREATE_NAMESPACE,
          'ApplyOutOfSyncOnly=true',
          'SkipDryRunOnMissingResource=true',
          ...(ignoreDifferences.length > 0 ? [RESPECT_IGNORE_DIFFERENCES] : []),
        ],
        retry: { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
        ignoreDifferences,
        deployedKinds: [...kindsDeployedBy(chart), ...(workload.referencedKinds ?? [])],
      });
    });
    this.project = new ArgoAppProject(argocdChart, 'Project', {
      name: projectName,
      description: `Progressive delivery on cluster ${cluster}`,
      applications: [rollouts.application, ...(traefik ? [traefik.application] : []), ...applications],
    });

    const bootstrapChart = new ManifestChart(this, 'Bootstrap', { folder: BOOTSTRAP_FOLDER });
    this.rootApplication = new ArgoApplication(bootstrapChart, 'Root', {
      name: rootApplicationName(props.environment, cluster),
      source: folderSource(argocdChart.folder),
      destinationNamespace: 'argocd',
      deployedKinds: kindsDeployedBy(argocdChart),
    });
  }
}
