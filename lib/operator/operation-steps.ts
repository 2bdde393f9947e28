import { type AnalysisRunObject, type AnalysisRunSummary, latestAnalysisRun } from './analysis-run-summary.js';
import { formatDuration } from './duration.js';
import { type KubectlClient, KubectlCommandError, lastLine } from './kubectl-client.js';
import {
  getAnalysisRunsArgs,
  getApplicationArgs,
  getCrdArgs,
  getRolloutArgs,
  type RolloutRef,
  syncApplicationArgs,
} from './kubectl-commands.js';
import { type Clock, pollUntil, type Probe, WaitTimeoutError } from './poll-until.js';
import {
  describeRolloutSummary,
  releaseOfRollout,
  type RolloutObject,
  type RolloutPhase,
  type RolloutSummary,
  summarizeRollout,
} from './rollout-summary.js';
import { readTrafficWeights } from './traffic-weights.js';

// The steps operations are made of: each one kubectl command, and how its result is read.

/** What a step may use while it runs. */
export interface StepContext {
  readonly kubectl: KubectlClient;
  readonly clock: Clock;
  /** Prints one line of progress for this cluster. */
  readonly log: (line: string) => void;
}

/** One kubectl command of an operation, and how its result is used. */
export interface OperationStep<Result = void> {
  /** kubectl's arguments: what `--dry-run` prints. */
  readonly args: readonly string[];
  /** How the command is used when that is more than running it once, for `--dry-run`. */
  readonly note?: string;
  readonly run: (context: StepContext) => Promise<Result>;
}

/** The operation cannot go on; the message says why and what to do. */
export class OperationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperationError';
  }
}

/** What every step of one cluster's plan shares. */
export interface PlanTarget {
  readonly context: string;
  readonly rollout: RolloutRef;
  /** The deadline of each wait, and the time between two looks. */
  readonly settings: { readonly timeoutMs: number; readonly pollIntervalMs: number };
}

/** Extra time the plugin's own `--timeout` gets before the process is killed. */
const WATCH_GRACE_MS = 30_000;

/** Runs a command once and shows what it printed. */
export function runCommand(args: readonly string[]): OperationStep {
  return {
    args,
    run: async ({ kubectl, log }) => {
      log(`$ ${kubectl.display(args)}`);
      logOutput(log, await kubectl.check(args));
    },
  };
}

/** What a command printed, indented under it. */
function logOutput(log: StepContext['log'], output: string): void {
  for (const line of output.split('\n')) if (line.trim() !== '') log(`  ${line}`);
}

/** Reads the Rollout, and its canary's analysis when it has one; a missing Rollout is an error here. */
export function showRollout(target: PlanTarget): OperationStep<RolloutSummary> {
  const args = getRolloutArgs(target.rollout, target.context);
  return {
    args,
    note: 'shows the state',
    run: async ({ kubectl, clock }) => {
      const rollout = await readRolloutObject(kubectl, args);
      if (rollout === undefined)
        throw new OperationError(`there is no Rollout ${target.rollout.name} in namespace ${target.rollout.namespace}`);
      const release = releaseOfRollout(rollout, target.rollout.releaseVariable);
      const summary = release === undefined ? summarizeRollout(rollout) : { ...summarizeRollout(rollout), release };
      const analysis = await readCanaryAnalysis(kubectl, target, rollout);
      const traffic = await readTrafficWeights(kubectl, clock, target.context, target.rollout, rollout);
      return { ...summary, ...(analysis ? { analysis } : {}), ...(traffic ? { traffic } : {}) };
    },
  };
}

/** The Rollout's summary, or `undefined` when it does not exist. */
async function readRollout(kubectl: KubectlClient, args: readonly string[]): Promise<RolloutSummary | undefined> {
  const rollout = await readRolloutObject(kubectl, args);
  return rollout && summarizeRollout(rollout);
}

/** The Rollout's JSON, or `undefined` when it does not exist. */
async function readRolloutObject(kubectl: KubectlClient, args: readonly string[]): Promise<RolloutObject | undefined> {
  const result = await kubectl.run(args);
  if (result.exitCode !== 0) {
    if (isNotFound(result.stderr)) return undefined;
    throw new KubectlCommandError(kubectl.display(args), result);
  }
  return parseJson<RolloutObject>(result.stdout, kubectl.display(args));
}

/** The newest analysis run of the canary's revision, when the Rollout analyses its canary and one is under way or done. */
async function readCanaryAnalysis(
  kubectl: KubectlClient,
  target: PlanTarget,
  rollout: RolloutObject,
): Promise<AnalysisRunSummary | undefined> {
  const canary = rollout.status?.currentPodHash;
  if (rollout.spec?.strategy?.canary?.analysis === undefined || !canary || canary === rollout.status?.stableRS) return undefined;
  const args = getAnalysisRunsArgs(target.rollout, canary, target.context);
  const result = await kubectl.run(args);
  if (result.exitCode !== 0) throw new KubectlCommandError(kubectl.display(args), result);
  return latestAnalysisRun(parseJson<{ items?: AnalysisRunObject[] }>(result.stdout, kubectl.display(args)).items ?? []);
}

