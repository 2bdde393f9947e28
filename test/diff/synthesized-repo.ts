import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDiff } from '../../bin/diff.js';
import { type CommandResult, runCommand } from '../support/run-command.js';
import { synthFixture, withRepository } from '../support/fixture-project.js';
import { makeTempDir, PROJECT_ROOT, writeFixtureOverlays } from '../support/synth-process.js';
import { TempGitRepo } from './git-repo.js';

/**
 * Git repositories whose first commit holds dist/ as synthesized from the fixture's overlays:
 * synthesized once, then copied for each test.
 */
export class SynthesizedRepos {
  /** The template, synthesized and committed; each test gets a copy with `repo()`. */
  public static async create(): Promise<SynthesizedRepos> {
    const repos = new SynthesizedRepos(makeTempDir('diff-inputs'));
    await repos.synth(repos.template, '--overlays', repos.overlays);
    repos.template.commit('synthesize dist/');
    return repos;
  }

  /** The fixture's overlays, for tests to copy and edit. */
  public readonly overlays: string;
  private readonly platform: string;
  private readonly template = TempGitRepo.create('diff-template');
  private readonly copies: TempGitRepo[] = [];

  private constructor(private readonly scratch: ReturnType<typeof makeTempDir>) {
    this.overlays = writeFixtureOverlays(scratch.path);
    // The fixture's settings with a stage route that stays valid when the azure cluster is removed.
    this.platform = join(scratch.path, 'platform.yaml');
    writeFileSync(this.platform, withRepository('workloads:\n  mandelbrot:\n    stageRoute: [aws, gcp]\n'));
  }

  /** A folder for a test's own inputs, removed with the repositories. */
  public get scratchPath(): string {
    return this.scratch.path;
  }

  /** A copy of the template, history included. */
  public repo(): TempGitRepo {
    const repo = this.template.copy();
    this.copies.push(repo);
    return repo;
  }

  /**
   * Synthesizes into `repo`, run in process from it: outputs written relative to the working
   * folder (such as generated workflows) land in the repository, never in the project.
   */
  public async synth(repo: TempGitRepo, ...args: string[]): Promise<void> {
    const inputs = ['--platform', this.platform, '--files', `mandelbrot=${join(PROJECT_ROOT, 'services/mandelbrot')}`];
    const result = await synthFixture(['--outdir', 'dist', ...inputs, ...args], repo.path);
    if (result.status !== 0) throw new Error(`synth failed: ${result.stderr}`);
  }

  public cleanup(): void {
    for (const repo of [this.template, ...this.copies]) repo.cleanup();
    this.scratch.cleanup();
  }
}

/** `npm run diff -- <args>` in `cwd`, run in process. */
export function diffIn(cwd: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CommandResult> {
  return runCommand(runDiff, args, { cwd, env });
}
