import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCommand } from '../../bin/check.js';
import { runSynth } from '../../main.js';
import { entryPointCommand } from '../../lib/util/entry-point.js';
import { brokenLinks, documentationFiles, readDocumentation, readmeWorkloadExample } from './docs.js';
import { PROJECT_ROOT } from './project-root.js';
import { projectSchemas } from './project-schemas.js';
import { type CommandResult, plainEnv, runCommand } from './run-command.js';

/** The README's example workload as test/fixtures/readme-workload.ts holds it, type-checked with the tests. */
export const README_WORKLOAD_FIXTURE = join(PROJECT_ROOT, 'test', 'fixtures', 'readme-workload.ts');

/**
 * `npm run check` in `root`: in this process, or as a process where the code there differs from
 * this project's (a copy with a workload added).
 */
export async function checkIn(root: string, options: { asProcess?: boolean } = {}): Promise<CommandResult> {
  if (!options.asProcess) return runCommand(checkCommand(runSynth, projectSchemas), [], { cwd: root });
  const { command, args } = entryPointCommand(root, 'bin/check.ts', []);
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', env: plainEnv(), maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * What must hold for any configuration of the project at `root`, as one line per problem: dist/
 * and the rollout workflow are a fresh synth (`npm run check`), and the documentation's links,
 * npm scripts and example workload are current.
 */
export async function committedStateProblems(root: string, options: { asProcess?: boolean } = {}): Promise<string[]> {
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