/** `promote` on a Rollout that is not waiting at a pause skips whatever step it is at (kubectl-argo-rollouts v1.9.0). */
/** What the promote's first step saw, for the wait after it. */
export interface PromotionStart {
  /** The first pause step after the one the Rollout was Paused at; undefined when none is left. */
  nextPauseStepIndex?: number;
}

/**
 * Reads the Rollout before a plain `promote`, and refuses unless it is Paused at a pause step
 * (`force` promotes anyway). Notes where the promote will stop in `start`.
 */
export function checkBeforePromote(target: PlanTarget, start: PromotionStart, force: boolean): OperationStep {
  const args = getRolloutArgs(target.rollout, target.context);
  return {
    args,
    note: force
      ? 'reads where the canary stands, to know where the promote stops'
      : 'promote only if the Rollout is Paused at a pause step (--force skips this check)',
    run: async ({ kubectl, log }) => {
      log(`$ ${kubectl.display(args)}`);
      const summary = await readRollout(kubectl, args);
      if (summary === undefined)
        throw new OperationError(`there is no Rollout ${target.rollout.name} in namespace ${target.rollout.namespace} to promote`);
      if (!force && !summary.pausedAtPauseStep) {
        throw new OperationError(
          `refusing to promote: the Rollout is ${describeRolloutSummary(summary)}, not Paused at a pause step. ` +
            'Promoting it now would silently skip its current step. Wait for the canary to pause, use promote-full to skip every step on purpose, or pass --force.',
        );
      }
      start.nextPauseStepIndex = summary.nextPauseStepIndex;
      log(`  ${describeRolloutSummary(summary)}`);
    },
  };
}

/**
 * After a plain `promote`: `status --watch` until Healthy when no pause step is left; otherwise
 * polls until the canary is Paused at the next pause step (or Healthy), where `status --watch`
 * would wait on to its deadline.
 */
export function waitAfterPromote(target: PlanTarget, start: PromotionStart, statusWatch: readonly string[]): OperationStep {
  const untilHealthy = watchUntilHealthy(target, statusWatch);
  const args = getRolloutArgs(target.rollout, target.context);
  return {
    ...untilHealthy,
    note: 'until Healthy; a canary with a later pause step is polled with `kubectl get rollout` until Paused there instead',
    run: async (context) => {
      const nextPause = start.nextPauseStepIndex;
      if (nextPause === undefined) return untilHealthy.run(context);
      return pollingStep(
        target,
        args,
        `Rollout ${target.rollout.name} to be Paused at its next pause step (${nextPause}) or Healthy`,
        `the Rollout is Paused at step ${nextPause} or Healthy`,
        async (kubectl): Promise<Probe<RolloutSummary>> => {
          const summary = await readRollout(kubectl, args);
          if (summary === undefined)
            return { done: false, seen: `no Rollout ${target.rollout.name} in namespace ${target.rollout.namespace}` };
          const stepIndex = Number.parseInt(summary.step, 10);
          if (summary.status === 'Healthy' || (summary.pausedAtPauseStep && stepIndex >= nextPause)) return { done: true, value: summary };
          if (summary.status === 'Degraded')
            throw new OperationError(`Rollout ${target.rollout.name} is Degraded${summary.message ? `: ${summary.message}` : ''}`);
          return { done: false, seen: describeRolloutSummary(summary) };
        },
      ).run(context);
    },
  };
}

/** `status --watch` with a deadline: without `--timeout` it would wait forever on a Paused Rollout. */
export function watchUntilHealthy(target: PlanTarget, args: readonly string[]): OperationStep {
  const what = `Rollout ${target.rollout.name} to be Healthy`;
  return {
    args,
    run: async ({ kubectl, log }) => {
      log(`$ ${kubectl.display(args)}`);
      const result = await kubectl.run(args, { timeoutMs: target.settings.timeoutMs + WATCH_GRACE_MS });
      logOutput(log, result.stdout);
      if (result.exitCode === 0) return;
      if (result.exitCode === -1 || /exceeded timeout/.test(result.stderr)) {
        throw new WaitTimeoutError(
          `${what} (kubectl argo rollouts status --watch)`,
          target.settings.timeoutMs,
          lastLine(result.stdout) || 'no status',
        );
      }
      throw new KubectlCommandError(kubectl.display(args), result);
    },
  };
}

/**
 * A step that runs `args` every interval until `probe` is done or the deadline passes.
 *
 * @param what completes "waiting for ...", in logs and in the timeout's message
 * @param until completes "repeated every 5s, up to 10m, until ...", for `--dry-run`
 */
function pollingStep<T>(
  target: PlanTarget,
  args: readonly string[],
  what: string,
  until: string,
  probe: (kubectl: KubectlClient) => Promise<Probe<T>>,
): OperationStep {
  return {
    args,
    note: `repeated every ${formatDuration(target.settings.pollIntervalMs)}, up to ${formatDuration(target.settings.timeoutMs)}, until ${until}`,
    run: async ({ kubectl, clock, log }) => {
      log(`waiting for ${what} (${formatDuration(target.settings.timeoutMs)}): ${kubectl.display(args)}`);
      await pollUntil({
        what,
        timeoutMs: target.settings.timeoutMs,
        intervalMs: target.settings.pollIntervalMs,
        clock,
        onChange: (seen) => log(`  seen: ${seen}`),
        probe: () => probe(kubectl),
      });
    },
  };
}

