import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSynth } from '../../main.js';
import { entryPointCommand } from '../../lib/util/entry-point.js';
import { walkFiles } from '../../lib/util/walk-files.js';
import { type CommandResult, runCommand } from './run-command.js';

/** The project folder: tests run from it. */
export const PROJECT_ROOT = process.cwd();

export interface SynthResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run synth -- <args>` from the project folder, run in this process. */
export function synth(args: readonly string[]): Promise<CommandResult> {
  return runCommand(runSynth, args, { cwd: PROJECT_ROOT });
}

/** Runs the synth entry point exactly as `npm run synth` does, as a real process: for what only a process shows. */
export function synthProcess(args: readonly string[], env: NodeJS.ProcessEnv = {}): SynthResult {
  const { command, args: argv } = entryPointCommand(PROJECT_ROOT, 'main.ts', args);
  const result = spawnSync(command, argv, {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A temporary folder removed by the returned `cleanup`. */
export function makeTempDir(prefix: string): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), `trinity-${prefix}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Copies the project's overlays into `folder`, so a test can edit them. */
export function copyOverlays(folder: string): string {
  const overlays = join(folder, 'overlays');
  mkdirSync(overlays, { recursive: true });
  cpSync(join(PROJECT_ROOT, 'overlays'), overlays, { recursive: true });
  return overlays;
}

/** Every file under `root`, by relative path, with its content. */
export function readTree(root: string): Map<string, string> {
  return new Map(
    walkFiles(root)
      .filter((file) => file.type === 'file')
      .map((file) => [file.path, readFileSync(file.absolutePath, 'utf8')]),
  );
}
