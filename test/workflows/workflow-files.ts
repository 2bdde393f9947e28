import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../support/synth-process.js';

export const WORKFLOWS_DIR = join(PROJECT_ROOT, '.github', 'workflows');

/** Every workflow file of the project, by name. */
export function workflowFiles(): string[] {
  return readdirSync(WORKFLOWS_DIR)
    .filter((file) => file.endsWith('.yml') || file.endsWith('.yaml'))
    .sort();
}

export function readWorkflow(file: string): { text: string; workflow: any } {
  const text = readFileSync(join(WORKFLOWS_DIR, file), 'utf8');
  return { text, workflow: parse(text) };
}

/** npm's own names for `npm test`, `npm start` and friends: each runs the script of that name. */
const LIFECYCLE_COMMANDS: Record<string, string> = {
  test: 'test',
  t: 'test',
  tst: 'test',
  start: 'start',
  stop: 'stop',
  restart: 'restart',
};

/**
 * The package.json scripts a workflow runs: `npm run X` and `npm run-script X` (flags such as
 * `--silent` before the name allowed), and `npm test` / `npm start` / `npm stop` / `npm restart`.
 * Reads every `run:` of every step of every job.
 */
export function npmScriptsCalled(workflow: any): { job: string; step: string; script: string }[] {
  const calls: { job: string; step: string; script: string }[] = [];
  for (const [job, definition] of Object.entries<any>(workflow?.jobs ?? {})) {
    for (const [index, step] of (definition?.steps ?? []).entries()) {
      if (typeof step?.run !== 'string') continue;
      const name = step.name ?? `step ${index + 1}`;
      for (const match of step.run.matchAll(
        /\bnpm\s+(?:--?[\w-]+(?:=\S+)?\s+)*(run(?:-script)?|test|t|tst|start|stop|restart)\b(?:\s+((?:--?[\w-]+(?:=\S+)?\s+)*)([\w:.-]+))?/g,
      )) {
        const [, command = '', , script] = match;
        if (!command.startsWith('run')) calls.push({ job, step: name, script: LIFECYCLE_COMMANDS[command] ?? command });
        else if (script) calls.push({ job, step: name, script });
      }
    }
  }
  return calls;
}
