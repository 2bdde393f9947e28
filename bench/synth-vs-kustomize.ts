/**
 * `npm run synth` beside the Kustomize render it replaced (bench/kustomize-baseline/: the
 * Mandelbrot base and one overlay per cluster, rendered once per cluster), in one run, interleaved
 * so both see the same load. Each side is timed from outside by one small Python process that
 * runs it and reads its children's resource usage: wall time, CPU time (user and system) and the
 * largest peak RSS of a process.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { entryPointCommand } from '../lib/util/entry-point.js';
import { formatMiB, formatSeconds, median } from './measure.js';
import type { BenchTable } from './report.js';

const RUNS = 15;
const BENCH_ROOT = join('node_modules', '.cache', 'trinity-delivery-bench');
const CLUSTERS = ['aws', 'gcp', 'azure'];

/** Runs each command in turn and prints one JSON line: wall seconds, CPU seconds and the largest peak RSS (KiB) of the children. */
const MEASURE_CHILDREN = `
import json, resource, subprocess, sys, time
commands, cwd = json.loads(sys.argv[1]), sys.argv[2]
started = time.monotonic()
for command in commands:
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
wall = time.monotonic() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peakKiB": usage.ru_maxrss}))
`;

interface Usage {
  readonly wall: number;
  readonly cpu: number;
  readonly peakKiB: number;
}

function measureCommands(commands: readonly (readonly string[])[], cwd: string): Usage {
  const result = spawnSync('python3', ['-c', MEASURE_CHILDREN, JSON.stringify(commands), cwd], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`measuring ${commands[0]?.join(' ')} failed: ${result.stderr || result.error?.message}`);
  return JSON.parse(result.stdout) as Usage;
}

/** The e2e toolchain's binaries folder with kustomize (built from the Go module proxy on first use), or why there is none. */
function kustomizeBinDir(): { binDir?: string; problem?: string } {
  const { command, args } = entryPointCommand(resolve('.'), 'test/e2e/support/build-toolchain.ts', ['kustomize']);
  console.error('bench: the Kustomize baseline needs kustomize from the e2e toolchain (built with Go on first use)');
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) return { problem: 'not run: the e2e toolchain could not build kustomize (see its error above)' };
  return { binDir: result.stdout.trim() };
}

/** The toolchain's kubectl, if the e2e toolchain has built it already: the seed ran `kubectl kustomize`. */
function builtKubectl(binDir: string): string | undefined {
  const cacheDir = dirname(dirname(binDir));
  const kubectl = readdirSync(cacheDir)
    .filter((name) => name.startsWith('kubernetes-'))
    .map((name) => join(cacheDir, name, 'bin', 'kubectl'))
    .find((path) => existsSync(path));
  return kubectl;
}

export function run(): BenchTable[] {
  const title = `\`npm run bench -- synth-kustomize\`: \`npm run synth\` of the project's three clusters beside the Kustomize render of bench/kustomize-baseline/'s three overlays, interleaved, median of ${RUNS} runs`;
  const headings = ['render', 'wall', 'CPU time', 'peak memory', 'synth ÷ this, wall', 'synth ÷ this, CPU'];
  const tools = kustomizeBinDir();
  if (tools.binDir === undefined) return [{ id: 'synth-kustomize', title, headings, rows: [['-', tools.problem ?? '', '', '', '', '']] }];
  mkdirSync(BENCH_ROOT, { recursive: true });
  const scratch = mkdtempSync(join(BENCH_ROOT, 'kustomize-'));
  try {
    // The project as `npm run synth` finds it day to day: its committed dist/ (the ConfigMap history too), replaced by an equal tree.
    cpSync('dist', join(scratch, 'dist'), { recursive: true });
    const baseline = join(scratch, 'kustomize');
    cpSync(join('bench', 'kustomize-baseline'), baseline, { recursive: true });
    cpSync(join('services', 'mandelbrot'), join(baseline, 'base', 'app'), { recursive: true });
    const synth = entryPointCommand(resolve('.'), 'main.ts', ['--outdir', join(scratch, 'dist')]);
    const kubectl = builtKubectl(tools.binDir);
    const sides: { label: string; commands: string[][]; cwd: string }[] = [
      { label: '`npm run synth` (node scripts/run.cjs main.ts)', commands: [[synth.command, ...synth.args]], cwd: resolve('.') },
      {
        label: '`kustomize build overlays/<cluster>`, 3 times (kustomize v5.8.2)',
        commands: CLUSTERS.map((cluster) => [join(tools.binDir!, 'kustomize'), 'build', join('overlays', cluster)]),
        cwd: baseline,
      },
      ...(kubectl === undefined
        ? []
        : [
            {
              label: "`kubectl kustomize overlays/<cluster>`, 3 times, the seed's command (kubectl v1.34.1)",
              commands: CLUSTERS.map((cluster) => [kubectl, 'kustomize', join('overlays', cluster)]),
              cwd: baseline,
            },
          ]),
    ];
    // Warm: the runner's bundle and code cache, synth's renderings, the page cache.
    for (const side of sides) measureCommands(side.commands, side.cwd);
    const usages = sides.map(() => [] as Usage[]);
    for (let run = 0; run < RUNS; run++) sides.forEach((side, index) => usages[index]!.push(measureCommands(side.commands, side.cwd)));
    const medians = usages.map((runs) => ({
      wall: median(runs.map((usage) => usage.wall)),
      cpu: median(runs.map((usage) => usage.cpu)),
      peakMiB: Math.max(...runs.map((usage) => usage.peakKiB)) / 1024,
    }));
    const synthMedians = medians[0]!;
    return [
      {
        id: 'synth-kustomize',
        title,
        headings,
        rows: sides.map((side, index) => {
          const figures = medians[index]!;
          return [
            side.label,
            formatSeconds(figures.wall),
            formatSeconds(figures.cpu),
            formatMiB(figures.peakMiB),
            `${(synthMedians.wall / figures.wall).toFixed(2)}×`,
            `${(synthMedians.cpu / figures.cpu).toFixed(2)}×`,
          ];
        }),
      },
    ];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
