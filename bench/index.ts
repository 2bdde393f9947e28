/**
 * `npm run bench`: prints the project's performance figures, one area after another;
 * `npm run bench -- <area>...` runs only those areas (`npm run test:load` is the service-load area);
 * `--markdown` prints the tables as Markdown; `--write <file>` (docs/benchmarks.md) replaces each
 * table's marked region in that file with the figures just measured, formatted by Prettier.
 * The end-to-end drill (`npm run bench -- e2e`) starts a cluster, so it runs only when named.
 * Figures come from real processes on this machine; nothing here asserts a threshold.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Argument, Command } from 'commander';
import { type CommandIO, runIfEntryPoint } from '../lib/cli/command-io.js';
import { exitCodeOf } from '../lib/cli/command-line-errors.js';
import { EXIT_CODES, UsageError } from '../lib/core/errors.js';
import { AREAS } from './areas.js';
import { formatMarkdown, type MeasuredTable, measureArea, regionProblem, renderMarkdown, renderText, replaceRegions } from './report.js';

/**
 * The command line, parsed as every entry point's is: commander, which names the nearest flag to
 * a misspelt one and prints its own errors (and `--help`) through `io`.
 *
 * @throws CommanderError for what commander refuses
 */
function parseArguments(
  args: readonly string[],
  io: Pick<CommandIO, 'stdout' | 'stderr'>,
): { names: string[]; markdown: boolean; write?: string } {
  const program = new Command('npm run bench')
    .usage('[-- [area...] [--markdown] [--write <file>]]')
    .description("Prints the project's performance figures, measured on this machine, one area after another.")
    .addArgument(
      new Argument('[area...]', 'areas to measure (default: all but those that run only when named)').choices(Object.keys(AREAS)),
    )
    .option('--markdown', 'print the tables as Markdown')
    .option('--write <file>', "replace each table's marked region in this Markdown file, such as docs/benchmarks.md")
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .exitOverride();
  program.parse([...args], { from: 'user' });
  const { markdown, write } = program.opts<{ markdown?: boolean; write?: string }>();
  return { names: program.processedArgs[0] as string[], markdown: markdown === true, ...(write !== undefined && { write }) };
}

/** `--write`'s file, read before anything is measured. */
function readDocument(file: string, io: CommandIO): string {
  try {
    return readFileSync(resolve(io.cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(
      `--write ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)}); expected a Markdown file`,
    );
  }
}

/** `npm run bench -- <argv>` with `io`: 0 once every area is measured, 2 for bad input (nothing measured). */
export function benchCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  return exitCodeOf(bench(argv, io), (line) => io.stderr.write(`${line}\n`));
}

async function bench(argv: readonly string[], io: CommandIO): Promise<number> {
  const parsed = parseArguments(argv, io);
  const names = parsed.names.length > 0 ? parsed.names : Object.keys(AREAS).filter((name) => !AREAS[name]?.onlyWhenNamed);
  // Read and checked before measuring: a missing file or region fails at once, not after the run.
  const document = parsed.write === undefined ? undefined : readDocument(parsed.write, io);
  if (parsed.write !== undefined && document !== undefined) {
    const problems = names.flatMap((name) => AREAS[name]?.tables ?? []).flatMap((id) => regionProblem(document, id, parsed.write!) ?? []);
    if (problems.length > 0) {
      io.stderr.write(problems.map((problem) => `error: ${problem}\n`).join(''));
      return EXIT_CODES.usage;
    }
  }
  const measured: MeasuredTable[] = [];
  for (const name of names) {
    const area = AREAS[name];
    if (area === undefined) continue;
    // Each area takes seconds to minutes: say which one is running.
    io.stderr.write(`bench: measuring ${name}\n`);
    for (const table of await measureArea(area.measure)) {
      measured.push(table);
      io.stdout.write(`${parsed.markdown ? renderMarkdown(table) : renderText(table)}\n\n`);
    }
  }
  if (parsed.write !== undefined && document !== undefined) {
    const file = resolve(io.cwd, parsed.write);
    writeFileSync(file, await formatMarkdown(replaceRegions(document, measured, parsed.write), file));
    io.stdout.write(`wrote ${measured.length} tables into ${parsed.write}\n`);
  }
  return 0;
}

runIfEntryPoint('bench/index.ts', benchCommand, process);
