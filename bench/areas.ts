/** The bench's areas, in the order `npm run bench` runs them, and the tables each one reports. */
import type { BenchTable } from './report.js';

export interface BenchArea {
  readonly measure: () => BenchTable[] | Promise<BenchTable[]>;
  /** The ids of the tables it returns: the regions it fills in docs/benchmarks.md. */
  readonly tables: readonly string[];
  /** Left out unless named: it needs more than this repository (the end-to-end toolchain). */
  readonly onlyWhenNamed?: boolean;
}

/**
 * An area's measurement, its module imported only when it runs: some load a browser's driver or
 * a cluster's harness, which `--help` and the other areas do not need.
 */
const measuredBy =
  (load: () => Promise<{ run: BenchArea['measure'] }>): BenchArea['measure'] =>
  async () =>
    (await load()).run();

export const AREAS: Readonly<Record<string, BenchArea>> = {
  synth: { measure: measuredBy(() => import('./synth.js')), tables: ['synth'] },
  'synth-kustomize': { measure: measuredBy(() => import('./synth-vs-kustomize.js')), tables: ['synth-kustomize'] },
  runner: { measure: measuredBy(() => import('./runner.js')), tables: ['runner'] },
  yaml: { measure: measuredBy(() => import('./yaml.js')), tables: ['yaml'] },
  render: { measure: measuredBy(() => import('./render.js')), tables: ['render', 'service-start'] },
  'service-load': { measure: measuredBy(() => import('./service-load.js')), tables: ['service-load'] },
  diff: { measure: measuredBy(() => import('./diff.js')), tables: ['diff', 'diff-large'] },
  dashboard: { measure: measuredBy(() => import('./dashboard.js')), tables: ['dashboard'] },
  e2e: { measure: measuredBy(() => import('./e2e.js')), tables: ['e2e'], onlyWhenNamed: true },
};
