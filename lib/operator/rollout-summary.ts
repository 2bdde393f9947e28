/**
 * What `kubectl argo rollouts` (v1.9.0) shows for a Rollout, computed from the Rollout's JSON the
 * same way the plugin does (utils/rollout/rolloututil.go `GetRolloutPhase`, utils/replicaset
 * `GetCurrentSetWeight`, info/rollout_info.go), so the table here and the plugin never disagree.
 */
import type { AnalysisRunSummary } from './analysis-run-summary.js';

/** The part of a Rollout's JSON this module reads. Every field is optional, as in the API. */
export interface RolloutObject {
  readonly metadata?: {
    readonly name?: string;
    readonly generation?: number;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec?: {
    readonly replicas?: number;
    readonly paused?: boolean;
    readonly restartAt?: string;
    readonly strategy?: {
      readonly canary?: {
        readonly steps?: readonly CanaryStepObject[];
        readonly canaryService?: string;
        readonly trafficRouting?: {
          readonly maxTrafficWeight?: number;
          readonly traefik?: { readonly weightedTraefikServiceName?: string };
        };
        readonly analysis?: unknown;
      };
      readonly blueGreen?: { readonly postPromotionAnalysis?: unknown };
    };
    readonly template?: {
      readonly spec?: {
        readonly containers?: readonly { readonly env?: readonly { readonly name?: string; readonly value?: string }[] }[];
      };
    };
  };
  readonly status?: {
    readonly phase?: string;
    readonly message?: string;
    readonly observedGeneration?: string;
    readonly controllerPause?: boolean;
    readonly pauseConditions?: readonly { readonly reason?: string }[];
    readonly currentStepIndex?: number;
    readonly abort?: boolean;
    readonly conditions?: readonly { readonly type?: string; readonly reason?: string; readonly message?: string }[];
    readonly replicas?: number;
    readonly updatedReplicas?: number;
    readonly readyReplicas?: number;
    readonly availableReplicas?: number;
    readonly stableRS?: string;
    readonly currentPodHash?: string;
    readonly restartedAt?: string;
    /** The weights the controller last set on the traffic router. */
    readonly canary?: { readonly weights?: { readonly canary?: { readonly weight?: number } } };
    readonly blueGreen?: {
      readonly activeSelector?: string;
      readonly postPromotionAnalysisRunStatus?: { readonly status?: string };
    };
  };
}

/** One canary step as the API returns it: exactly one of these is set. */
export interface CanaryStepObject {
  readonly setWeight?: number;
  readonly pause?: { readonly duration?: string | number };
  readonly [other: string]: unknown;
}

/** The canary's share of the requests, as the Rollout wants it and as Traefik applies it. */
export interface TrafficWeights {
  /** The weighted TraefikService the controller sets. */
  readonly traefikService: string;
  /** The canary weight the controller last set for the Rollout's current step. */
  readonly desired: number;
  /** The canary weight Traefik routes by, in percent; `undefined` when it could not be read. */
  readonly applied?: number;
  /** Why `applied` could not be read. */
  readonly unreadable?: string;
  /** True when Traefik still applied another weight after the grace period (`readTrafficWeights`). */
  readonly mismatch: boolean;
}

/** The phases the controller and the plugin report. */
export type RolloutPhase = 'Healthy' | 'Degraded' | 'Progressing' | 'Paused';

export interface RolloutSummary {
  /** Healthy, Degraded, Progressing or Paused. */
  readonly status: RolloutPhase;
  /** Why, when the plugin says why: "CanaryPauseStep", "RolloutAborted: ...". Empty otherwise. */
  readonly message: string;
  /** `currentStepIndex/steps`, such as `1/3`, or `-` without canary steps. */
  readonly step: string;
  /** The canary's set weight, as the plugin's SetWeight column, or `-` outside a canary. */
  readonly weight: string;
  /** `spec.replicas`. */
  readonly desired: number;
  /** `status.readyReplicas`. */
  readonly ready: number;
  /** `<rollout>-<stableRS>`, or `-` when there is no stable ReplicaSet yet. */
  readonly stableReplicaSet: string;
  /** `<rollout>-<currentPodHash>` while it differs from the stable one: the canary's ReplicaSet. */
  readonly canaryReplicaSet?: string;
  /** The `rollout.argoproj.io/revision` annotation. */
  readonly revision?: string;
  /**
   * True when the Rollout waits at a canary `pause` step: the only state in which a plain
   * `promote` does what an operator means. Elsewhere it silently skips the current step.
   */
  readonly pausedAtPauseStep: boolean;
  /**
   * The index of the first pause step after the current step, when the canary has one: a plain
   * `promote` from here stops there (with `canaryWeights` of several steps) instead of at Healthy.
   */
  readonly nextPauseStepIndex?: number;
  /** The release the pod template names, when the workload has a release variable (read beside the Rollout). */
  readonly release?: string;
  /** The canary's background analysis, when the Rollout has one and a run exists (read beside the Rollout). */
  readonly analysis?: AnalysisRunSummary;
  /** The canary weight desired and applied, when the Rollout routes through Traefik (read beside the Rollout). */
  readonly traffic?: TrafficWeights;
}

const MAX_TRAFFIC_WEIGHT = 100;

/** The plugin's status and message for `rollout` (GetRolloutPhase). */
export function rolloutPhase(rollout: RolloutObject): { phase: RolloutPhase; message: string } {
  const status = rollout.status ?? {};
  if (!isGenerationObserved(rollout)) return { phase: 'Progressing', message: 'waiting for rollout spec update to be observed' };
  if (status.controllerPause && (status.pauseConditions ?? []).length === 0) {
    return { phase: 'Progressing', message: 'waiting for rollout to unpause' };
  }
  if (status.phase) return { phase: status.phase as RolloutPhase, message: status.message ?? '' };
  return calculateRolloutPhase(rollout);
}

/** The controller's phase rules, which the plugin falls back to when `status.phase` is empty (CalculateRolloutPhase). */
export function calculateRolloutPhase(rollout: RolloutObject): { phase: RolloutPhase; message: string } {
  const spec = rollout.spec ?? {};
  const status = rollout.status ?? {};
  for (const condition of status.conditions ?? []) {
    if (condition.type === 'InvalidSpec') return { phase: 'Degraded', message: `InvalidSpec: ${condition.message ?? ''}` };
    if (condition.reason === 'RolloutAborted' || condition.reason === 'ProgressDeadlineExceeded') {
      return { phase: 'Degraded', message: `${condition.reason}: ${condition.message ?? ''}` };
    }
  }
  if (spec.paused) return { phase: 'Paused', message: 'manually paused' };
  const [firstPause] = status.pauseConditions ?? [];
  if (firstPause) return { phase: 'Paused', message: firstPause.reason ?? '' };
  if (spec.restartAt !== undefined && (status.restartedAt === undefined || Date.parse(spec.restartAt) !== Date.parse(status.restartedAt))) {
    return { phase: 'Progressing', message: 'rollout is restarting' };
  }
  const updated = status.updatedReplicas ?? 0;
  if (updated < (spec.replicas ?? 1)) return { phase: 'Progressing', message: 'more replicas need to be updated' };
  if ((status.availableReplicas ?? 0) < updated) return { phase: 'Progressing', message: 'updated replicas are still becoming available' };
  const fullyPromoted = status.stableRS !== undefined && status.stableRS !== '' && status.stableRS === status.currentPodHash;
  const { blueGreen, canary } = spec.strategy ?? {};
  if (blueGreen) {
    const active = status.blueGreen?.activeSelector ?? '';
    if (active === '' || active !== status.currentPodHash) return { phase: 'Progressing', message: 'active service cutover pending' };
    if (!fullyPromoted) {
      const analysisDone = ['Successful', 'Failed', 'Error', 'Inconclusive'].includes(
        status.blueGreen?.postPromotionAnalysisRunStatus?.status ?? '',
      );
      return blueGreen.postPromotionAnalysis !== undefined && !analysisDone
        ? { phase: 'Progressing', message: 'waiting for analysis to complete' }
        : { phase: 'Progressing', message: 'waiting for post-promotion verification to complete' };
    }
  } else if (canary) {
    // Basic canary only: with traffic routing, old pods may stay up on purpose (scaleDownDelay).
    if (!canary.trafficRouting && (status.replicas ?? 0) > updated)
      return { phase: 'Progressing', message: 'old replicas are pending termination' };
    if (!fullyPromoted) return { phase: 'Progressing', message: 'waiting for all steps to complete' };
  }
  return { phase: 'Healthy', message: '' };
}

/** The row `status` prints for one Rollout. */
export function summarizeRollout(rollout: RolloutObject): RolloutSummary {
  const name = rollout.metadata?.name ?? 'rollout';
  const status = rollout.status ?? {};
  const canary = rollout.spec?.strategy?.canary;
  const steps = canary?.steps ?? [];
  const { phase, message } = rolloutPhase(rollout);
  const index = status.currentStepIndex;
  const currentStep = steps.length === 0 ? undefined : steps[index ?? 0];
  const stable = status.stableRS ?? '';
  const current = status.currentPodHash ?? '';
  const nextPause = steps.findIndex((step, stepIndex) => stepIndex > (index ?? 0) && step.pause !== undefined);
  return {
    status: phase,
    message,
    step: index !== undefined && steps.length > 0 ? `${index}/${steps.length}` : '-',
    weight: canary ? String(setWeight(rollout)) : '-',
    desired: rollout.spec?.replicas ?? 1,
    ready: status.readyReplicas ?? 0,
    stableReplicaSet: stable === '' ? '-' : `${name}-${stable}`,
    canaryReplicaSet: current !== '' && current !== stable ? `${name}-${current}` : undefined,
    revision: rollout.metadata?.annotations?.['rollout.argoproj.io/revision'],
    pausedAtPauseStep:
      phase === 'Paused' &&
      currentStep?.pause !== undefined &&
      (status.pauseConditions ?? []).some((condition) => condition.reason === 'CanaryPauseStep'),
    ...(nextPause >= 0 ? { nextPauseStepIndex: nextPause } : {}),
  };
}

/** The canary's desired weight at its current step (GetCurrentSetWeight). */
function setWeight(rollout: RolloutObject): number {
  const canary = rollout.spec?.strategy?.canary;
  if (rollout.status?.abort) return 0;
  const steps = canary?.steps ?? [];
  const index = rollout.status?.currentStepIndex ?? 0;
  if (steps.length === 0 || index >= steps.length) return canary?.trafficRouting?.maxTrafficWeight ?? MAX_TRAFFIC_WEIGHT;
  for (let i = index; i >= 0; i--) {
    const weight = steps[i]?.setWeight;
    if (weight !== undefined) return weight;
  }
  return 0;
}

/** False while the controller has not yet seen the latest spec: what it reports is then stale. */
function isGenerationObserved(rollout: RolloutObject): boolean {
  const observed = rollout.status?.observedGeneration;
  if (observed === undefined || !/^\d+$/.test(observed)) return true;
  const generation = rollout.metadata?.generation ?? 0;
  return Number(observed) >= generation;
}

/** One line for logs: `Paused (CanaryPauseStep) at step 1/3, weight 50, 2/2 ready`. */
export function describeRolloutSummary(summary: RolloutSummary): string {
  const parts = [`${summary.status}${summary.message ? ` (${summary.message})` : ''}`];
  if (summary.step !== '-') parts.push(`at step ${summary.step}`);
  const details = [`weight ${summary.weight}`, `${summary.ready}/${summary.desired} ready`, `stable ${summary.stableReplicaSet}`];
  if (summary.canaryReplicaSet) details.push(`canary ${summary.canaryReplicaSet}`);
  if (summary.revision) details.push(`revision ${summary.revision}`);
  return `${parts.join(' ')}: ${details.join(', ')}`;
}

/** The release a Rollout's pod template names in `variable`, in any of its containers. */
export function releaseOfRollout(rollout: RolloutObject, variable: string | undefined): string | undefined {
  if (variable === undefined) return undefined;
  for (const container of rollout.spec?.template?.spec?.containers ?? []) {
    const found = container.env?.find((entry) => entry.name === variable);
    if (found?.value !== undefined) return found.value;
  }
  return undefined;
}
