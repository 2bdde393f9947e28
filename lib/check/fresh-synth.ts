import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { x } from 'tinyexec';
import { resolveSymlink } from '../diff/git-manifest-tree.js';
import { entryPointCommand } from '../util/entry-point.js';
import { walkFiles } from '../util/walk-files.js';

/** Top-level entries of the project that are neither inputs nor outputs of synth: never copied or compared. */
const NOT_PROJECT_FILES: readonly string[] = ['.git', 'node_modules', 'coverage', 'test-output'];

export interface FreshSynthProps {
  /** The project: its `scripts/run.cjs` and `main.ts` run, on a copy of its files. */
  readonly projectRoot: string;

  /** The environment synth runs with: the caller's own. CDK8S_OUTDIR is left out. */
  readonly env: Readonly<Record<string, string | undefined>>;

  /**
   * Arguments for `main.ts`, as `npm run synth -- <args>` would pass them.
   *
   * @default - none: exactly `npm run synth`
   */
  readonly synthArgs?: readonly string[];

  /**
   * Runs synth in the copy.
   *
   * @default - the project's synth entry as a process: `node scripts/run.cjs main.ts <args>`
   */
  readonly synth?: SynthRunner;
}

/** What one synth printed, and its exit code. */
export interface SynthRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs synth with `args` in the copy of the project at `root`, as `npm run synth -- <args>` would
 * there, with exactly the variables `env`.
 */
export type SynthRunner = (root: string, args: readonly string[], env: Readonly<Record<string, string | undefined>>) => Promise<SynthRun>;

/** A synth that ran on a copy of the project; `cleanup` removes the copy. */
export interface FreshSynth {
  /** The copy after synth: the project as `npm run synth` would leave it. */
  readonly root: string;
  readonly cleanup: () => void;
}

/** Synth stopped with an error: its own message, for the check report. */
export class SynthFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SynthFailedError';
  }
}

/** The project holds symlinks out of itself: synth in the copy would read or write through them into the project. */
export class ProjectLinkError extends Error {
  /** One line per link. */
  public readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ProjectLinkError';
    this.problems = problems;
  }
}

/** Every symlink under `root` that points out of it, one line each. */
function outsideLinks(root: string): string[] {
  return walkFiles(root)
    .filter((file) => file.type === 'symlink')
    .flatMap((file) => {
      const target = readlinkSync(file.absolutePath);
      if (resolveSymlink(file.path, target) !== undefined) return [];
      return [
        `${file.path}: a symlink to ${target}, outside the project: synth in the check's copy would read or write through it; replace it with the file or folder`,
      ];
    });
}

/** The project's synth entry as a process, `node scripts/run.cjs main.ts`, in the copy. */
function synthProcess(projectRoot: string): SynthRunner {
  return async (root, args, env) => {
    const synth = entryPointCommand(projectRoot, 'main.ts', args);
    // Not inherited: tinyexec would otherwise add this process's variables, CDK8S_OUTDIR among them.
    const result = await x(synth.command, synth.args, { nodeOptions: { cwd: root, env }, inheritEnv: false, throwOnError: false });
    return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
  };
}

/**
 * Runs synth in a temporary copy of the project, so whatever main.ts writes (dist/, generated
 * workflows, and outputs added later) lands in the copy and never in the project. The copy starts
 * with the committed dist/, which synth also reads as its history of earlier ConfigMaps, just as
 * `npm run synth` does in the project.
 *
 * Symlinks are copied as they are, so one inside the project points inside the copy (a plain
 * copy would point it back at the project); one that points out of the copy is refused.
 *
 * @throws ProjectLinkError naming every symlink that points out of the project
 * @throws SynthFailedError with synth's own message when it fails
 */
export async function synthesizeFresh(props: FreshSynthProps): Promise<FreshSynth> {
  const root = mkdtempSync(join(tmpdir(), 'trinity-check-'));
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  try {
    for (const entry of readdirSync(props.projectRoot)) {
      if (!NOT_PROJECT_FILES.includes(entry))
        cpSync(join(props.projectRoot, entry), join(root, entry), { recursive: true, verbatimSymlinks: true });
    }
    const links = outsideLinks(root);
    if (links.length > 0) throw new ProjectLinkError(links);
    // `cdk8s synth` sets CDK8S_OUTDIR, and synth would write there instead of the copy.
    const { CDK8S_OUTDIR: _outdir, ...env } = props.env;
    const result = await (props.synth ?? synthProcess(props.projectRoot))(root, props.synthArgs ?? [], env);
    if (result.exitCode !== 0)
      throw new SynthFailedError(`npm run synth failed (exit ${result.exitCode}):\n${(result.stderr || result.stdout).trim()}`);
    return { root, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

/** Every file of the project at `root` that synth may read or write, by `/`-separated relative path. */
export function readProjectFiles(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  if (!existsSync(root)) return files;
  for (const file of walkFiles(root, { skip: (path) => NOT_PROJECT_FILES.includes(path) })) {
    if (file.type === 'file') files.set(file.path, readFileSync(file.absolutePath));
  }
  return files;
}
