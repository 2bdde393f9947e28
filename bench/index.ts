/**
 * `npm run bench`: prints the project's performance figures, one area after another.
 * Figures come from real processes on this machine; nothing here asserts a threshold.
 */
import { run as diff } from './diff.js';
import { run as render } from './render.js';
import { run as synth } from './synth.js';
import { run as yaml } from './yaml.js';

async function main(): Promise<void> {
  for (const area of [synth, yaml, render, diff]) {
    await area();
    console.log();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
