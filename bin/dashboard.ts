/**
 * A live page of every Rollout on every cluster, served on 127.0.0.1 until Ctrl-C.
 *
 *   npm run dashboard -- [--port 8090] [--allow-actions] [--kubectl <path>]
 *
 * Exit codes: 0 stopped; 1 the project's configuration is invalid; 2 bad input, a context the
 * kubeconfig lacks, or (with --allow-actions) kubectl or its plugin cannot run.
 * The command itself is lib/dashboard/dashboard-command.ts.
 */
import { runIfEntryPoint } from '../lib/cli/command-io.js';
import { dashboardCommand } from '../lib/dashboard/dashboard-command.js';
import { runWithTinyexec } from '../lib/operator/run-command.js';
import { WORKLOADS } from '../lib/workloads/all-workloads.js';

const stopped = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});

runIfEntryPoint(
  'bin/dashboard.ts',
  (argv, io) => dashboardCommand(argv, { ...io, run: runWithTinyexec, stopped, workloads: WORKLOADS }),
  process,
);
