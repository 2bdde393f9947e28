import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CommandFailedError, UsageError } from '../core/errors.js';
import { writeFileAtomically } from '../util/write-file-atomically.js';
import type { ClusterTarget } from './operation-plan.js';
import { setReleaseField } from './release-marker.js';
import type { TrainRepository } from './release-train.js';
import type { RunCommand } from './run-command.js';

export interface GitTrainRepositoryProps {
  /** The project folder, inside a Git work tree. */
  readonly cwd: string;
  /** Runs git, in `cwd`. */
  readonly run: RunCommand;
  readonly workload: string;
  readonly release: string;
  /** Where each cluster's release is set: its overlay file (relative to `cwd`) and the keys to the field. */
  readonly releaseField: (cluster: ClusterTarget) => { readonly file: string; readonly path: readonly string[] };
  /** The synthesized tree, committed beside the overlay. */
  readonly outdir: string;
  /** Re-synthesizes `outdir`. */
  readonly synthesize: () => Promise<void>;
  /** The remote Argo CD pulls, and its branch (platform.yaml's `repository.revision`). */
  readonly remote: string;
  readonly branch: string;
}

/** The train's Git: one commit per cluster, each the overlay's release and the re-synthesized tree, pushed at once. */
export class GitTrainRepository implements TrainRepository {
  constructor(private readonly props: GitTrainRepositoryProps) {}

  private async git(args: readonly string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    return this.props.run('git', args, { cwd: this.props.cwd });
  }

  private async checkGit(args: readonly string[]): Promise<string> {
    const result = await this.git(args);
    if (result.exitCode !== 0)
      throw new CommandFailedError(
        `git ${args.join(' ')} exited ${result.exitCode}: ${(result.stderr || result.stdout).trim().split('\n').at(-1)}`,
      );
    return result.stdout.trim();
  }

  /**
   * Refuses to start on uncommitted changes to what the train commits: its commits would carry them.
   *
   * @throws UsageError naming the changed files
   */
  public async assertClean(files: readonly string[]): Promise<void> {
    const result = await this.git(['status', '--porcelain', '--', ...files]);
    if (result.exitCode !== 0) throw new UsageError(`${this.props.cwd} is not in a Git work tree; the release train commits to Git`);
    const changed = result.stdout.split('\n').filter((line) => line.trim() !== '');
    if (changed.length > 0)
      throw new UsageError(
        `uncommitted changes in ${changed.map((line) => line.slice(3)).join(', ')}; commit or stash them first: each train commit holds its own release only`,
      );
  }

  public async pin(cluster: ClusterTarget, position: string): Promise<string> {
    const { workload, release, outdir } = this.props;
    const field = this.props.releaseField(cluster);
    const file = resolve(this.props.cwd, field.file);
    const original = readFileSync(file, 'utf8');
    writeFileAtomically(file, setReleaseField(original, field, release).text);
    try {
      await this.props.synthesize();
    } catch (error) {
      writeFileAtomically(file, original);
      throw error;
    }
    await this.checkGit(['add', '--all', '--', field.file, outdir]);
    await this.checkGit([
      'commit',
      '--quiet',
      '--message',
      `Release ${workload} "${release}" to ${cluster.name} (release train ${position})`,
      '--message',
      `Sets ${field.path.join('.')} in ${field.file} and re-synthesizes ${outdir}/: ${cluster.name} starts a canary when Argo CD syncs it.`,
    ]);
    const commit = await this.head();
    await this.checkGit(['push', '--quiet', this.props.remote, `HEAD:refs/heads/${this.props.branch}`]);
    return commit;
  }

  public head(): Promise<string> {
    return this.checkGit(['rev-parse', 'HEAD']);
  }

  public async includes(revision: string, commit: string): Promise<boolean> {
    if (revision === commit) return true;
    // A revision this clone has not fetched is not known to follow the commit: the wait goes on.
    return (await this.git(['merge-base', '--is-ancestor', commit, revision])).exitCode === 0;
  }
}
