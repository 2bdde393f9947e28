/** The bench's areas, in the order `npm run bench` runs them, and the tables each one reports. */
import { run as dashboard } from './dashboard.js';
import { run as diff } from './diff.js';
import { run as e2e } from './e2e.js';
import { run as render } from './render.js';
import type { BenchTable } from './report.js';
import { run as runner } from './runner.js';
import { run as serviceLoad } from './service-load.js';
import { run as synth } from './synth.js';
import { run as synthVsKustomize } from './synth-vs-kustomize.js';
import { run as yaml } from './yaml.js';

export interface BenchArea {
  readonly measure: () => BenchTable[] | Promise<BenchTable[]>;
  /** The ids of the tables it returns: the regions it fills in docs/benchmarks.md. */
  readonly tables: readonly string[];
  /** Left out unless named: it needs more than this repository (the end-to-end toolchain). */
  readonly onlyWhenNamed?: boolean;
}

export const AREAS: Readonly<Record<string, BenchArea>> = {
  synth: { measure: synth, tables: ['synth'] },
  'synth-kustomize': { measure: synthVsKustomize, tables: ['synth-kustomize'] },
  runner: { measure: runner, tables: ['runner'] },
  yaml: { measure: yaml, tables: ['yaml'] },
  render: { measure: render, tables: ['render', 'service-start'] },
  'service-load': { measure: serviceLoad, tables: ['service-load'] },
  diff: { measure: diff, tables: ['diff', 'diff-large'] },
  dashboard: { measure: dashboard, tables: ['dashboard'] },
  e2e: { measure: e2e, tables: ['e2e'], onlyWhenNamed: true },
};
