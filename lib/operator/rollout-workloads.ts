import type { Workload, WorkloadRollout } from '../workloads/workload.js';
import { UsageError } from '../core/errors.js';

/** A workload that runs a Rollout operators drive. */
export type RolloutWorkload = Workload & { readonly rollout: WorkloadRollout };

/** The workloads that run a Rollout, in registry order. */
export function rolloutWorkloads(workloads: readonly Workload[]): RolloutWorkload[] {
  return workloads.filter((workload): workload is RolloutWorkload => workload.rollout !== undefined);
}

/**
 * The workload `--workload` names, or the only one that runs a Rollout when it is not given.
 *
 * @throws UsageError naming the choices when the name is unknown, or missing among several
 */
export function selectRolloutWorkload(workloads: readonly Workload[], name: string | undefined): RolloutWorkload {
  const choices = rolloutWorkloads(workloads);
  const names = choices.map((workload) => workload.name).join(', ');
  if (choices.length === 0) throw new UsageError('no workload runs a Rollout (lib/workloads/registry.ts); there is nothing to operate on');
  if (name === undefined) {
    const [only, ...others] = choices;
    if (only !== undefined && others.length === 0) return only;
    throw new UsageError(`--workload is needed: more than one workload runs a Rollout; expected one of ${names}`);
  }
  const chosen = choices.find((workload) => workload.name === name);
  if (!chosen)
    throw new UsageError(
      `--workload "${name}" is not a workload that runs a Rollout; expected ${choices.length === 1 ? names : `one of ${names}`}`,
    );
  return chosen;
}
