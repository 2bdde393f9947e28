/**
 * The CI gate for dist/: a fresh synth equals the committed output (dist/ and any other file
 * main.ts generates), dist/ holds only the kinds this program emits, and every object in it
 * matches its schema.
 *
 *   npm run check
 *
 * Exit codes: 0 passed, 1 a check failed, 2 bad usage.
 */
import { Command } from 'commander';
import { endCommand } from '../lib/cli/command-line-errors.js';
import { renderCheckReport } from '../lib/check/check-report.js';
import { checkDist } from '../lib/check/dist-check.js';
import { shouldColor } from '../lib/util/terminal-color.js';

async function main(): Promise<number> {
  new Command('npm run check')
    .description('Check that dist/ equals a fresh synth, holds only allowed kinds, and matches the schemas.')
    .exitOverride()
    .parse(process.argv.slice(2), { from: 'user' });
  const results = await checkDist({ projectRoot: process.cwd() });
  process.stdout.write(renderCheckReport(results, { color: shouldColor(process.env, process.stdout.isTTY) }));
  return results.every((result) => result.ok) ? 0 : 1;
}

endCommand(main(), (code) => (process.exitCode = code), console.error);
