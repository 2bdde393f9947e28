/**
 * What the bench reports and how: each area returns its tables, and they are printed as plain
 * text, as Markdown, or written into the marked regions of a Markdown file (docs/benchmarks.md),
 * so the tables there come from a run and are never typed by hand.
 */
import { cpus, loadavg } from 'node:os';
import { formatTable } from '../lib/util/text-table.js';

/** One table the bench measured. Its `id` names its region in docs/benchmarks.md. */
export interface BenchTable {
  readonly id: string;
  /** What was measured and how often, such as `synth (warm bundle; median of 15 runs)`. */
  readonly title: string;
  readonly headings: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Sentences after the table: figures that are not a table's rows. */
  readonly notes?: readonly string[];
}

/** Where and when an area ran: the machine is shared, so its load belongs beside the figures. */
export interface BenchConditions {
  /** `YYYY-MM-DD`. */
  readonly date: string;
  readonly node: string;
  readonly cores: number;
  /** One-minute load average as the area started and as it ended. */
  readonly loadBefore: number;
  readonly loadAfter: number;
}

/** A table with the conditions of the run that measured it. */
export interface MeasuredTable extends BenchTable {
  readonly conditions: BenchConditions;
}

/** Runs `measure` and stamps every table it returns with this machine's conditions. */
export async function measureArea(measure: () => BenchTable[] | Promise<BenchTable[]>): Promise<MeasuredTable[]> {
  const loadBefore = loadavg()[0] ?? 0;
  const tables = await measure();
  const conditions: BenchConditions = {
    date: new Date().toISOString().slice(0, 10),
    node: process.version,
    cores: cpus().length,
    loadBefore,
    loadAfter: loadavg()[0] ?? 0,
  };
  return tables.map((table) => ({ ...table, conditions }));
}

/** `Node v20.20.2, 2 cores, load average 9.1 as it started and 8.4 as it ended`. */
export function describeConditions(conditions: BenchConditions): string {
  const { date, node, cores, loadBefore, loadAfter } = conditions;
  const busy = Math.max(loadBefore, loadAfter) > cores ? ', a machine busy with other work' : '';
  return `Measured ${date} on Node ${node}, ${cores} cores, load average ${loadBefore.toFixed(1)} as it started and ${loadAfter.toFixed(1)} as it ended${busy}.`;
}

/** The table as the terminal shows it: title, aligned columns, notes and conditions. */
export function renderText(table: MeasuredTable): string {
  return [
    table.title,
    ...formatTable(table.headings, table.rows, 'text'),
    ...(table.notes ?? []),
    describeConditions(table.conditions),
  ].join('\n');
}

/** The table as its region in docs/benchmarks.md holds it: a caption line, then the table and notes. */
export function renderMarkdown(table: MeasuredTable): string {
  const caption = `${table.title}. ${describeConditions(table.conditions)}`;
  return [caption, formatTable(table.headings, table.rows, 'markdown').join('\n'), ...(table.notes ?? [])].join('\n\n');
}

const START = (id: string) => `<!-- bench:${id} -->`;
const END = (id: string) => `<!-- /bench:${id} -->`;
const REGION = /^<!-- bench:([\w-]+) -->\n[\s\S]*?^<!-- \/bench:\1 -->$/gm;

/** The region ids in `markdown`, in order. */
export function regionIds(markdown: string): string[] {
  return [...markdown.matchAll(REGION)].map((match) => match[1] ?? '');
}

/** What is wrong when `markdown` has not exactly one region for the table `id`, naming the marker to add. */
export function regionProblem(markdown: string, id: string, file: string): string | undefined {
  const count = regionIds(markdown).filter((found) => found === id).length;
  if (count === 1) return undefined;
  return `${file}: ${count === 0 ? 'no region' : `${count} regions`} for the bench table ${id}; expected one, ${START(id)} ... ${END(id)}`;
}

/**
 * Replaces the region of each table (between `<!-- bench:<id> -->` and `<!-- /bench:<id> -->`)
 * with its Markdown, and leaves everything else as it is. Throws when a table has no region or
 * more than one, naming the marker to add.
 */
export function replaceRegions(markdown: string, tables: readonly MeasuredTable[], file: string): string {
  const replacements = new Map<string, string>();
  for (const table of tables) {
    const problem = regionProblem(markdown, table.id, file);
    if (problem !== undefined) throw new Error(problem);
    replacements.set(table.id, renderMarkdown(table));
  }
  return markdown.replace(REGION, (region, id: string) => {
    const content = replacements.get(id);
    return content === undefined ? region : `${START(id)}\n\n${content}\n\n${END(id)}`;
  });
}

/** Formats Markdown as the repository's Prettier settings for `file` do, so `prettier --check` accepts the result. */
export async function formatMarkdown(markdown: string, file: string): Promise<string> {
  // Loaded here: only writing a document needs Prettier.
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(markdown, { ...options, filepath: file });
}

/** The 1-based numbers of table lines (starting with `|`) outside every region: typed by hand. */
export function tableLinesOutsideRegions(markdown: string): number[] {
  const inside = new Set<number>();
  for (const match of markdown.matchAll(REGION)) {
    const first = markdown.slice(0, match.index).split('\n').length;
    const count = match[0].split('\n').length;
    for (let line = first; line < first + count; line++) inside.add(line);
  }
  return markdown
    .split('\n')
    .map((text, index) => ({ text, line: index + 1 }))
    .filter(({ text, line }) => text.startsWith('|') && !inside.has(line))
    .map(({ line }) => line);
}
