import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { entryPointCommand } from '../../lib/util/entry-point.js';
import { walkFiles } from '../../lib/util/walk-files.js';
import { synthFixture, writeFixtureConfig, writeFixtureOverlays } from './fixture-project.js';
import { makeTempDir, PROJECT_ROOT } from './project-root.js';
import type { CommandResult } from './run-command.js';

export { makeTempDir, PROJECT_ROOT, writeFixtureOverlays };

let fixtureConfig: readonly string[] | undefined;

/**
 * `--platform` and `--overlays` of the fixture's configuration, written once per test file: synth
 * in tests never reads the project's own. Options given later on a command line replace them.
 */
export function fixtureConfigArgs(): readonly string[] {
  if (fixtureConfig === undefined) {
    const folder = makeTempDir('fixture-config');
    process.once('exit', () => rmSync(folder.path, { recursive: true, force: true }));
    const { platformFile, overlaysDirectory } = writeFixtureConfig(folder.path);
    fixtureConfig = ['--platform', platformFile, '--overlays', overlaysDirectory];
  }
  return fixtureConfig;
}

export interface SynthResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run synth -- <args>` of the fixture from the project folder, run in this process. */
export function synth(args: readonly string[]): Promise<CommandResult> {
  return synthFixture([...fixtureConfigArgs(), ...args], PROJECT_ROOT);
}

/**
 * Runs the synth entry point exactly as `npm run synth` does, as a real process, on the fixture's
 * configuration: for what only a process shows.
 */
export function synthProcess(args: readonly string[], env: NodeJS.ProcessEnv = {}): SynthResult {
  const { command, args: argv } = entryPointCommand(PROJECT_ROOT, 'main.ts', [...fixtureConfigArgs(), ...args]);
  const result = spawnSync(command, argv, {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every file under `root`, by relative path, with its content. */
export function readTree(root: string): Map<string, string> {
  return new Map(
    walkFiles(root)
      .filter((file) => file.type === 'file')
      .map((file) => [file.path, readFileSync(file.absolutePath, 'utf8')]),
  );
}
