/**
 * `npm run bench`: prints the project's performance figures, one area after another;
 * `npm run bench -- <area>...` runs only those areas (`npm run test:load` is the service-load area);
 * `--markdown` prints the tables as Markdown; `--write <file>` (docs/benchmarks.md) replaces each
 * table's marked region in that file with the figures just measured, formatted by Prettier.
 * The end-to-end drill (`npm run bench -- e2e`) starts a cluster, so it runs only when named.
 * Figures come from real processes on this machine; nothing here asserts a threshold.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { AREAS } from './areas.js';
import { formatMarkdown, type MeasuredTable, measureArea, regionProblem, renderMarkdown, renderText, replaceRegions } from './report.js';

const USAGE = `expected --markdown, --write <file> and any of ${Object.keys(AREAS).join(', ')}`;

/** The command line, or one line saying what is wrong with it. */
function parseArguments(args: readonly string[]): { names: string[]; markdown: boolean; write?: string } | string {
  const names: string[] = [];
  let markdown = false;
  let write: string | undefined;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? '';
    if (arg === '--markdown') markdown = true;
    else if (arg === '--write') {
      write = args[++index];
      if (write === undefined || write.startsWith('-')) return `--write needs a Markdown file, such as docs/benchmarks.md; ${USAGE}`;
    } else if (arg in AREAS) names.push(arg);
    else return `unknown bench argument ${arg}; ${USAGE}`;
  }
  return { names, markdown, ...(write !== undefined && { write }) };
}

function readOrExit(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    console.error(
      `error: --write ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)}); expected a Markdown file`,
    );
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const parsed = parseArguments(process.argv.slice(2));
  if (typeof parsed === 'string') {
    console.error(`error: ${parsed}`);
    process.exit(2);
  }
  const names = parsed.names.length > 0 ? parsed.names : Object.keys(AREAS).filter((name) => !AREAS[name]?.onlyWhenNamed);
  // Read and checked before measuring: a missing file or region fails at once, not after the run.
  const document = parsed.write === undefined ? undefined : readOrExit(parsed.write);
  if (parsed.write !== undefined && document !== undefined) {
    const problems = names.flatMap((name) => AREAS[name]?.tables ?? []).flatMap((id) => regionProblem(document, id, parsed.write!) ?? []);
    if (problems.length > 0) {
      console.error(problems.map((problem) => `error: ${problem}`).join('\n'));
      process.exit(2);
    }
  }
  const measured: MeasuredTable[] = [];
  for (const name of names) {
    const area = AREAS[name];
    if (area === undefined) continue;
    for (const table of await measureArea(area.measure)) {
      measured.push(table);
      console.log(parsed.markdown ? renderMarkdown(table) : renderText(table));
      console.log();
    }
  }
  if (parsed.write !== undefined && document !== undefined) {
    writeFileSync(parsed.write, await formatMarkdown(replaceRegions(document, measured, parsed.write), parsed.write));
    console.log(`wrote ${measured.length} tables into ${parsed.write}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
