import { workloadApplicationName } from '../core/application-names.js';
import type { KubectlClient } from './kubectl-client.js';
import { annotateApplicationArgs, getApplicationArgs, getRolloutArgs, retryRolloutArgs } from './kubectl-commands.js';
import type { ClusterTarget } from './operation-plan.js';
import type { TrainClusterClient, TrainClusterState } from './release-train.js';
import { releaseOfRollout, type RolloutObject, summarizeRollout } from './rollout-summary.js';
import type { RolloutWorkload } from './rollout-workloads.js';

/** Argo CD's annotation that asks it to compare an Application with Git now. */
const REFRESH_ANNOTATION = 'argocd.argoproj.io/refresh=normal';

interface ApplicationObject {
  readonly status?: { readonly sync?: { readonly revision?: string; readonly status?: string } };
}

/** The train's view of each cluster through kubectl: the workload's Application and its Rollout. */
export class KubectlTrainClusters implements TrainClusterClient {
  constructor(
    private readonly kubectl: KubectlClient,
    private readonly workload: RolloutWorkload,
  ) {}

  public async read(cluster: ClusterTarget): Promise<TrainClusterState> {
    const application = JSON.parse(
      await this.kubectl.check(getApplicationArgs(workloadApplicationName(this.workload.name, cluster.name), cluster.context)),
    ) as ApplicationObject;
    const sync = { syncRevision: application.status?.sync?.revision, syncStatus: application.status?.sync?.status };
    const rolloutArgs = getRolloutArgs(this.workload.rollout, cluster.context);
    const result = await this.kubectl.run(rolloutArgs);
    // No Rollout yet is a state to wait through; any other failure is the cluster's to report.
    if (result.exitCode !== 0) {
      if (/\(NotFound\)/.test(result.stderr)) return sync;
      await this.kubectl.check(rolloutArgs);
    }
    const rollout = JSON.parse(result.stdout) as RolloutObject;
    return { ...sync, liveRelease: releaseOfRollout(rollout, this.workload.rollout.releaseVariable), rollout: summarizeRollout(rollout) };
  }

  public async refresh(cluster: ClusterTarget): Promise<void> {
    await this.kubectl.check(
      annotateApplicationArgs(workloadApplicationName(this.workload.name, cluster.name), REFRESH_ANNOTATION, cluster.context),
    );
  }

  public async retry(cluster: ClusterTarget): Promise<void> {
    await this.kubectl.check(retryRolloutArgs(cluster.context, this.workload.rollout));
  }
}
