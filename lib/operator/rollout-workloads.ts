import type { Workload, WorkloadRollout } from '../workloads/workload.js';
import { UsageError } from '../core/errors.js';

/** A workload that runs a Rollout operators drive. */
export type RolloutWorkload = Workload & { readonly rollout: WorkloadRollout };

/** The workloads that run a Rollout, in registry order. */
export function rolloutWorkloads(workloads: readonly Workload[]): RolloutWorkload[] {
  return workloads.filter((workload): workload is RolloutWorkload => workload.rollout !== undefined);
}

/** A workload whose release marker `npm run release` sets. */
export type ReleasedWorkload = Workload & { readonly releaseField: string };

/** The workloads that have a release marker, in registry order. */
export function releasedWorkloads(workloads: readonly Workload[]): ReleasedWorkload[] {
  return workloads.filter((workload): workload is ReleasedWorkload => workload.releaseField !== undefined);
}

/**
 * The workload `--workload` names, or the only one that runs a Rollout when it is not given.
 *
 * @throws UsageError naming the choices when the name is unknown, or missing among several
 */
export function selectRolloutWorkload(workloads: readonly Workload[], name: string | undefined): RolloutWorkload {
  return selectAmong(rolloutWorkloads(workloads), name, 'runs a Rollout');
}

/**
 * The workload `--workload` names, or the only one that has a release marker when it is not given.
 *
 * @throws UsageError naming the choices when the name is unknown, or missing among several
 */
export function selectReleasedWorkload(workloads: readonly Workload[], name: string | undefined): ReleasedWorkload {
  return selectAmong(releasedWorkloads(workloads), name, 'has a release marker');
}

/** The choice `--workload` names, or the only one; `what` says what the choices have in common. */
function selectAmong<T extends Workload>(choices: readonly T[], name: string | undefined, what: string): T {
  const names = choices.map((workload) => workload.name).join(', ');
  if (choices.length === 0) throw new UsageError(`no workload ${what} (lib/workloads/registry.ts); there is nothing to operate on`);
  if (name === undefined) {
    const [only, ...others] = choices;
    if (only !== undefined && others.length === 0) return only;
    throw new UsageError(`--workload is needed: more than one workload ${what}; expected one of ${names}`);
  }
  const chosen = choices.find((workload) => workload.name === name);
  if (!chosen)
    throw new UsageError(
      `--workload "${name}" is not a workload that ${what}; expected ${choices.length === 1 ? names : `one of ${names}`}`,
    );
  return chosen;
}
