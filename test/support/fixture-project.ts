import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkCommand } from '../../bin/check.js';
import { synthCommand } from '../../main.js';
import { type Command, runCaptured } from '../../lib/cli/command-io.js';
import { RenderMemo } from '../../lib/synth/render-memo.js';
import { type RunCommand, runWithTinyexec } from '../../lib/operator/run-command.js';
import { mandelbrot } from '../../lib/workloads/mandelbrot/mandelbrot.js';
import type { Workload } from '../../lib/workloads/workload.js';
import { type CommandResult, runCommand } from './run-command.js';
import { makeTempDir, PROJECT_ROOT } from './project-root.js';
import { projectSchemas } from './project-schemas.js';

// The configuration unit tests run on: made here, never read from the project's platform.yaml,
// overlays/ or workload registry, which a team changes as it adopts the project.

/** The workloads the fixture registers: Mandelbrot only, whatever lib/workloads/registry.ts holds. */
export const FIXTURE_WORKLOADS: readonly Workload[] = [mandelbrot];

/** This module, which names the fixture's workloads. */
export const FIXTURE_PROJECT_MODULE = fileURLToPath(import.meta.url);

/** The fixture's Git repository. */
export const FIXTURE_REPO_URL = 'https://github.com/maxgherman/trinity.git';

/** The fixture's platform.yaml. */
export const FIXTURE_PLATFORM_YAML = `# Platform-wide settings shared by every cluster in overlays/.
environment: dev
repository:
  repoURL: ${FIXTURE_REPO_URL}
  revision: main
  distPath: dist
rolloutsChart:
  repoURL: https://argoproj.github.io/argo-helm
  version: 2.40.9
workloads:
  mandelbrot:
    release: continuous
    stageRoute: [aws, gcp, azure]
`;

/** The fixture's clusters, by name: one per cloud, each named after it. */
export const FIXTURE_OVERLAYS: Readonly<Record<string, string>> = {
  aws: '# EKS in us-east-1\ncloud: aws\nregion: us-east-1\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n',
  azure: '# AKS in eastus\ncloud: azure\nregion: eastus\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n',
  gcp: '# GKE in us-central1\ncloud: gcp\nregion: us-central1\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n',
};

/** Writes the fixture's overlays into `<folder>/overlays` (replacing any there) and returns that folder. */
export function writeFixtureOverlays(folder: string): string {
  const overlays = join(folder, 'overlays');
  rmSync(overlays, { recursive: true, force: true });
  mkdirSync(overlays, { recursive: true });
  for (const [cluster, content] of Object.entries(FIXTURE_OVERLAYS)) writeFileSync(join(overlays, `${cluster}.yaml`), content);
  return overlays;
}

/** Writes the fixture's platform.yaml and overlays into `folder`. */
export function writeFixtureConfig(folder: string): { platformFile: string; overlaysDirectory: string } {
  const platformFile = join(folder, 'platform.yaml');
  writeFileSync(platformFile, FIXTURE_PLATFORM_YAML);
  return { platformFile, overlaysDirectory: writeFixtureOverlays(folder) };
}

/**
 * The YAML renderings of this worker's synths, which test after test render mostly alike: a memo
 * as the synth process keeps in a file, here in memory.
 */
const WORKER_RENDER_MEMO = RenderMemo.inMemory();

/** `npm run synth` with `workloads` registered, run in this process, sharing the worker's renderings. */
export function workerSynthCommand(workloads: readonly Workload[] = FIXTURE_WORKLOADS): Command {
  return synthCommand(PROJECT_ROOT, workloads, { renderMemo: () => WORKER_RENDER_MEMO });
}

const FIXTURE_SYNTH = workerSynthCommand();

/** `npm run synth -- <args>` of the fixture's workloads in `cwd`, run in this process. */
export function synthFixture(args: readonly string[], cwd: string): Promise<CommandResult> {
  return runCommand(FIXTURE_SYNTH, args, { cwd });
}

/**
 * How `npm run release` runs its commands in a test: its synth (`node scripts/run.cjs main.ts …`)
 * in this process, with `workloads` registered; any other command as a process. Only a test of
 * the synth process itself needs {@link runWithTinyexec}.
 */
export function releaseSynthInProcess(workloads: readonly Workload[] = FIXTURE_WORKLOADS): RunCommand {
  const synth = workerSynthCommand(workloads);
  return (file, args, options) => {
    const [, entry, ...argv] = args;
    if (file !== process.execPath || entry !== 'main.ts') return runWithTinyexec(file, args, options);
    return runCaptured(synth, argv, { cwd: options.cwd ?? process.cwd(), env: options.env ?? {} });
  };
}

/** `npm run check` in `cwd`, its fresh synth of the fixture's workloads, run in this process. */
export function checkFixture(cwd: string): Promise<CommandResult> {
  return runCommand(checkCommand(FIXTURE_SYNTH, projectSchemas), [], { cwd });
}

/**
 * A project folder holding the fixture's configuration, the project's Mandelbrot service (linked)
 * and dist/ synthesized from them: what `npm run rollout` and `npm run release` read.
 */
export class FixtureProject {
  public static async create(): Promise<FixtureProject> {
    const folder = makeTempDir('fixture');
    writeFixtureConfig(folder.path);
    mkdirSync(join(folder.path, 'services'));
    symlinkSync(join(PROJECT_ROOT, 'services', 'mandelbrot'), join(folder.path, 'services', 'mandelbrot'));
    const project = new FixtureProject(folder.path, folder.cleanup);
    const result = await synthFixture([], folder.path);
    if (result.status !== 0) throw new Error(`synth of the fixture project failed: ${result.stderr}`);
    return project;
  }

  private constructor(
    public readonly root: string,
    public readonly cleanup: () => void,
  ) {}

  public get dist(): string {
    return join(this.root, 'dist');
  }
}

let shared: Promise<FixtureProject> | undefined;

/** One fixture project per test file, for tests that only read it; removed when the file's process exits. */
export function sharedFixtureProject(): Promise<FixtureProject> {
  shared ??= FixtureProject.create().then((project) => {
    process.once('exit', () => project.cleanup());
    return project;
  });
  return shared;
}

/**
 * A platform.yaml of `content` that states the fixture's repository, as every platform.yaml must:
 * added to `content`'s own `repository:` when it has one.
 */
export function withRepository(content: string): string {
  const repoURL = `  repoURL: ${FIXTURE_REPO_URL}\n`;
  return /^repository:\n/m.test(content)
    ? content.replace(/^repository:\n/m, `repository:\n${repoURL}`)
    : `repository:\n${repoURL}${content}`;
}
