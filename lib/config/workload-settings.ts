import * as v from 'valibot';
import type { Workload } from '../workloads/workload.js';

/** Settings by workload name, each validated by its workload's schema. */
export type WorkloadSettings = Readonly<Record<string, unknown>>;

/** Where a `workloads:` schema is used: the platform's shared settings or a cluster's own. */
export type SettingsLevel = 'platform' | 'cluster';

/**
 * `workloads:` in platform.yaml or an overlay: a mapping of each registered workload's name to
 * its settings. A name no workload has is reported as an unknown workload, naming the known ones.
 */
export function workloadsSchema(workloads: readonly Workload[], level: SettingsLevel): v.GenericSchema<unknown, WorkloadSettings> {
  const entries = Object.fromEntries(
    workloads.map((workload) => [
      workload.name,
      v.optional(level === 'platform' ? workload.platformSettings : workload.clusterSettings, {}),
    ]),
  );
  // yaml-file.ts reads `unknownKey` to name what an unknown key is.
  const byName = Object.assign(v.strictObject(entries, 'expected a mapping of workload name to its settings'), { unknownKey: 'workload' });
  return v.optional(byName, {});
}
