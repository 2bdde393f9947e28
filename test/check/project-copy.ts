import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryPointCommand } from '../../lib/util/entry-point.js';
import { FIXTURE_WORKLOADS, synthFixture, writeFixtureConfig } from '../support/fixture-project.js';
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
   * @param bundleCache a folder for the copy's node_modules/.cache; copies that share one bundle
   * the entry points once (timestamps are kept, so their sources hash alike)
   */
  public static create(bundleCache?: string, leftOut: readonly string[] = []): ProjectCopy {
    const root = mkdtempSync(join(tmpdir(), 'trinity-project-'));
    for (const entry of readdirSync(PROJECT_ROOT)) {
      if (!NOT_COPIED.has(entry) && !leftOut.includes(entry)) {
        cpSync(join(PROJECT_ROOT, entry), join(root, entry), { recursive: true, preserveTimestamps: true });
      }
    }
    const ownModules = bundleCache ? undefined : mkdtempSync(join(tmpdir(), 'trinity-modules-'));
    symlinkSync(linkedNodeModules(bundleCache ?? ownModules!), join(root, 'node_modules'));
    return new ProjectCopy(root, ownModules);
  }

  /**
   * The project's code with the fixture's configuration and workloads instead of the project's,
   * and no output until {@link ProjectCopy.synth}: what unit tests run on.
   */
  public static fixture(bundleCache?: string): ProjectCopy {
    const copy = ProjectCopy.create(bundleCache, PROJECT_CONFIGURATION);
    writeFixtureConfig(copy.root);
    writeFileSync(
      join(copy.root, 'lib', 'workloads', 'registry.ts'),
      FIXTURE_WORKLOADS.map((workload) => `export { ${workload.name} } from './${workload.name}/${workload.name}.js';\n`).join(''),
    );
    return copy;
  }

  /**
   * @param ownModules the folder of linked packages this copy made for itself, when it was given no
   * bundle folder; its clones link the same one
   */
  private constructor(
    public readonly root: string,
    private readonly ownModules?: string,
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

  /** Removes the copy, and the packages' links it made when it was given no bundle folder (its clones use them: clean those first). */
  public cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
    if (this.ownModules) rmSync(this.ownModules, { recursive: true, force: true });
  }
}

/**
 * A folder of links to each of the project's packages, with its own `.cache` (`folder` itself),
 * made once per folder: a copy's `node_modules` is one link to it. Linking hundreds of packages
 * for each copy cost more than the copy itself.
 */
function linkedNodeModules(folder: string): string {
  const linked = join(folder, 'linked-node-modules');
  if (existsSync(linked)) return linked;
  mkdirSync(linked, { recursive: true });
  for (const entry of readdirSync(join(PROJECT_ROOT, 'node_modules'))) {
    if (entry !== '.cache') symlinkSync(join(PROJECT_ROOT, 'node_modules', entry), join(linked, entry));
  }
  symlinkSync(folder, join(linked, '.cache'));
  return linked;
}
