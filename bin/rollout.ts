/**
 * The operator's tool: one Rollout operation on one cluster or on all of them.
 *
 *   npm run rollout -- <operation> --cluster <name|all> [--workload <name>] [--to-revision N] [--timeout 10m] [--dry-run] [--force]
 *
 * Exit codes: 0 every cluster succeeded; 1 a cluster failed, or the project's configuration is
 * invalid; 2 bad input, or kubectl or its plugin cannot run (nothing was attempted).
 * The command itself is lib/operator/rollout-command.ts.
 */
import { runIfEntryPoint } from '../lib/cli/command-io.js';
import { WORKLOADS } from '../lib/workloads/all-workloads.js';
import { withRealProcesses } from '../lib/operator/operator-io.js';
import { rolloutCommand } from '../lib/operator/rollout-command.js';

runIfEntryPoint('bin/rollout.ts', withRealProcesses(rolloutCommand, WORKLOADS), process);
