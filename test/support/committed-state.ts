import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as checkEntryPoint from '../../bin/check.js';
import { checkCommand } from '../../bin/check.js';
import type { Command } from '../../lib/cli/command-io.js';
import type * as synthEntryPoint from '../../main.js';
import { WORKLOADS } from '../../lib/workloads/all-workloads.js';
import { brokenLinks, documentationFiles, readDocumentation, readmeWorkloadExample } from './docs.js';
import { workerSynthCommand } from './fixture-project.js';
import { PROJECT_ROOT } from './project-root.js';
import { projectSchemas } from './project-schemas.js';
import { type CommandResult, runCommand } from './run-command.js';

/** The README's example workload as test/fixtures/readme-workload.ts holds it, type-checked with the tests. */
export const README_WORKLOAD_FIXTURE = join(PROJECT_ROOT, 'test', 'fixtures', 'readme-workload.ts');

/** Where the code that synthesizes and checks a project comes from. */
export interface CodeOf {
  /**
   * The code at `root` itself, loaded into this process beside this project's: a copy whose code
   * differs (a workload added). Its modules are new; the packages they import are this project's.
   * @default false: this project's code
   */
  readonly ownCode?: boolean;
}

/** `npm run synth` of this project as main.ts runs it, sharing the worker's renderings. */
const PROJECT_SYNTH = workerSynthCommand(WORKLOADS);

/** `npm run synth` and `npm run check` of the project at `root`, as commands to run in process. */
export async function projectCommands(root: string, options: CodeOf = {}): Promise<{ synth: Command; check: Command }> {
  if (!options.ownCode) return { synth: PROJECT_SYNTH, check: checkCommand(PROJECT_SYNTH, projectSchemas) };
  const main = (await import(pathToFileURL(join(root, 'main.ts')).href)) as typeof synthEntryPoint;
  const check = (await import(pathToFileURL(join(root, 'bin', 'check.ts')).href)) as typeof checkEntryPoint;
  return { synth: main.runSynth, check: check.checkCommand(main.runSynth, projectSchemas) };
}

/** `npm run check` in `root`, in this process. */
export async function checkIn(root: string, options: CodeOf = {}): Promise<CommandResult> {
  return runCommand((await projectCommands(root, options)).check, [], { cwd: root });
}

/**
 * What must hold for any configuration of the project at `root`, as one line per problem: dist/
 * and the rollout workflow are a fresh synth (`npm run check`), and the documentation's links,
 * npm scripts and example workload are current.
 */
export async function committedStateProblems(root: string, options: CodeOf = {}): Promise<string[]> {
  const check = await checkIn(root, options);
  const problems = check.status === 0 ? [] : [`npm run check exited ${check.status}:\n${check.stdout}${check.stderr}`];
  return [...problems, ...documentationProblems(root)];
}

/** The documentation's part of {@link committedStateProblems}: links, npm scripts and the example workload. */
export function documentationProblems(root: string): string[] {
  const problems: string[] = [];
  for (const file of documentationFiles(root)) problems.push(...brokenLinks(root, file));
  const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
  for (const [, script] of readDocumentation(root).matchAll(/npm run ([a-z0-9:-]+)/g)) {
    if (script !== undefined && !(script in scripts))
      problems.push(`the documentation names npm run ${script}, which package.json does not have`);
  }
  const example = readmeWorkloadExample(readFileSync(join(root, 'README.md'), 'utf8')).code;
  const fixture = readFileSync(README_WORKLOAD_FIXTURE, 'utf8').replace("'../../lib/workloads/workload.js'", "'../workload.js'");
  if (example !== fixture) problems.push('README.md: the example workload differs from test/fixtures/readme-workload.ts');
  return [...new Set(problems)];
}
