/**
 * The CI gate for dist/: a fresh synth equals the committed output (dist/ and any other file
 * main.ts generates), dist/ holds only the kinds this program emits, and every object in it
 * matches its schema.
 *
 *   npm run check
 *
 * Exit codes: 0 passed, 1 a check failed, 2 bad usage.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { type Command as EntryCommand, type CommandIO, runCaptured, runIfEntryPoint } from '../lib/cli/command-io.js';
import { exitCodeOf } from '../lib/cli/command-line-errors.js';
import { renderCheckReport } from '../lib/check/check-report.js';
import { checkDist } from '../lib/check/dist-check.js';
import type { SchemaValidator } from '../lib/check/schema-validation.js';
import { shouldColor } from '../lib/util/terminal-color.js';
import { runSynth } from '../main.js';

async function check(
  argv: readonly string[],
  io: CommandIO,
  synth: EntryCommand,
  schemas?: () => Promise<SchemaValidator>,
): Promise<number> {
  new Command('npm run check')
    .description('Check that dist/ equals a fresh synth, holds only allowed kinds, and matches the schemas.')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .parse(argv, { from: 'user' });
  // The fresh synth and the schemas take seconds: a person at a terminal is told what runs.
  if (io.stderr.isTTY) io.stderr.write('npm run check: a fresh synth to compare dist/ with, then its kinds and schemas\n');
  // The fresh synth runs in this process.
  const results = await checkDist({
    projectRoot: io.cwd,
    env: io.env,
    synth: (root, args, env) => runCaptured(synth, args, { cwd: root, env }),
    schemas: await schemas?.(),
    cacheDir: join(io.cwd, 'node_modules', '.cache', 'trinity-delivery'),
  });
  io.stdout.write(renderCheckReport(results, { color: shouldColor(io.env, io.stdout.isTTY) }));
  return results.every((result) => result.ok) ? 0 : 1;
}

/**
 * `npm run check -- <argv>` in `io.cwd`, with `synth` as its fresh synth: resolves to its exit code.
 * `schemas` gives the schemas to validate against; by default each run loads them from `io.cwd`.
 */
export function checkCommand(synth: EntryCommand, schemas?: () => Promise<SchemaValidator>): EntryCommand {
  return (argv, io) => exitCodeOf(check(argv, io, synth, schemas), (line) => io.stderr.write(`${line}\n`));
}

/** `npm run check` of this project. */
export const runCheck = checkCommand(runSynth);

runIfEntryPoint('bin/check.ts', runCheck, process);
