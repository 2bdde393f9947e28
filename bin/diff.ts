/**
 * Shows what a change to dist/ means for the clusters: object by object, by cluster and by
 * Argo CD Application, with what each change does when Argo CD syncs it.
 *
 *   npm run diff -- --base <git-ref> [--head <git-ref>] [--format text|markdown|json] [--exit-code]
 *
 * Exit codes: 0 done, 1 changes found with --exit-code, 2 bad input (an unknown ref, a file that
 * is not YAML or a --dist that is not a folder), 3 an unexpected failure (a bug), as for every entry point.
 */
import { Command, Option } from 'commander';
import { type CommandIO, runIfEntryPoint } from '../lib/cli/command-io.js';
import { exitCodeOf } from '../lib/cli/command-line-errors.js';
import { hasChanges } from '../lib/diff/diff-model.js';
import { diffGitRevisions } from '../lib/diff/git-diff.js';
import { renderJson } from '../lib/diff/render-json.js';
import { renderMarkdown } from '../lib/diff/render-markdown.js';
import { renderText } from '../lib/diff/render-text.js';
import { shouldColor } from '../lib/util/terminal-color.js';

const FORMATS = ['text', 'markdown', 'json'] as const;

interface DiffFlags {
  readonly base: string;
  readonly head?: string;
  readonly format: (typeof FORMATS)[number];
  readonly exitCode?: boolean;
  readonly dist: string;
}

function parseFlags(argv: readonly string[], io: CommandIO): DiffFlags {
  const program = new Command('npm run diff --')
    .description(
      'Compare the manifests in dist/ at a git ref with the working tree (or --head): by cluster, by Argo CD Application, with what each change means.',
    )
    .requiredOption('--base <ref>', 'git ref to compare from, such as origin/main')
    .option('--head <ref>', 'git ref to compare to (default: the working tree)')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('text'))
    .option('--exit-code', 'exit with 1 when anything changed')
    .option('--dist <folder>', 'the manifest folder, relative to the project', 'dist')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });
  program.parse(argv, { from: 'user' });
  return program.opts<DiffFlags>();
}

async function diff(argv: readonly string[], io: CommandIO): Promise<number> {
  const flags = parseFlags(argv, io);
  const diff = await diffGitRevisions({ directory: io.cwd, base: flags.base, head: flags.head, distPath: flags.dist });
  const render = {
    text: () => renderText(diff, { color: shouldColor(io.env, io.stdout.isTTY) }),
    markdown: () => renderMarkdown(diff),
    json: () => renderJson(diff),
  };
  io.stdout.write(render[flags.format]());
  return flags.exitCode && hasChanges(diff) ? 1 : 0;
}

/** `npm run diff -- <argv>` in `io.cwd`: resolves to its exit code. */
export function runDiff(argv: readonly string[], io: CommandIO): Promise<number> {
  return exitCodeOf(diff(argv, io), (line) => io.stderr.write(`${line}\n`));
}

runIfEntryPoint('bin/diff.ts', runDiff, process);
