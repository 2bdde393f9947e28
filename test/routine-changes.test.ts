import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { runSynth } from '../main.js';
import { releaseCommand } from '../lib/operator/release-command.js';
import { runWithTinyexec } from '../lib/operator/run-command.js';
import { ProjectCopy } from './check/project-copy.js';
import { committedStateProblems } from './support/committed-state.js';
import { readmeWorkloadExample } from './support/docs.js';
import { plainEnv, runCommand } from './support/run-command.js';
import { makeTempDir } from './support/synth-process.js';

// Each routine change the documentation describes, made in a copy of the project as it is: after
// `npm run synth`, the committed-state checks pass there with no test edited.

const bundleCache = makeTempDir('routine-change-bundles');
afterAll(() => bundleCache.cleanup());

/** A change to a copy; `asProcess` when it changes code, which this process's synth and check do not have. */
interface RoutineChange {
  readonly name: string;
  readonly change: (root: string) => Promise<void> | void;
  /** What the change made, read from the copy's dist/ after synth: proof that it took effect. */
  readonly effect: (root: string) => unknown;
  readonly expected: unknown;
  readonly asProcess?: boolean;
}

const read = (root: string, path: string) => readFileSync(join(root, path), 'utf8');
const releaseOf = (root: string, cluster: string) =>
  parse(read(root, `dist/${cluster}/mandelbrot/rollout-mandelbrot.yaml`)).spec.template.spec.containers[0].env.find(
    (variable: { name: string }) => variable.name === 'MANDELBROT_RELEASE',
  )?.value;

const ROUTINE_CHANGES: RoutineChange[] = [
  {
    name: 'add a cluster whose name is not its cloud (README: Adding a cluster)',
    change: (root) =>
      writeFileSync(
        join(root, 'overlays', 'aws-west.yaml'),
        'cloud: aws\nregion: us-west-2\ncontext: eks-west\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n',
      ),
    effect: (root) => [
      existsSync(join(root, 'dist/bootstrap/application-trinity-dev-aws-west-root.yaml')),
      read(root, '.github/workflows/mandelbrot-rollout.yml').includes('secrets.AWS_WEST_ROLE_ARN'),
    ],
    expected: [true, true],
  },
  {
    name: 'bump the release (npm run release)',
    change: async (root) => {
      const result = await runCommand(releaseCommand, ['routine-bump'], { cwd: root, env: plainEnv(), run: runWithTinyexec });
      if (result.status !== 0) throw new Error(`npm run release failed: ${result.stderr}`);
    },
    effect: (root) => releaseOf(root, 'aws'),
    expected: 'routine-bump',
  },
  {
    name: "add the README's example workload (README: Adding a workload)",
    change: (root) => {
      const { path, code, registryLine } = readmeWorkloadExample(read(root, 'README.md'));
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), code);
      appendFileSync(join(root, 'lib', 'workloads', 'registry.ts'), registryLine);
    },
    effect: (root) => parse(read(root, 'dist/aws/landing/deployment-landing.yaml')).spec.template.spec.containers[0].imagePullPolicy,
    expected: 'IfNotPresent',
    asProcess: true,
  },
  {
    name: 'turn canary analysis on (docs/operating.md: Automated canary analysis)',
    change: (root) => appendFileSync(join(root, 'platform.yaml'), 'analysis:\n  prometheus: http://prometheus.monitoring:9090\n'),
    effect: (root) => existsSync(join(root, 'dist/gcp/mandelbrot/analysistemplate-mandelbrot-success-rate.yaml')),
    expected: true,
  },
  {
    name: 'point repoURL at another repository (docs/adopting.md)',
    change: (root) => {
      const platform = read(root, 'platform.yaml');
      const changed = platform.replace(/^( {2}repoURL: ).*$/m, '$1git@github.com:example-org/platform-gitops.git');
      if (changed === platform) throw new Error('platform.yaml: no repository.repoURL line to change');
      writeFileSync(join(root, 'platform.yaml'), changed);
    },
    effect: (root) => parse(read(root, 'dist/aws/argocd/application-trinity-mandelbrot-aws.yaml')).spec.source.repoURL,
    expected: 'git@github.com:example-org/platform-gitops.git',
  },
];

describe('a routine change keeps the committed state green, with no test edited', () => {
  test.each(ROUTINE_CHANGES)('$name', async ({ change, effect, expected, asProcess }) => {
    const copy = ProjectCopy.create(bundleCache.path);
    try {
      await change(copy.root);
      const synth = asProcess ? copy.run('main.ts') : await runCommand(runSynth, [], { cwd: copy.root });
      expect(synth.stderr).toBe('');
      expect(synth.status).toBe(0);
      expect(effect(copy.root)).toEqual(expected);
      expect(await committedStateProblems(copy.root, { asProcess })).toEqual([]);
    } finally {
      copy.cleanup();
    }
  });
});
