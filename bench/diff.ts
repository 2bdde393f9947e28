import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CLOUDS } from '../lib/core/fields.js';
import { diffManifestTrees } from '../lib/diff/manifest-diff.js';
import { openGitRepository, readManifestTreeAtCommit, resolveCommit } from '../lib/diff/git-manifest-tree.js';
import { renderMarkdown } from '../lib/diff/render-markdown.js';
import { entryPointCommand } from '../lib/util/entry-point.js';
import { formatSeconds, measureNode, repeat } from './measure.js';
import type { BenchTable } from './report.js';

const RUNS = 9;
const BENCH_ROOT = join('node_modules', '.cache', 'trinity-delivery-bench');

/** Runs `command` in `cwd` and fails loudly: the bench needs every step to work. */
function runOrFail(command: string, args: readonly string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${result.stderr}`);
}

/** Overlays for `count` clusters, cycling through the clouds; returns the files, in order. */
function writeOverlays(folder: string, count: number, release: (index: number) => string | undefined): string[] {
  mkdirSync(folder, { recursive: true });
  return Array.from({ length: count }, (_, index) => {
    const cloud = CLOUDS[index % CLOUDS.length] ?? 'aws';
    const file = join(folder, `${index < CLOUDS.length ? cloud : `${cloud}-${String(index).padStart(3, '0')}`}.yaml`);
    const tag = release(index);
    writeFileSync(
      file,
      `cloud: ${cloud}\nregion: region-${index}\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n${tag ? `    release: ${tag}\n` : ''}`,
    );
    return file;
  });
}

/**
 * Two synthesized trees in a git repository, one commit each: the base with `count` clusters,
 * then the head where every third cluster has a new release, aws is gone and aws-new is new.
 * Synth runs from inside the repository, so what it writes beside dist/ stays there.
 */
function synthesizeTwoCommits(scratch: string, count: number): string {
  const repo = join(scratch, `repo-${count}`);
  mkdirSync(repo);
  runOrFail('git', ['init', '-q', '-b', 'main'], repo);
  const synth = (overlays: string) => {
    const { command, args } = entryPointCommand(resolve('.'), 'main.ts', [
      '--outdir',
      'dist',
      '--overlays',
      overlays,
      '--platform',
      resolve('platform.yaml'),
      '--files',
      `mandelbrot=${resolve('services/mandelbrot')}`,
    ]);
    runOrFail(command, args, repo);
  };
  const commit = (message: string) => {
    runOrFail('git', ['add', '-A'], repo);
    runOrFail(
      'git',
      ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', message],
      repo,
    );
  };
  const baseOverlays = join(scratch, `base-overlays-${count}`);
  writeOverlays(baseOverlays, count, () => undefined);
  synth(baseOverlays);
  commit('base');
  const headOverlays = join(scratch, `head-overlays-${count}`);
  const headFiles = writeOverlays(headOverlays, count, (index) => (index % 3 === 0 ? 'faster-cycles' : undefined));
  // aws-new replaces aws, so every cloud on the stage route keeps a cluster, as synth requires.
  const [aws] = headFiles;
  if (aws === undefined) throw new Error('no overlay was written');
  cpSync(aws, join(headOverlays, 'aws-new.yaml'));
  rmSync(aws);
  synth(headOverlays);
  commit('head');
  return repo;
}

const LARGE_KEYS = 85000;
const LARGE_RUNS = 3;

/** A ConfigMap of about 5 MB ({@link LARGE_KEYS} keys) whose key-7 holds `changed`. */
export function largeConfigMap(changed: string): string {
  const lines = Array.from(
    { length: LARGE_KEYS },
    (_, index) => `  key-${index}: "value number ${index === 7 ? changed : index} with some padding text here"`,
  );
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: large\n  namespace: mandelbrot\ndata:\n${lines.join('\n')}\n`;
}

