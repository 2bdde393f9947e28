import type { Command as CommandLine } from 'commander';
import type { Command, CommandIO } from '../cli/command-io.js';
import type { Workload } from '../workloads/workload.js';
import { type RunCommand, runWithTinyexec } from './run-command.js';

/** A command's {@link CommandIO}, and how an operator command starts kubectl, synth and any other process. */
export interface OperatorIO extends CommandIO {
  readonly run: RunCommand;
  /** The workloads the project registers (lib/workloads/registry.ts), passed by the entry point. */
  readonly workloads: readonly Workload[];
}

/** An operator command: resolves to its exit code once it has written its output. */
export type OperatorCommand = (argv: readonly string[], io: OperatorIO) => Promise<number>;

/** `command` on the project's `workloads`, starting real processes: what its entry point runs. A test gives its own runner instead. */
export function withRealProcesses(command: OperatorCommand, workloads: readonly Workload[]): Command {
  return (argv, io) => command(argv, { ...io, run: runWithTinyexec, workloads });
}

/** `run` with the command's folder and variables, unless a call names its own. */
export function runIn(io: OperatorIO): RunCommand {
  return (file, args, options) => io.run(file, args, { cwd: io.cwd, env: io.env, ...options });
}

/**
 * Ends an operator command's command line: the project's inputs (`--overlays`, `--platform`), what
 * commander prints sent through `output`, and an error thrown instead of the process exiting.
 */
export function readsProject(program: CommandLine, output: Pick<CommandIO, 'stdout' | 'stderr'>): CommandLine {
  return program
    .option('--overlays <dir>', 'the cluster overlays', 'overlays')
    .option('--platform <file>', 'the platform settings', 'platform.yaml')
    .configureOutput({ writeOut: (text) => output.stdout.write(text), writeErr: (text) => output.stderr.write(text) })
    .exitOverride();
}
