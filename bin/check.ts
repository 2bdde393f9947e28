/**
 * The CI gate for dist/: a fresh synth equals the committed output (dist/ and any other file
 * main.ts generates), dist/ holds only the kinds this program emits, and every object in it
 * matches its schema.
 *
 *   npm run check
 *
 * Exit codes: 0 passed, 1 a check failed, 2 bad usage.
 */
import { Command, CommanderError } from 'commander';
import { renderCheckReport } from '../lib/check/check-report.js';
import { checkDist } from '../lib/check/dist-check.js';
import { shouldColor } from '../lib/terminal-color.js';

async function main(): Promise<void> {
  try {
    new Command('npm run check')
      .description('Check that dist/ equals a fresh synth, holds only allowed kinds, and matches the schemas.')
      .exitOverride()
      .parse(process.argv.slice(2), { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    throw error;
  }
  const results = await checkDist({ projectRoot: process.cwd() });
  process.stdout.write(renderCheckReport(results, { color: shouldColor(process.env, process.stdout.isTTY) }));
  process.exitCode = results.every((result) => result.ok) ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 2;
});
