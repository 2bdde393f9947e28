import { Construct } from 'constructs';
import { ArgoAppProject } from './argocd/argo-app-project.js';
import { clusterApplicationNames } from './argocd/application-names.js';
import { ArgoApplication, CREATE_NAMESPACE } from './argocd/argo-application.js';
import { kindsDeployedBy } from './argocd/deployed-kinds.js';
import { RolloutsControllerApplication } from './argocd/rollouts-controller-application.js';
import { MandelbrotAnalysisProps, MandelbrotWorkload } from './rollout/mandelbrot-workload.js';
import { PreviousOutput } from './rollout/previous-output.js';
import { ManifestChart } from './synth/manifest-chart.js';

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
  readonly rolloutsChart: { readonly repoURL: string; readonly version: string };
  /** The Mandelbrot workload, less what follows from the cluster. */
  readonly mandelbrot: {
    readonly image: string;
    readonly release: string;
    readonly stageRoute: readonly string[];
    readonly sourceFiles: Readonly<Record<string, string>>;
    readonly replicas?: number;
    readonly imagePullSecrets?: readonly string[];
    readonly stageURLs?: Readonly<Record<string, string>>;
    readonly stageTokenSecret?: string;
    readonly retainedConfigMaps?: number;
    readonly analysis?: MandelbrotAnalysisProps;
  };

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

  /**
   * Namespace the Mandelbrot workload runs in.
   *
   * @default 'mandelbrot'
   */
  readonly workloadNamespace?: string;
}

/**
 * Everything Argo CD reconciles for one cluster, in three folders of the output tree:
 * - `bootstrap/`: the root Application, applied once by hand;
 * - `<cluster>/argocd/`: what the root syncs: the AppProject and the child Applications;
 * - `<cluster>/mandelbrot/`: what the Mandelbrot Application syncs.
 */
export class ClusterDelivery extends Construct {
  public readonly workload: MandelbrotWorkload;
  public readonly project: ArgoAppProject;
  public readonly rootApplication: ArgoApplication;

  constructor(scope: Construct, id: string, props: ClusterDeliveryProps) {
    super(scope, id);
    const { cluster, gitSource } = props;
    const projectName = props.projectName ?? 'trinity';
    const workloadNamespace = props.workloadNamespace ?? 'mandelbrot';
    const names = clusterApplicationNames(props.environment, cluster);
    const folderSource = (folder: string) => ({
      repoUrl: gitSource.repoURL,
      targetRevision: gitSource.revision,
      path: `${gitSource.distPath}/${folder}`,
    });

    const workloadChart = new ManifestChart(this, 'Workload', { folder: `${cluster}/mandelbrot`, namespace: workloadNamespace });
    this.workload = new MandelbrotWorkload(workloadChart, 'Mandelbrot', {
      cloud: props.cloud,
      region: props.region,
      ...props.mandelbrot,
      previousConfigMaps: props.previousOutput?.get(workloadChart.folder),
    });

    const argocdChart = new ManifestChart(this, 'ArgoCD', { folder: `${cluster}/argocd` });
    const rollouts = new RolloutsControllerApplication(argocdChart, 'RolloutsController', {
      name: names.rollouts,
      project: projectName,
      chartRepoURL: props.rolloutsChart.repoURL,
      chartVersion: props.rolloutsChart.version,
    });
    const mandelbrot = new ArgoApplication(argocdChart, 'MandelbrotApplication', {
      name: names.mandelbrot,
      project: projectName,
      syncWave: 0,
      source: folderSource(workloadChart.folder),
      destinationNamespace: workloadNamespace,
      // The Rollout CRD comes from the rollouts Application, and waves do not wait for it to be
      // healthy: skip the dry-run of the unknown kind, and retry the apply until the CRD lands.
      syncOptions: [CREATE_NAMESPACE, 'ApplyOutOfSyncOnly=true', 'SkipDryRunOnMissingResource=true'],
      retry: { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
      deployedKinds: [...kindsDeployedBy(workloadChart), ...MandelbrotWorkload.ANALYSIS_KINDS],
    });
    this.project = new ArgoAppProject(argocdChart, 'Project', {
      name: projectName,
      description: `Progressive delivery on cluster ${cluster}`,
      applications: [rollouts.application, mandelbrot],
    });

    const bootstrapChart = new ManifestChart(this, 'Bootstrap', { folder: 'bootstrap' });
    this.rootApplication = new ArgoApplication(bootstrapChart, 'Root', {
      name: names.root,
      source: folderSource(argocdChart.folder),
      destinationNamespace: 'argocd',
      deployedKinds: kindsDeployedBy(argocdChart),
    });
  }
}
