import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DrillCluster } from './drill-cluster.js';
import { describeSnapshot, type LiveRollout, type RolloutSnapshot } from './live-rollout.js';
import { waitFor } from './wait.js';

/** Steps of one drill, which depend on each other. */
export interface DrillSteps {
  /**
   * One step: skipped once an earlier one failed; a failure (a timeout too) names the step, the
   * logs and their tails.
   */
  readonly step: (name: string, body: () => Promise<void>) => void;
  /** The step that failed, if one did. */
  readonly failed: () => string | undefined;
}

/** The steps of one drill on `cluster` (read when a step fails), each with `timeoutMs`. */
export function drillSteps(cluster: () => DrillCluster | undefined, timeoutMs: number): DrillSteps {
  let failedStep: string | undefined;
  const stepMs = timeoutMs - 10_000;
  return {
    failed: () => failedStep,
    step: (name, body) =>
      test(
        name,
        async () => {
          if (failedStep) throw new Error(`not run: step "${failedStep}" failed before it`);
          // The step's own deadline, ahead of jest's: a step that times out is failed here, so no
          // later step starts while it may still be running.
          let timer: NodeJS.Timeout | undefined;
          const deadline = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(stepMs / 1000)} s`)), stepMs);
          });
          try {
            await Promise.race([body(), deadline]);
          } catch (error) {
            failedStep = name;
            const message = error instanceof Error ? error.message : String(error);
            const current = cluster();
            const where = current ? `\nlogs in ${current.runDir}\n${current.supervisor.logTails()}` : '';
            throw new Error(`e2e step "${name}" failed: ${message}${where}`, { cause: error });
          } finally {
            clearTimeout(timer);
          }
        },
        timeoutMs,
      ),
  };
}

/**
 * The end of a drill: writes its figures to `<run>/<file>` and to the file the environment variable
 * `figuresVariable` names (for `npm run bench`), stops every process, and fails if anything of the
 * real node stays on the host (processes, mounts, links, firewall rules, cgroups, sysctls).
 */
export async function recordFiguresAndStop(
  cluster: DrillCluster,
  figures: Readonly<Record<string, number>>,
  figuresVariable: string,
  log: (line: string) => void,
  file = 'figures.json',
): Promise<void> {
  const text = `${JSON.stringify(figures, null, 2)}\n`;
  writeFileSync(join(cluster.runDir, file), text);
  const target = process.env[figuresVariable];
  if (target) writeFileSync(target, text);
  const left = await cluster.stop();
  expect(left).toEqual([]);
  log(`stopped every process; logs in ${cluster.runDir}`);
}

/** Waits until the Rollout satisfies `check`, which says what it wants; fails with what it saw last. */
export function awaitLiveRollout(
  live: LiveRollout,
  step: string,
  awaited: string,
  check: (snapshot: RolloutSnapshot) => boolean,
  timeoutMs = 120_000,
): Promise<RolloutSnapshot> {
  return waitFor(
    step,
    awaited,
    async () => {
      const snapshot = await live.snapshot();
      return { done: check(snapshot), seen: describeSnapshot(snapshot), value: snapshot };
    },
    { timeoutMs, intervalMs: 250 },
  );
}

/**
 * Healthy at the last step with every pod on the current hash: the state after a first revision
 * or a promote.
 *
 * @param replicas the Rollout's replicas: 2, as the overlays leave it
 */
export function fullyPromoted(snapshot: RolloutSnapshot, replicas = 2): boolean {
  const status = snapshot.rollout.status ?? {};
  const onCurrent = snapshot.pods.get(status.currentPodHash ?? '');
  return (
    status.phase === 'Healthy' &&
    status.stableRS === status.currentPodHash &&
    status.currentStepIndex === 3 &&
    snapshot.pods.size === 1 &&
    onCurrent?.total === replicas &&
    onCurrent.ready === replicas
  );
}

/** Paused at the pause step with exactly one stable and one canary pod, both Ready. */
export function pausedAtHalf(snapshot: RolloutSnapshot): boolean {
  const status = snapshot.rollout.status ?? {};
  const stable = snapshot.pods.get(status.stableRS ?? '');
  const canary = snapshot.pods.get(status.currentPodHash ?? '');
  return (
    status.phase === 'Paused' &&
    status.currentStepIndex === 1 &&
    status.stableRS !== status.currentPodHash &&
    snapshot.pods.size === 2 &&
    stable?.total === 1 &&
    stable.ready === 1 &&
    canary?.total === 1 &&
    canary.ready === 1
  );
}
