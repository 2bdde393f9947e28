import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RolloutObject } from '../../lib/operator/rollout-summary.js';
import { PROJECT_ROOT } from '../support/synth-process.js';

/**
 * Outputs of kubectl-argo-rollouts v1.9.0 recorded by the release drill (`npm run e2e`, which
 * writes them under `test-output/e2e/run-*\/plugin-output/`), one folder per stage.
 */
export const PLUGIN_FIXTURES = join(PROJECT_ROOT, 'test', 'operator', 'fixtures', 'kubectl-argo-rollouts-v1.9.0');

export interface PluginFixture {
  /** `kubectl get rollout mandelbrot -o json`, without managedFields. */
  readonly rollout: RolloutObject;
  /** `kubectl argo rollouts get rollout mandelbrot --no-color`. */
  readonly getRollout: string;
  /** `kubectl argo rollouts status mandelbrot --watch=false`. */
  readonly status: string;
}

export function pluginFixture(stage: string): PluginFixture {
  const read = (file: string) => readFileSync(join(PLUGIN_FIXTURES, stage, file), 'utf8');
  return { rollout: JSON.parse(read('rollout.json')), getRollout: read('get-rollout.txt'), status: read('status.txt') };
}