/** A repository whose two commits hold a ConfigMap of about 5 MB that differs in one value. */
function commitLargeConfigMap(scratch: string): string {
  const repo = join(scratch, 'repo-large');
  mkdirSync(join(repo, 'dist', 'aws', 'mandelbrot'), { recursive: true });
  runOrFail('git', ['init', '-q', '-b', 'main'], repo);
  const write = (changed: string) => {
    writeFileSync(join(repo, 'dist', 'aws', 'mandelbrot', 'configmap-large.yaml'), largeConfigMap(changed));
    runOrFail('git', ['add', '-A'], repo);
    runOrFail(
      'git',
      ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', changed],
      repo,
    );
  };
  write('before');
  write('after');
  return repo;
}

/**
 * Diff time for two synthesized trees of 3 and of 100 clusters: the pure diff (parse, match,
 * classify) on trees in memory, the Markdown rendering, and the whole `npm run diff` reading both
 * commits from git.
 */
export async function run(): Promise<BenchTable[]> {
  mkdirSync(BENCH_ROOT, { recursive: true });
  const scratch = resolve(mkdtempSync(join(BENCH_ROOT, 'diff-')));
  try {
    const rows: string[][] = [];
    for (const count of [3, 100]) {
      const repo = synthesizeTwoCommits(scratch, count);
      const repository = await openGitRepository(repo);
      const base = await readManifestTreeAtCommit(repository, await resolveCommit(repository, 'HEAD~1'), 'dist');
      const head = await readManifestTreeAtCommit(repository, await resolveCommit(repository, 'HEAD'), 'dist');
      const bytes = [...base.values(), ...head.values()].reduce(
        (sum, text) => sum + (typeof text === 'string' ? Buffer.byteLength(text) : 0),
        0,
      );

      const timed = (work: () => void) => () => {
        const started = process.hrtime.bigint();
        work();
        return { seconds: Number(process.hrtime.bigint() - started) / 1e9, peakMiB: 0 };
      };
      const diff = diffManifestTrees(base, head);
      const core = repeat(
        RUNS,
        timed(() => diffManifestTrees(base, head)),
      );
      const markdown = repeat(
        RUNS,
        timed(() => renderMarkdown(diffManifestTrees(base, head))),
      );
      const cliArgs = entryPointCommand(resolve('.'), 'bin/diff.ts', ['--base', 'HEAD~1', '--head', 'HEAD', '--format', 'markdown']).args;
      measureNode(cliArgs, { cwd: repo }); // warm the bundle cache
      const cli = repeat(RUNS, () => measureNode(cliArgs, { cwd: repo }));
      const changes = `${diff.totals.added} added, ${diff.totals.changed} changed, ${diff.totals.removed} removed`;
      rows.push([
        String(count),
        `${base.size} + ${head.size} (${(bytes / 1024 / 1024).toFixed(1)} MiB)`,
        changes,
        formatSeconds(core.median),
        formatSeconds(markdown.median),
        formatSeconds(cli.median),
        count === 3 ? '0.300 s' : '2.000 s',
      ]);
    }
    const large = commitLargeConfigMap(scratch);
    const largeArgs = entryPointCommand(resolve('.'), 'bin/diff.ts', ['--base', 'HEAD~1', '--head', 'HEAD', '--format', 'markdown']).args;
    const largeRun = repeat(LARGE_RUNS, () => measureNode(largeArgs, { cwd: large }));
    return [
      {
        id: 'diff',
        title: `\`npm run bench -- diff\`: two synthesized trees, median of ${RUNS} runs; targets: 3 clusters under 0.3 s, 100 clusters under 2 s`,
        headings: ['clusters', 'files (base + head)', 'changes', 'diff in memory', 'diff + Markdown', 'npm run diff (git, node)', 'target'],
        rows,
      },
      {
        id: 'diff-large',
        title: `\`npm run bench -- diff\`: a 5 MB ConfigMap (${LARGE_KEYS} keys) with one value changed, median of ${LARGE_RUNS} runs; target under 2 s`,
        headings: ['file', 'npm run diff (git, node)', 'peak memory'],
        rows: [['5 MB ConfigMap', formatSeconds(largeRun.median), `${Math.round(largeRun.peakMiB)} MiB`]],
      },
    ];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
