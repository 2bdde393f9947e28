import { join } from 'node:path';

/** A process to start: the program and its arguments. */
export interface EntryPointCommand {
  readonly command: string;
  readonly args: string[];
}

/**
 * How every script and test starts one of the project's TypeScript entry points: as its npm script
 * does, `node scripts/run.cjs <entry> [args...]`. The runner of the project at `projectRoot`
 * resolves `entry` against that folder; the caller chooses the working folder.
 */
export function entryPointCommand(projectRoot: string, entry: string, args: readonly string[] = []): EntryPointCommand {
  return { command: process.execPath, args: [join(projectRoot, 'scripts', 'run.cjs'), entry, ...args] };
}
