import { CommanderError } from 'commander';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../lib/core/config-error.js';
import { previousOutputProblem } from '../../lib/synth/output-folder.js';
import { parseSynthOptions } from '../../lib/synth/synth-options.js';
import { sharedFixtureProject } from '../support/fixture-project.js';
import { makeTempDir, PROJECT_ROOT } from '../support/synth-process.js';

/** The problem lines parseSynthOptions reports, run from the project folder. */
function problemsOf(args: string[], env: Record<string, string> = {}): string[] {
  try {
    parseSynthOptions(args, env, PROJECT_ROOT, FILES);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

const OWN_FOLDER = 'synth replaces its output folder whole, so it must be a folder of its own such as dist';

// Mandelbrot's folder of mounted files, which no output may replace.
const FILES = { mandelbrot: 'services/mandelbrot' };

describe('parseSynthOptions', () => {
  test('defaults to dist, and CDK8S_OUTDIR when --outdir is not given', () => {
    expect(parseSynthOptions([], {}, PROJECT_ROOT, FILES)).toMatchObject({
      outdir: 'dist',
      history: 'dist',
      outdirLabel: '--outdir dist',
      force: false,
    });
    expect(parseSynthOptions([], { CDK8S_OUTDIR: 'build/dist' }, PROJECT_ROOT, FILES)).toMatchObject({
      outdir: 'build/dist',
      history: 'build/dist',
      outdirLabel: 'CDK8S_OUTDIR=build/dist',
    });
    expect(
      parseSynthOptions(['--outdir', 'out', '--cdk8s-outdir', 'node_modules/.cache/cdk8s-synth'], {}, PROJECT_ROOT, FILES),
    ).toMatchObject({
      outdir: 'out',
      cdk8sOutdir: 'node_modules/.cache/cdk8s-synth',
    });
  });

  test("a workload's files come from its own folder, or the one --files names", () => {
    expect(parseSynthOptions([], {}, PROJECT_ROOT, FILES).files).toEqual({ mandelbrot: 'services/mandelbrot' });
    expect(parseSynthOptions(['--files', 'mandelbrot=../service'], {}, PROJECT_ROOT, FILES).files).toEqual({ mandelbrot: '../service' });
  });

  test('fails if --files names a workload that mounts no files, or no folder', () => {
    expect(problemsOf(['--files', 'notes=pages', '--files', 'mandelbrot='])).toEqual([
      '--files notes=pages: no workload "notes" mounts files; expected NAME=DIR, NAME one of mandelbrot',
      '--files mandelbrot= is empty; expected a path',
    ]);
  });

  test('--help prints the options and ends with exit code 0, through commander as every entry point', () => {
    let help = '';
    expect(() => parseSynthOptions(['--help'], {}, PROJECT_ROOT, FILES, { out: (text) => (help += text), err: () => undefined })).toThrow(
      expect.objectContaining({ exitCode: 0 }),
    );
    for (const option of ['--outdir', '--overlays', '--platform', '--files', '--history', '--workflows-dir', '--force'])
      expect(help).toContain(option);
  });

  test.each([
    ['--outdir', "error: option '--outdir <dir>' argument missing\n"],
    ['dist', 'error: too many arguments. Expected 0 arguments but got 1.\n'],
    ['--out-dir x', "error: unknown option '--out-dir'\n(Did you mean --outdir?)\n"],
    ['--plataform x', "error: unknown option '--plataform'\n(Did you mean --platform?)\n"],
  ])('fails if the command line is %s, naming the nearest option to a misspelt one', (args, expected) => {
    let printed = '';
    expect(() =>
      parseSynthOptions(args.split(' '), {}, PROJECT_ROOT, FILES, { out: () => undefined, err: (text) => (printed += text) }),
    ).toThrow(CommanderError);
    expect(printed).toBe(expected);
  });

  test.each([
    ['--outdir=', ['--outdir is empty; expected a path']],
    ['--outdir .', [`--outdir .: is the project folder; ${OWN_FOLDER}`]],
    ['--outdir ..', [`--outdir ..: holds the project folder (${PROJECT_ROOT}); ${OWN_FOLDER}`]],
    ['--outdir services', [`--outdir services: holds the files mandelbrot mounts (services/mandelbrot); ${OWN_FOLDER}`]],
    ['--outdir overlays', [`--outdir overlays: is the overlays; ${OWN_FOLDER}`]],
    ['--outdir overlays/dist', [`--outdir overlays/dist: is inside the overlays (overlays); ${OWN_FOLDER}`]],
    ['--outdir .git', [`--outdir .git: is the project's .git; ${OWN_FOLDER}`]],
    ['--outdir platform.yaml', [`--outdir platform.yaml: is the platform settings; ${OWN_FOLDER}`]],
    ['--outdir /', [`--outdir /: holds the project folder (${PROJECT_ROOT}); ${OWN_FOLDER}`]],
    ['--outdir test --history test/support', [`--outdir test: holds the history it reads (test/support); ${OWN_FOLDER}`]],
    ['--history=', ['--history is empty; expected a path']],
    ['--history no-such-folder', ['--history no-such-folder: no such folder; expected an earlier output such as dist']],
    [
      '--cdk8s-outdir dist/cli',
      [`--cdk8s-outdir dist/cli: is inside the output folder (dist); expected a scratch folder of its own, such as cdk8s.yaml's output`],
    ],
  ])('fails if the arguments are %s', (args, expected) => {
    expect(problemsOf(args === '--outdir=' || args === '--history=' ? [args] : args.split(' '))).toEqual(expected);
  });

  test.each([
    ['.', [`CDK8S_OUTDIR=.: is the project folder; ${OWN_FOLDER}`]],
    ['', ['CDK8S_OUTDIR is empty; expected a path']],
    ['services/mandelbrot', [`CDK8S_OUTDIR=services/mandelbrot: is the files mandelbrot mounts; ${OWN_FOLDER}`]],
  ])('fails if CDK8S_OUTDIR is "%s"', (outdir, expected) => {
    expect(problemsOf([], { CDK8S_OUTDIR: outdir })).toEqual(expected);
  });

  test('fails if the output folder is a link to the project', () => {
    const temp = makeTempDir('outdir-link');
    try {
      symlinkSync(PROJECT_ROOT, join(temp.path, 'link'));
      expect(problemsOf(['--outdir', join(temp.path, 'link')])).toEqual([
        `--outdir ${join(temp.path, 'link')}: is the project folder; ${OWN_FOLDER}`,
      ]);
    } finally {
      temp.cleanup();
    }
  });
});

describe('previousOutputProblem', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => (temp = makeTempDir('previous-output')));
  afterEach(() => temp.cleanup());

  test("synth's own output, an empty folder and a missing one are outputs synth may replace", async () => {
    const fixture = await sharedFixtureProject();
    expect(previousOutputProblem(fixture.dist, ['mandelbrot'])).toBeUndefined();
    expect(previousOutputProblem(temp.path, ['mandelbrot'])).toBeUndefined();
    expect(previousOutputProblem(join(temp.path, 'missing'), ['mandelbrot'])).toBeUndefined();
  });

  test.each([
    ['a file at the top', 'notes.md', 'holds notes.md, which synth does not write'],
    ['a folder synth does not write', 'aws/base/deployment-web.yaml', 'holds aws/base, which synth does not write'],
    ['a file synth would not name so', 'aws/mandelbrot/Rollout.yml', 'holds aws/mandelbrot/Rollout.yml, which synth does not write'],
    ['a source file', 'bootstrap/index.ts', 'holds bootstrap/index.ts, which synth does not write'],
  ])('fails if the folder holds %s', (_name, file, expected) => {
    mkdirSync(join(temp.path, file, '..'), { recursive: true });
    writeFileSync(join(temp.path, file), 'x');
    expect(previousOutputProblem(temp.path, ['mandelbrot'])).toBe(expected);
  });

  test('fails if the output is a file', () => {
    writeFileSync(join(temp.path, 'dist'), 'x');
    expect(previousOutputProblem(join(temp.path, 'dist'), ['mandelbrot'])).toBe('is not a folder');
  });
});
