import { rootApplicationName, workloadApplicationName } from '../core/application-names.js';
import { formatDuration } from './duration.js';
import { booleanFlag, ROLLOUTS_CRD, type RolloutRef, rolloutsPluginArgs } from './kubectl-commands.js';
import {
  type OperationStep,
  type PlanTarget,
  checkBeforePromote,
  type PromotionStart,
  runCommand,
  showRollout,
  syncApplication,
  waitForApplicationSync,
  waitForCrdEstablished,
  waitForRollout,
  waitAfterPromote,
  watchUntilHealthy,
} from './operation-steps.js';
import type { Operation } from './operations.js';
import type { RolloutSummary } from './rollout-summary.js';

export { OperationError, type OperationStep, type StepContext } from './operation-steps.js';

/** A cluster as an operation reaches it. */
export interface ClusterTarget {
  /** The cluster's name, from its overlay. */
  readonly name: string;
  readonly cloud: string;
  /** The kube context that reaches it. */
  readonly context: string;
}

/** A workload that runs a Rollout, as the operator tool reaches it. */
export interface OperatedWorkload {
  /** The workload's name, part of its Application's name. */
  readonly name: string;
  readonly rollout: RolloutRef;
}

/** How every cluster's operation runs. */
export interface OperationSettings {
  /** The platform environment, part of the root Application's name: `trinity-<environment>-<cluster>-root`. */
  readonly environment: string;
  /** The deadline of each wait. */
  readonly timeoutMs: number;
  /** The time between two looks while waiting. */
  readonly pollIntervalMs: number;

  /**
   * Promote even when the Rollout is not Paused at a pause step.
   *
   * @default false
   */
  readonly force?: boolean;

  /**
   * The Rollout revision `undo` goes back to.
   *
   * @default - the previous revision
   */
  readonly toRevision?: number;

  /** The workload operated on: its Application (`trinity-<name>-<cluster>`) and its Rollout. */
  readonly workload: OperatedWorkload;
}

/** The commands of one operation on one cluster. */
export interface OperationPlan {
  readonly cluster: ClusterTarget;
  readonly steps: readonly OperationStep[];
  /** Reads the Rollout for the report; it runs even after a failed step. */
  readonly show: OperationStep<RolloutSummary>;
  /** What the operator must know after the operation. */
  readonly notes: readonly string[];
}

/** The commands `operation` runs on `cluster`. */
export function planOperation(operation: Operation, cluster: ClusterTarget, settings: OperationSettings): OperationPlan {
  const target: PlanTarget = {
    context: cluster.context,
    rollout: settings.workload.rollout,
    settings,
  };
  const plugin = (subcommand: string, flags: readonly string[] = []) =>
    runCommand(rolloutsPluginArgs(target.context, subcommand, target.rollout, flags));
  const plan = (steps: OperationStep[], notes: string[] = []): OperationPlan => ({ cluster, steps, show: showRollout(target), notes });
  const rootApplication = rootApplicationName(settings.environment, cluster.name);
  const workloadApplication = workloadApplicationName(settings.workload.name, cluster.name);

  switch (operation) {
    case 'status':
      return plan([]);

    case 'sync':
      return plan([
        syncApplication(target, rootApplication),
        waitForCrdEstablished(target, ROLLOUTS_CRD),
        syncApplication(target, workloadApplication),
        waitForApplicationSync(target, workloadApplication),
        waitForRollout(target, ['Paused', 'Healthy']),
      ]);

    case 'promote':
    case 'promote-full': {
      const full = operation === 'promote-full';
      const statusWatch = rolloutsPluginArgs(target.context, 'status', target.rollout, [
        booleanFlag('watch', true),
        '--timeout',
        formatDuration(settings.timeoutMs),
      ]);
      if (full) return plan([plugin('promote', [booleanFlag('full', true)]), watchUntilHealthy(target, statusWatch)]);
      const start: PromotionStart = {};
      return plan([
        checkBeforePromote(target, start, settings.force ?? false),
        plugin('promote'),
        waitAfterPromote(target, start, statusWatch),
      ]);
    }

    case 'abort':
      // An aborted canary is Degraded with the stable ReplicaSet serving; a finished one stays Healthy.
      return plan([plugin('abort'), waitForRollout(target, ['Degraded', 'Healthy'])]);

    case 'undo':
      return plan(
        [
          plugin('undo', settings.toRevision === undefined ? [] : ['--to-revision', String(settings.toRevision)]),
          waitForRollout(target, ['Paused', 'Healthy']),
        ],
        [
          `undo changed the live Rollout only: Argo CD self-heal puts the revision in Git back when it next syncs ${workloadApplication}. ` +
            `For a durable rollback, revert the change in Git, then run: npm run rollout -- sync --cluster ${cluster.name}`,
        ],
      );

    case 'restart':
      return plan([plugin('restart'), waitForRollout(target, ['Paused', 'Healthy'])]);
  }
}
