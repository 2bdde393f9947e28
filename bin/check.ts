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

function useColor(): boolean {
  const { NO_COLOR, FORCE_COLOR, TERM } = process.env;
  if (NO_COLOR !== undefined && NO_COLOR !== '') return false;
  if (FORCE_COLOR !== undefined && FORCE_COLOR !== '0') return true;
  return process.stdout.isTTY === true && TERM !== 'dumb';
}

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
  process.stdout.write(renderCheckReport(results, { color: useColor() }));
  process.exitCode = results.every((result) => result.ok) ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 2;
});
