import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProjectCopy } from '../../check/project-copy.js';
import { type CliResult, runEntry } from '../../operator/stand-in-kubectl.js';
import type { DrillCluster } from './drill-cluster.js';

/**
 * A throwaway copy of the project, in its own Git repository, on which the drill runs the
 * project's real commands: the worktree's own dist/, overlays and settings are never touched.
 */
export class DrillProject {
  public static create(env: NodeJS.ProcessEnv, bundleCache: string): DrillProject {
    mkdirSync(bundleCache, { recursive: true });
    const copy = ProjectCopy.create(bundleCache);
    const project = new DrillProject(copy, env);
    project.git('init', '--quiet', '--initial-branch=main');
    project.commit('The project as the drill found it');
    return project;
  }

  /** A copy whose commands find the cluster's kubectl and plugin first on PATH, and its kubeconfig. */
  public static forCluster(cluster: Pick<DrillCluster, 'pathDir' | 'kubeconfig' | 'runDir'>): DrillProject {
    return DrillProject.create(
      { PATH: `${cluster.pathDir}:${process.env.PATH}`, KUBECONFIG: cluster.kubeconfig },
      join(cluster.runDir, 'bundle-cache'),
    );
  }

  private constructor(
    private readonly copy: ProjectCopy,
    /** PATH with the drill's kubectl and plugin first, and KUBECONFIG. */
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  public get root(): string {
    return this.copy.root;
  }

  /** `npm run <script> -- <args>` in the copy, as a real process; `entry` is the script's entry point. */
  public async run(entry: string, args: readonly string[]): Promise<CliResult> {
    const { FORCE_COLOR, CDK8S_OUTDIR, ...inherited } = process.env;
    void FORCE_COLOR;
    void CDK8S_OUTDIR;
    return runEntry(entry, args, { cwd: this.root, env: { ...inherited, ...this.env, NO_COLOR: '1' } });
  }

  /** Like {@link run}, but a non-zero exit throws with the command's output. */
  public async runOrThrow(entry: string, args: readonly string[]): Promise<CliResult> {
    const result = await this.run(entry, args);
    if (result.code !== 0) throw new Error(`${entry} ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
    return result;
  }

  /** `npm run rollout -- <operation> --cluster <cluster>`, with short polls and a deadline under the step's. */
  public rollout(operation: string, cluster: string, ...flags: string[]): Promise<CliResult> {
    return this.run('bin/rollout.ts', [operation, '--cluster', cluster, '--timeout', '3m', '--poll-interval', '500ms', ...flags]);
  }

  private operations = 0;

  /**
   * `npm run rollout -- <operation> --cluster <cluster>`, its output kept as
   * `<recordDir>/<nn>-<operation>.txt`; fails unless it exits 0.
   */
  public async operate(operation: string, cluster: string, recordDir: string): Promise<CliResult> {
    const result = await this.rollout(operation, cluster);
    mkdirSync(recordDir, { recursive: true });
    writeFileSync(
      join(recordDir, `${String(++this.operations).padStart(2, '0')}-${operation}.txt`),
      `# exit ${result.code}\n${result.stdout}\n# stderr\n${result.stderr}`,
    );
    if (result.code !== 0)
      throw new Error(`npm run rollout -- ${operation} --cluster ${cluster} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
    return result;
  }

  /** `npm run release -- <name>`, committed as an operator would. */
  public async release(name: string): Promise<CliResult> {
    const result = await this.runOrThrow('bin/release.ts', [name]);
    this.commit(`Release ${name}`);
    return result;
  }

  /** `npm run synth`. */
  public async synth(): Promise<void> {
    await this.runOrThrow('main.ts', []);
  }

  /** Appends a comment to one of the service's files: a source change and nothing else. */
  public editSource(note: string): void {
    appendFileSync(join(this.root, 'services', 'mandelbrot', 'render.js'), `// ${note}\n`);
  }

  /**
   * Replaces `from` with `to` in one of the service's files, as a developer's change would; fails
   * if the file no longer holds `from`.
   */
  public changeSource(file: string, from: string, to: string): void {
    const path = join(this.root, 'services', 'mandelbrot', file);
    const text = readFileSync(path, 'utf8');
    if (!text.includes(from)) throw new Error(`services/mandelbrot/${file} no longer holds ${JSON.stringify(from)}`);
    writeFileSync(path, text.replace(from, to));
  }

  /** The folder of one cluster's workload, as its Mandelbrot Application syncs it. */
  public workloadDir(cluster: string): string {
    return join(this.root, 'dist', cluster, 'mandelbrot');
  }

  /** The ConfigMaps in one cluster's workload folder, by name. */
  public configMapsInDist(cluster: string): string[] {
    return readdirSync(this.workloadDir(cluster))
      .filter((file) => file.startsWith('configmap-'))
      .map((file) => file.slice('configmap-'.length, -'.yaml'.length));
  }

  public commit(message: string): void {
    this.git('add', '--all');
    this.git('-c', 'user.name=e2e', '-c', 'user.email=e2e@localhost', 'commit', '--quiet', '--allow-empty', '-m', message);
  }

  /** `git revert` of the last commit, as an operator reverts a release. */
  public revertLastCommit(): void {
    this.git('-c', 'user.name=e2e', '-c', 'user.email=e2e@localhost', 'revert', '--no-edit', 'HEAD');
  }

  public git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.root, encoding: 'utf8' });
  }

  public cleanup(): void {
    this.copy.cleanup();
  }
}
