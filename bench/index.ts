/**
 * `npm run bench`: prints the project's performance figures, one area after another;
 * `npm run bench -- <area>...` runs only those areas (`npm run test:load` is the service-load area);
 * `--markdown` prints the tables as Markdown; `--write <file>` (docs/benchmarks.md) replaces each
 * table's marked region in that file with the figures just measured, formatted by Prettier.
 * The end-to-end drill (`npm run bench -- e2e`) starts a cluster, so it runs only when named.
 * Figures come from real processes on this machine; nothing here asserts a threshold.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Argument, Command } from 'commander';
import { AREAS } from './areas.js';
import { formatMarkdown, type MeasuredTable, measureArea, regionProblem, renderMarkdown, renderText, replaceRegions } from './report.js';

/** The command line, parsed as every entry point's is: commander, which names the nearest flag to a misspelt one. */
function parseArguments(args: readonly string[]): { names: string[]; markdown: boolean; write?: string } {
  const program = new Command('npm run bench')
    .usage('[-- [area...] [--markdown] [--write <file>]]')
    .description("Prints the project's performance figures, measured on this machine, one area after another.")
    .addArgument(
      new Argument('[area...]', 'areas to measure (default: all but those that run only when named)').choices(Object.keys(AREAS)),
    )
    .option('--markdown', 'print the tables as Markdown')
    .option('--write <file>', "replace each table's marked region in this Markdown file, such as docs/benchmarks.md")
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
  program.parse([...args], { from: 'user' });
  const { markdown, write } = program.opts<{ markdown?: boolean; write?: string }>();
  return { names: program.processedArgs[0] as string[], markdown: markdown === true, ...(write !== undefined && { write }) };
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
    // Each area takes seconds to minutes: say which one is running.
    console.error(`bench: measuring ${name}`);
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
