/**
 * `npm run bench`: prints the project's performance figures, one area after another;
 * `npm run bench -- <area>...` runs only those areas (`npm run test:load` is the service-load area);
 * `--markdown` prints the tables as Markdown, the form docs/benchmarks.md holds them in.
 * The end-to-end drill (`npm run bench -- e2e`) starts a cluster, so it runs only when named.
 * Figures come from real processes on this machine; nothing here asserts a threshold.
 */
import { run as diff } from './diff.js';
import { run as e2e } from './e2e.js';
import { run as render } from './render.js';
import { run as runner } from './runner.js';
import { run as serviceLoad } from './service-load.js';
import { run as synth } from './synth.js';
import type { TableFormat } from '../lib/util/text-table.js';
import { run as yaml } from './yaml.js';

const AREAS: Record<string, (format: TableFormat) => Promise<void>> = {
  synth,
  runner,
  yaml,
  render,
  'service-load': serviceLoad,
  diff,
  e2e,
};
const ONLY_WHEN_NAMED = new Set(['e2e']);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const format: TableFormat = args.includes('--markdown') ? 'markdown' : 'text';
  const names = args.filter((arg) => arg !== '--markdown');
  const unknown = names.filter((name) => !(name in AREAS));
  if (unknown.length > 0) {
    console.error(`error: unknown bench area ${unknown.join(', ')}; expected --markdown and any of ${Object.keys(AREAS).join(', ')}`);
    process.exit(2);
  }
  for (const name of names.length > 0 ? names : Object.keys(AREAS).filter((area) => !ONLY_WHEN_NAMED.has(area))) {
    await AREAS[name](format);
    console.log();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