/** Waits until the CRD exists and its `Established` condition is True. */
export function waitForCrdEstablished(target: PlanTarget, crd: string): OperationStep {
  const args = getCrdArgs(crd, target.context);
  return pollingStep(
    target,
    args,
    `CRD ${crd} to exist and be Established`,
    'the CRD exists and is Established',
    async (kubectl): Promise<Probe<true>> => {
      const result = await kubectl.run(args);
      if (result.exitCode !== 0) {
        if (isNotFound(result.stderr)) return { done: false, seen: 'the CRD does not exist yet' };
        throw new KubectlCommandError(kubectl.display(args), result);
      }
      const crdObject = parseJson<{ status?: { conditions?: { type?: string; status?: string }[] } }>(result.stdout, kubectl.display(args));
      const established = crdObject.status?.conditions?.find((condition) => condition.type === 'Established');
      if (established?.status === 'True') return { done: true, value: true };
      return { done: false, seen: `the CRD exists, Established is ${established?.status ?? 'not reported'}` };
    },
  );
}

interface ApplicationObject {
  readonly spec?: { readonly syncPolicy?: { readonly syncOptions?: readonly string[] } };
  readonly operation?: unknown;
  readonly status?: { readonly operationState?: { readonly phase?: string; readonly message?: string } };
}

/**
 * Asks Argo CD to sync an Application now with the Application's own `syncOptions`, as
 * `argocd app sync` and the UI do. An operation without them runs without them: without
 * RespectIgnoreDifferences and ApplyOutOfSyncOnly, a sync would put Git's TraefikService, which
 * carries no weights, over the weights the Rollouts controller wrote.
 */
export function syncApplication(target: PlanTarget, application: string): OperationStep {
  const read = getApplicationArgs(application, target.context);
  return {
    args: syncApplicationArgs(application, target.context),
    note: `with the Application's syncOptions added to the operation, read first with \`kubectl ${read.join(' ')}\``,
    run: async ({ kubectl, log }) => {
      const app = parseJson<ApplicationObject>(await kubectl.check(read), kubectl.display(read));
      const args = syncApplicationArgs(application, target.context, app.spec?.syncPolicy?.syncOptions ?? []);
      log(`$ ${kubectl.display(args)}`);
      logOutput(log, await kubectl.check(args));
    },
  };
}

/**
 * Waits until Argo CD has finished the sync operation it was asked for: until then the Rollout
 * still shows the old template, and a wait for "Paused or Healthy" would end on stale state.
 */
export function waitForApplicationSync(target: PlanTarget, application: string): OperationStep {
  const args = getApplicationArgs(application, target.context);
  return pollingStep(
    target,
    args,
    `Argo CD to finish syncing ${application}`,
    'Argo CD has finished the sync',
    async (kubectl): Promise<Probe<true>> => {
      const app = parseJson<ApplicationObject>(await kubectl.check(args), kubectl.display(args));
      const state = app.status?.operationState;
      // Argo CD removes `operation` once the operation has completed, whatever its outcome.
      if (app.operation !== undefined && app.operation !== null) return { done: false, seen: `sync ${state?.phase ?? 'requested'}` };
      if (state?.phase === 'Succeeded') return { done: true, value: true };
      if (state?.phase === 'Failed' || state?.phase === 'Error') {
        throw new OperationError(`Argo CD's sync of ${application} ended ${state.phase}${state.message ? `: ${state.message}` : ''}`);
      }
      return { done: false, seen: `sync ${state?.phase ?? 'not started'}` };
    },
  );
}

/** Polls the Rollout until it is in one of `accepted`; Degraded ends the wait at once unless accepted. */
export function waitForRollout(target: PlanTarget, accepted: readonly RolloutPhase[]): OperationStep {
  const args = getRolloutArgs(target.rollout, target.context);
  const phases = accepted.join(' or ');
  return pollingStep(
    target,
    args,
    `Rollout ${target.rollout.name} to be ${phases}`,
    `the Rollout is ${phases}`,
    async (kubectl): Promise<Probe<RolloutSummary>> => {
      const summary = await readRollout(kubectl, args);
      if (summary === undefined)
        return { done: false, seen: `no Rollout ${target.rollout.name} in namespace ${target.rollout.namespace} yet` };
      if (accepted.includes(summary.status)) return { done: true, value: summary };
      if (summary.status === 'Degraded') {
        throw new OperationError(`Rollout ${target.rollout.name} is Degraded${summary.message ? `: ${summary.message}` : ''}`);
      }
      return { done: false, seen: describeRolloutSummary(summary) };
    },
  );
}

function isNotFound(stderr: string): boolean {
  return /\(NotFound\)/.test(lastLine(stderr));
}

function parseJson<T>(text: string, command: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new OperationError(`${command} printed something that is not JSON: ${text.slice(0, 200)}`);
  }
}
