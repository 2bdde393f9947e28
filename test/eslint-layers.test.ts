import { join } from 'node:path';
import { ESLint } from 'eslint';
import { LAYERS, layerRules } from '../eslint.layers.js';
import { PROJECT_ROOT } from './support/synth-process.js';

// Only the layer rules, on import lines that are plain JavaScript too: ESLint's own parser reads
// them, and the test never loads the TypeScript compiler, which takes seconds.
const eslint = new ESLint({
  cwd: PROJECT_ROOT,
  overrideConfigFile: true,
  overrideConfig: [{ files: ['**/*.ts'], languageOptions: { sourceType: 'module' } }, ...layerRules()],
});

/** The messages of the layer rule for `source` as the module at `path`. */
async function problems(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: join(PROJECT_ROOT, path) });
  return (result?.messages ?? []).map((message) => message.message);
}

describe("lib/'s layers", () => {
  test.each([
    ['lib/core/errors.ts', "import { x } from '../config/project-config.js';"],
    ['lib/util/yaml-parse.ts', "import { x } from '../core/errors.js';"],
    ['lib/progressive-delivery/canary-rollout.ts', "import { x } from '../workloads/workload.js';"],
    ['lib/workloads/mandelbrot/settings.ts', "import { x } from '../../config/workload-settings.js';"],
    ['lib/config/project-config.ts', "import { x } from '../cluster-delivery.js';"],
    ['lib/cluster-delivery.ts', "import { x } from './diff/diff-model.js';"],
  ])('fails if %s imports a layer above it', async (path, source) => {
    expect(await problems(path, source)).toEqual([
      expect.stringContaining(`imports only the layers below it; top down they are ${LAYERS.join(' > ')}`),
    ]);
  });

  test.each([
    ['lib/config/project-config.ts', "import { WORKLOADS } from '../workloads/all-workloads.js';"],
    ['lib/cluster-delivery.ts', "import * as registry from './workloads/registry.js';"],
    ['lib/workloads/workload.ts', "import { WORKLOADS } from './all-workloads.js';"],
    ['lib/workloads/mandelbrot/mandelbrot.ts', "import * as registry from '../registry.js';"],
  ])('fails if %s reads the workload registry', async (path, source) => {
    expect(await problems(path, source)).toEqual([
      expect.stringContaining('only the entry points (main.ts, bin/) read the workload registry'),
    ]);
  });

  test('a layer imports those below it, the generated imports/, and the entry points read the registry', async () => {
    expect(
      await problems(
        'lib/config/project-config.ts',
        "import { x } from '../workloads/workload.js';\nimport { y } from '../core/errors.js';",
      ),
    ).toEqual([]);
    expect(
      await problems(
        'lib/workloads/mandelbrot/x.ts',
        "import { x } from '../../../imports/k8s.js';\nimport { y } from '../../progressive-delivery/canary-rollout.js';",
      ),
    ).toEqual([]);
    expect(await problems('main.ts', "import { WORKLOADS } from './lib/workloads/all-workloads.js';")).toEqual([]);
    expect(await problems('lib/workloads/all-workloads.ts', "import * as registry from './registry.js';")).toEqual([]);
  });
});
