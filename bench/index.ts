/**
 * `npm run bench`: prints the project's performance figures, one area after another.
 * Figures come from real processes on this machine; nothing here asserts a threshold.
 * `npm run bench -- e2e` (or any list of area names) runs only those areas; the end-to-end drill,
 * which starts a cluster, runs only when named.
 */
import { run as diff } from './diff.js';
import { run as e2e } from './e2e.js';
import { run as render } from './render.js';
import { run as synth } from './synth.js';
import { run as yaml } from './yaml.js';

const AREAS: Record<string, () => Promise<void>> = { synth, yaml, render, diff, e2e };
const DEFAULT_AREAS = ['synth', 'yaml', 'render', 'diff'];

async function main(): Promise<void> {
  const named = process.argv.slice(2);
  const unknown = named.filter((name) => !(name in AREAS));
  if (unknown.length > 0) {
    console.error(`error: unknown bench area ${unknown.join(', ')}; expected some of ${Object.keys(AREAS).join(', ')}`);
    process.exit(2);
  }
  for (const name of named.length > 0 ? named : DEFAULT_AREAS) {
    await AREAS[name]();
    console.log();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
