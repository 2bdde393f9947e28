import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { parseYamlObject } from './support/yaml.js';
import { releaseCommand } from '../lib/operator/release-command.js';
import { WORKLOADS } from '../lib/workloads/all-workloads.js';
import { ProjectCopy } from './check/project-copy.js';
import { committedStateProblems, projectCommands } from './support/committed-state.js';
import { addReadmeWorkload, readmeWorkloadName } from './support/docs.js';
import { releaseSynthInProcess } from './support/fixture-project.js';
import { plainEnv, runCommand } from './support/run-command.js';

// Each routine change the documentation describes, made in a copy of the project as it is: after
// `npm run synth`, the committed-state checks pass there with no test edited. A project that has
// made a change already gets it once more: another cluster, the example under another name.

/** A change to a copy; `ownCode` when it changes code, which the copy's synth and check must then be. */
interface RoutineChange {
  readonly name: string;
  /** Makes the change; may return a name it chose, which `effect` is given. */
  readonly change: (root: string) => Promise<string | void> | string | void;
  /** What the change made, read from the copy after synth: proof that it took effect. */
  readonly effect: (root: string, chosen: string) => unknown;
  readonly expected: unknown;
  readonly ownCode?: boolean;
}

const read = (root: string, path: string) => readFileSync(join(root, path), 'utf8');

/** The first of `candidates` that no file in `folder` is named after. */
const unused = (folder: string, candidates: readonly string[]) =>
  candidates.find((name) => !readdirSync(folder).some((file) => file.startsWith(`${name}.`))) ?? candidates[0]!;

/** Edits platform.yaml as YAML, keeping its comments. */
function editPlatform(root: string, edit: (document: ReturnType<typeof parseDocument>) => void): void {
  const document = parseDocument(read(root, 'platform.yaml'));
  edit(document);
  writeFileSync(join(root, 'platform.yaml'), document.toString());
}

/** The README's example workload's name in a copy: its own, or another when the project registers it already. */
const exampleName = (root: string) => {
  const name = readmeWorkloadName(read(root, 'README.md'));
  return read(root, 'lib/workloads/registry.ts').includes(`./${name}/`) ? 'adopted' : name;
};

const releaseOf = (root: string, cluster: string) =>
  parseYamlObject(read(root, `dist/${cluster}/mandelbrot/rollout-mandelbrot.yaml`)).spec.template.spec.containers[0].env.find(
    (variable: { name: string }) => variable.name === 'MANDELBROT_RELEASE',
  )?.value;

const ROUTINE_CHANGES: RoutineChange[] = [
  {
    name: 'add a cluster whose name is not its cloud (README: Adding a cluster)',
    change: (root) => {
      const name = unused(join(root, 'overlays'), ['aws-west', 'aws-west-routine']);
      writeFileSync(
        join(root, 'overlays', `${name}.yaml`),
        `cloud: aws\nregion: us-west-2\ncontext: ${name}-eks\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n`,
      );
      return name;
    },
    effect: (root, name) => {
      const prefix = name.toUpperCase().replaceAll('-', '_');
      return [
        existsSync(
          join(
            root,
            `dist/bootstrap/application-trinity-${parseYamlObject(read(root, 'platform.yaml')).environment ?? 'dev'}-${name}-root.yaml`,
          ),
        ),
        read(root, '.github/workflows/mandelbrot-rollout.yml').includes(`secrets.${prefix}_ROLE_ARN`),
      ];
    },
    expected: [true, true],
  },
  {
    name: 'bump the release (npm run release)',
    change: async (root) => {
      const result = await runCommand(releaseCommand, ['routine-bump'], {
        cwd: root,
        env: plainEnv(),
        run: releaseSynthInProcess(WORKLOADS),
        workloads: WORKLOADS,
      });
      if (result.status !== 0) throw new Error(`npm run release failed: ${result.stderr}`);
    },
    effect: (root) => releaseOf(root, 'aws'),
    expected: 'routine-bump',
  },
  {
    name: "add the README's example workload (README: Adding a workload)",
    change: (root) => {
      const name = exampleName(root);
      addReadmeWorkload(root, name);
      return name;
    },
    effect: (root, name) => {
      return parseYamlObject(read(root, `dist/aws/${name}/deployment-${name}.yaml`)).spec.template.spec.containers[0].imagePullPolicy;
    },
    expected: 'IfNotPresent',
    ownCode: true,
  },
  {
    name: 'turn canary analysis on (docs/operating.md: Automated canary analysis)',
    change: (root) =>
      editPlatform(root, (document) => {
        document.setIn(['analysis', 'prometheus'], 'http://prometheus.monitoring:9090');
        document.deleteIn(['analysis', 'enabled']);
      }),
    effect: (root) => existsSync(join(root, 'dist/gcp/mandelbrot/analysistemplate-mandelbrot-success-rate.yaml')),
    expected: true,
  },
  {
    name: 'point repoURL at another repository (docs/adopting.md)',
    change: (root) =>
      editPlatform(root, (document) => document.setIn(['repository', 'repoURL'], 'git@github.com:example-org/platform-gitops.git')),
    effect: (root) => parseYamlObject(read(root, 'dist/aws/argocd/application-trinity-mandelbrot-aws.yaml')).spec.source.repoURL,
    expected: 'git@github.com:example-org/platform-gitops.git',
  },
];

describe('a routine change keeps the committed state green, with no test edited', () => {
  test.each(ROUTINE_CHANGES)('$name', async ({ change, effect, expected, ownCode }) => {
    const copy = ProjectCopy.create();
    try {
      const chosen = (await change(copy.root)) ?? '';
      const synth = await runCommand((await projectCommands(copy.root, { ownCode })).synth, [], { cwd: copy.root });
      expect(synth.stderr).toBe('');
      expect(synth.status).toBe(0);
      expect(effect(copy.root, chosen)).toEqual(expected);
      expect(await committedStateProblems(copy.root, { ownCode })).toEqual([]);
    } finally {
      copy.cleanup();
    }
  });
});
