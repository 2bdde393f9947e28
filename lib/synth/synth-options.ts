import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { ConfigError } from '../core/config-error.js';
import { outputFolderProblem, type ProtectedPath } from './output-folder.js';

/** What one synth reads and writes, as paths relative to the working folder or absolute. */
export interface SynthOptions {
  readonly outdir: string;
  readonly overlays: string;
  readonly platform: string;
  /** The folder of the files each workload mounts, by workload name. */
  readonly files: Readonly<Record<string, string>>;
  readonly history: string;
  readonly workflowsDir: string;
  /** The cdk8s CLI's output folder, which it empties before it runs synth. */
  readonly cdk8sOutdir?: string;
  readonly force: boolean;
  /** How `outdir` was chosen, for messages: `--outdir dist` or `CDK8S_OUTDIR=dist`. */
  readonly outdirLabel: string;
}

/** Where commander writes help (`out`) and usage errors (`err`). */
export interface UsageOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

interface SynthFlags {
  readonly outdir?: string;
  readonly overlays: string;
  readonly platform: string;
  readonly files: readonly string[];
  readonly history?: string;
  readonly workflowsDir?: string;
  readonly cdk8sOutdir?: string;
  readonly force: boolean;
}

/** synth's command line, parsed as every entry point's is: commander, which names the nearest flag to a misspelt one. */
function parseSynthFlags(args: readonly string[], output: UsageOutput): SynthFlags {
  const program = new Command('npm run synth')
    .usage('[-- options]')
    .description('Synthesizes dist/ (and the rollout workflow) from platform.yaml and overlays/.')
    .option('--outdir <dir>', 'the output tree, replaced all at once (default: dist, or $CDK8S_OUTDIR)')
    .option('--overlays <dir>', 'one <cluster>.yaml per cluster', 'overlays')
    .option('--platform <file>', 'platform-wide settings', 'platform.yaml')
    .option(
      '--files <NAME=DIR>',
      'the files workload NAME mounts (default: its own folder, such as services/mandelbrot); repeat for more workloads',
      (value: string, earlier: readonly string[]) => [...earlier, value],
      [] as readonly string[],
    )
    .option('--history <dir>', 'earlier output whose ConfigMaps stable pods may still mount (default: --outdir)')
    .option('--workflows-dir <dir>', 'where the rollout workflow goes (default: .github/workflows beside --outdir)')
    .option('--cdk8s-outdir <dir>', 'also copy the manifests here, for the cdk8s CLI to list (cdk8s.yaml passes it)')
    .option('--force', 'replace an existing --outdir that does not look like an earlier output', false)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: output.out, writeErr: output.err });
  program.parse([...args], { from: 'user' });
  return program.opts<SynthFlags>();
}

/**
 * Reads synth's command line and environment, and refuses every output folder that would
 * replace something synth does not own: the project, the working folder, `.git`, the inputs, or
 * the history it reads.
 *
 * @param projectRoot the project's folder, which no output may be or hold
 * @param filesFolders each workload's own folder of the files it mounts, by workload name
 * @throws CommanderError after commander printed help or a usage error
 * @throws ConfigError with one line per problem
 */
export function parseSynthOptions(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  projectRoot: string,
  filesFolders: Readonly<Record<string, string>> = {},
  output: UsageOutput = { out: () => undefined, err: () => undefined },
): SynthOptions {
  const flags = parseSynthFlags(args, output);
  const values = { ...flags, 'workflows-dir': flags.workflowsDir, 'cdk8s-outdir': flags.cdk8sOutdir };

  const fromEnvironment = values.outdir === undefined && env.CDK8S_OUTDIR !== undefined;
  const outdirSource = fromEnvironment ? 'CDK8S_OUTDIR' : '--outdir';
  const outdirLabel = fromEnvironment ? `CDK8S_OUTDIR=${env.CDK8S_OUTDIR}` : `--outdir ${values.outdir ?? 'dist'}`;
  const outdir = values.outdir ?? env.CDK8S_OUTDIR ?? 'dist';
  const history = values.history ?? outdir;
  const problems: string[] = [];
  const files = { ...filesFolders };
  for (const value of values.files) {
    const [name = '', folder = ''] = value.split(/=(.*)/s);
    if (!(name in filesFolders))
      problems.push(
        `--files ${value}: no workload "${name}" mounts files; expected NAME=DIR, NAME one of ${Object.keys(filesFolders).join(', ') || '(none)'}`,
      );
    else files[name] = folder;
  }
  const options: SynthOptions = {
    outdir,
    overlays: values.overlays,
    platform: values.platform,
    files,
    history,
    workflowsDir: values['workflows-dir'] ?? join(resolve(outdir), '..', '.github', 'workflows'),
    cdk8sOutdir: values['cdk8s-outdir'],
    force: values.force,
    outdirLabel,
  };

  for (const [option, value] of [
    [outdirSource, outdir],
    ['--overlays', values.overlays],
    ['--platform', values.platform],
    ['--history', values.history],
    ['--workflows-dir', values['workflows-dir']],
    ['--cdk8s-outdir', values['cdk8s-outdir']],
  ] as const) {
    if (value !== undefined && value.trim() === '') problems.push(`${option} is empty; expected a path`);
  }
  for (const [name, folder] of Object.entries(files)) if (folder.trim() === '') problems.push(`--files ${name}= is empty; expected a path`);
  if (values.history !== undefined && values.history.trim() !== '' && !existsSync(values.history)) {
    // An unreadable history would silently drop the ConfigMaps stable pods mount.
    problems.push(`--history ${values.history}: no such folder; expected an earlier output such as dist`);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const inputs: ProtectedPath[] = [
    { path: projectRoot, what: 'the project folder' },
    { path: '.', what: 'the working folder' },
    { path: join(projectRoot, '.git'), what: "the project's .git", refuseInside: true },
    { path: values.overlays, what: 'the overlays', refuseInside: true },
    ...Object.entries(files).map(([name, folder]) => ({ path: folder, what: `the files ${name} mounts`, refuseInside: true })),
    { path: values.platform, what: 'the platform settings', refuseInside: true },
  ];
  const historyGuard: ProtectedPath[] = resolve(history) === resolve(outdir) ? [] : [{ path: history, what: 'the history it reads' }];
  const outdirProblem = outputFolderProblem(outdir, [...inputs, ...historyGuard]);
  if (outdirProblem)
    problems.push(
      `${outdirLabel}: ${outdirProblem}; synth replaces its output folder whole, so it must be a folder of its own such as dist`,
    );
  if (options.cdk8sOutdir !== undefined) {
    const problem = outputFolderProblem(options.cdk8sOutdir, [
      ...inputs,
      { path: outdir, what: 'the output folder', refuseInside: true },
      ...historyGuard,
    ]);
    if (problem)
      problems.push(`--cdk8s-outdir ${options.cdk8sOutdir}: ${problem}; expected a scratch folder of its own, such as cdk8s.yaml's output`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return options;
}
