/**
 * Host hygiene when a run is interrupted: a process holding a drill cluster on the real node is
 * stopped as a user (SIGINT), a CI runner (SIGTERM) or a test runner past its timeout (SIGKILL, where
 * only the reaper is left to clean up) would stop it; then nothing of the node may stay on the host.
 * The drills check the same after their own, ordinary, stop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { leftovers, lookAtHost } from './support/host-hygiene.js';
import { waitFor } from './support/wait.js';

const HOLDER = ['scripts/run.cjs', 'test/e2e/support/hold-real-node.ts'];
/** A cold toolchain is built by the drills' setup; here it is warm, or being built by another run. */
const SETUP_TIMEOUT_MS = 80 * 60_000;

for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
  test(
    `fails if a real node leaves anything on the host after ${signal}`,
    async () => {
      const before = lookAtHost();
      const holder = spawn(process.execPath, HOLDER, { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      holder.stdout.on('data', (chunk) => (output += chunk));
      holder.stderr.on('data', (chunk) => (output += chunk));
      const exited = new Promise<number | string>((resolve) => holder.once('exit', (code, name) => resolve(code ?? name ?? '')));
      try {
        await waitFor(
          'host hygiene',
          'the holder process printing ready',
          () => {
            if (holder.exitCode !== null) throw new Error(`the holder exited ${holder.exitCode}: ${output.slice(-2000)}`);
            return { done: output.includes('ready\n'), seen: output.split('\n').at(-2) ?? '' };
          },
          { timeoutMs: SETUP_TIMEOUT_MS, intervalMs: 200 },
        );
        expect(leftovers(before, lookAtHost()).some((line) => line.startsWith('cgroup: '))).toBe(true);
        holder.kill(signal);
        await exited;
        // The reaper works on after its parent is gone; it is bounded (about 20 s).
        const left = await waitFor(
          'host hygiene',
          `nothing of the node on the host after ${signal}`,
          () => {
            const now = leftovers(before, lookAtHost());
            return { done: now.length === 0, seen: now.join('; '), value: now };
          },
          { timeoutMs: 40_000, intervalMs: 500 },
        ).catch((error: Error) => [error.message]);
        expect(left).toEqual([]);
      } finally {
        stop(holder);
      }
    },
    SETUP_TIMEOUT_MS,
  );
}

function stop(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
