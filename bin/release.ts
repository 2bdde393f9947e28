/**
 * Cuts a release: sets a workload's release (Mandelbrot's MANDELBROT_RELEASE), re-synthesizes
 * dist/, and says which clusters will start a canary when Argo CD syncs the result.
 *
 *   npm run release -- <name> [--cluster <name>] [--workload <name>]
 *
 * Without --cluster it sets the platform default (platform.yaml, workloads.<workload>.release);
 * with it, that cluster's overlay (the same field). Exit codes: 0 done; 1 synth failed (the YAML file is put
 * back) or the configuration is invalid; 2 bad input, nothing changed.
 * The command itself is lib/operator/release-command.ts.
 */
import { runIfEntryPoint } from '../lib/cli/command-io.js';
import { WORKLOADS } from '../lib/workloads/all-workloads.js';
import { withRealProcesses } from '../lib/operator/operator-io.js';
import { releaseCommand } from '../lib/operator/release-command.js';

runIfEntryPoint('bin/release.ts', withRealProcesses(releaseCommand, WORKLOADS), process);
