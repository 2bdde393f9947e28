import type { Command } from 'commander';
import { type RunCommand, runWithTinyexec } from './run-command.js';

/**
 * Everything an operator command takes from the process it runs in, so it can run in process
 * too: a test gives its own writers, folder and process runner.
 */
export interface CommandEnvironment {
  /** Receives what the command prints for the operator. */
  readonly stdout: (text: string) => void;
  /** Receives errors and failures. */
  readonly stderr: (text: string) => void;
  /** The environment the processes it starts get. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The folder relative paths are read from, and its processes start in. */
  readonly cwd: string;
  /** How it starts kubectl, synth and any other process. */
  readonly run: RunCommand;
}

/** The environment of `process`: its streams, variables and folder, and real processes. */
export function processEnvironment(process: NodeJS.Process): CommandEnvironment {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    run: runWithTinyexec,
  };
}

/** `run` with the environment's folder and variables, unless a call names its own. */
export function runIn(environment: CommandEnvironment): RunCommand {
  return (file, args, options) => environment.run(file, args, { cwd: environment.cwd, env: environment.env, ...options });
}

/**
 * Ends an operator command's command line: the project's inputs (`--overlays`, `--platform`), what
 * commander prints sent through `output`, and an error thrown instead of the process exiting.
 */
export function readsProject(program: Command, output: Pick<CommandEnvironment, 'stdout' | 'stderr'>): Command {
  return program
    .option('--overlays <dir>', 'the cluster overlays', 'overlays')
    .option('--platform <file>', 'the platform settings', 'platform.yaml')
    .configureOutput({ writeOut: output.stdout, writeErr: output.stderr })
    .exitOverride();
}
