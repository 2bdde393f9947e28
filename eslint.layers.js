// The layers of lib/, top down: a module imports only from the layers below its own (and the
// generated imports/), so a lower folder never depends on a higher one. Only the entry points
// (main.ts, bin/) read the workload registry; everything below is handed the workloads.

/** lib/'s folders (and lib/cluster-delivery.ts), from the top of the stack down. */
export const LAYERS = [
  'check',
  'workflows',
  'operator',
  'diff',
  'cluster-delivery',
  'config',
  'workloads',
  'progressive-delivery',
  'argocd',
  'synth',
  'cli',
  'core',
  'util',
];

/** Files of lib/ that sit directly in it rather than in a folder. */
const FILE_LAYERS = new Set(['cluster-delivery']);

const REGISTRY_MESSAGE =
  'only the entry points (main.ts, bin/) read the workload registry; take the workloads as a parameter or prop instead';

/**
 * One flat-config block per layer and folder depth, each with every pattern that applies to its files.
 *
 * @param {readonly string[]} layers
 * @returns {import('eslint').Linter.Config[]}
 */
export function layerRules(layers = LAYERS) {
  return layers.flatMap((layer, index) => {
    const above = layers.slice(0, index);
    const message = `lib/${layer} imports only the layers below it; top down they are ${layers.join(' > ')} (README.md, Layout)`;
    const depths = FILE_LAYERS.has(layer) ? [0] : [1, 2, 3];
    return depths.map((depth) => {
      const up = depth === 0 ? '\\./' : `(?:\\.\\./){${depth}}`;
      const targets = above.map((name) => (FILE_LAYERS.has(name) ? `${name}\\.js$` : `${name}/`)).join('|');
      const patterns = [
        { regex: '^(?:(?:\\.\\./)+(?:workloads/)?|\\./workloads/)(?:registry|all-workloads)\\.js$', message: REGISTRY_MESSAGE },
      ];
      if (layer === 'workloads' && depth === 1) patterns.push({ regex: '^\\./all-workloads\\.js$', message: REGISTRY_MESSAGE });
      if (targets) patterns.push({ regex: `^${up}(?:${targets})`, message });
      const files = depth === 0 ? [`lib/${layer}.ts`] : [`lib/${layer}/${'*/'.repeat(depth - 1)}*.ts`];
      return { files, rules: { 'no-restricted-imports': ['error', { patterns }] } };
    });
  });
}
