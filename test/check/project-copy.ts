import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryPointCommand } from '../../lib/util/entry-point.js';
import { FIXTURE_PROJECT_MODULE, FIXTURE_WORKLOADS, synthFixture, writeFixtureConfig } from '../support/fixture-project.js';
import { plainEnv } from '../support/run-command.js';
import { PROJECT_ROOT } from '../support/synth-process.js';

/** What a copy leaves out: history, tests and local output. node_modules is linked, not copied. */
const NOT_COPIED = new Set(['.git', 'node_modules', 'test', 'test-output', 'coverage']);

export interface ProcessResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Configuration and output a copy of the fixture leaves out: the fixture brings its own. */
const PROJECT_CONFIGURATION = ['dist', 'platform.yaml', 'overlays'];

/**
 * A copy of the project in a temporary folder, so a test can make dist/ stale without touching
 * the real one. Its node_modules links each package of the project's, but not the project's
 * .cache: the copy's bundles never replace the project's.
 */
export class ProjectCopy {
  /**
   * The project as it is: its code, configuration, registry and committed output.
   *
   * @param bundles a folder for the copy's compiled entry points (its node_modules/.cache/trinity-delivery):
   * copies that share one compile each entry point once, timestamps being kept so that their sources
   * hash alike, and a folder that outlives the run keeps them for the next run.
   * @default the project's copies' folder that outlives the run
   */
  public static create(bundles = keptBundles('project'), leftOut: readonly string[] = []): ProjectCopy {
    const root = mkdtempSync(join(tmpdir(), 'trinity-project-'));
    for (const entry of readdirSync(PROJECT_ROOT)) {
      if (!NOT_COPIED.has(entry) && !leftOut.includes(entry)) {
        cpSync(join(PROJECT_ROOT, entry), join(root, entry), { recursive: true, preserveTimestamps: true });
      }
    }
    const modules = mkdtempSync(join(tmpdir(), 'trinity-modules-'));
    symlinkSync(linkedNodeModules(modules, bundles), join(root, 'node_modules'));
    return new ProjectCopy(root, modules);
  }

  /**
   * The project's code with the fixture's configuration and workloads instead of the project's,
   * and no output until {@link ProjectCopy.synth}: what unit tests run on.
   *
   * @param bundles as for {@link ProjectCopy.create}
   * @default the fixture copies' folder that outlives the run
   */
  public static fixture(bundles = keptBundles('fixture')): ProjectCopy {
    const copy = ProjectCopy.create(bundles, PROJECT_CONFIGURATION);
    writeFixtureConfig(copy.root);
    const registry = join(copy.root, 'lib', 'workloads', 'registry.ts');
    writeFileSync(
      registry,
      FIXTURE_WORKLOADS.map((workload) => `export { ${workload.name} } from './${workload.name}/${workload.name}.js';\n`).join(''),
    );
    // Dated as the module that names the fixture's workloads: the entry points' bundles, keyed by
    // their sources' sizes and times, are those of the last run until that module changes.
    const { atime, mtime } = statSync(FIXTURE_PROJECT_MODULE);
    utimesSync(registry, atime, mtime);
    return copy;
  }

  /**
   * @param modules the folder of linked packages this copy made for itself; its clones link the
   * same one, or none when it is a clone
   */
  private constructor(
    public readonly root: string,
    private readonly modules?: string,
  ) {}

  /** Another copy of this one, as it is now: cheaper than a new copy that must synth again. */
  public clone(): ProjectCopy {
    const root = mkdtempSync(join(tmpdir(), 'trinity-project-'));
    cpSync(this.root, root, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    return new ProjectCopy(root);
  }

  /** Runs an entry point of the copy as its npm script does (`node scripts/run.cjs <entry>`), without colour. */
  public run(entry: string, ...args: string[]): ProcessResult {
    const env = plainEnv();
    const { command, args: argv } = entryPointCommand(this.root, entry, args);
    const result = spawnSync(command, argv, { cwd: this.root, encoding: 'utf8', env, maxBuffer: 256 * 1024 * 1024 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** `npm run synth` of the fixture's workloads in the copy, run in this process; throws when it fails. */
  public async synth(): Promise<void> {
    const result = await synthFixture([], this.root);
    if (result.status !== 0) throw new Error(`synth failed in the project copy: ${result.stderr}`);
  }

  /** Removes the copy, and the packages' links it made (its clones use them: clean those first). */
  public cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
    if (this.modules) rmSync(this.modules, { recursive: true, force: true });
  }
}

/**
 * A folder under the project's node_modules/.cache that keeps compiled entry points of copies
 * between runs, one per `name`: copies whose sources differ should not share one, since each
 * compile replaces the entry point's earlier one.
 */
function keptBundles(name: string): string {
  return join(PROJECT_ROOT, 'node_modules', '.cache', 'project-copies', name);
}

/**
 * A folder of links to each of the project's packages in `folder`, whose `.cache` is `folder`
 * itself, with `bundles` as its `trinity-delivery`.
 */
function linkedNodeModules(folder: string, bundles: string): string {
  const linked = join(folder, 'linked-node-modules');
  mkdirSync(linked);
  for (const entry of readdirSync(join(PROJECT_ROOT, 'node_modules'))) {
    if (entry !== '.cache') symlinkSync(join(PROJECT_ROOT, 'node_modules', entry), join(linked, entry));
  }
  symlinkSync(folder, join(linked, '.cache'));
  mkdirSync(bundles, { recursive: true });
  symlinkSync(bundles, join(folder, 'trinity-delivery'));
  return linked;
}
