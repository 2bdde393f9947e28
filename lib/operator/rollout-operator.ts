import { type KubectlClient, KubectlCommandError, KubectlMissingError } from './kubectl-client.js';
import { kubectlVersionArgs, pluginVersionArgs } from './kubectl-commands.js';
import { type ClusterTarget, type OperationPlan, type OperationSettings, planOperation, type StepContext } from './operation-plan.js';
import { needsRolloutsPlugin, type Operation, SUPPORTED_PLUGIN_VERSION } from './operations.js';
import { type Clock, SYSTEM_CLOCK } from './poll-until.js';
import type { RolloutSummary } from './rollout-summary.js';
import { UsageError } from '../core/errors.js';

/** How one cluster's operation ended. */
export interface ClusterOutcome {
  readonly cluster: ClusterTarget;
  /** Why it failed; `undefined` when it succeeded. */
  readonly error?: string;
  /** The Rollout as read at the end, when it could be read. */
  readonly state?: RolloutSummary;
  /** What the operator must know now. */
  readonly notes: readonly string[];
}

export interface RolloutOperatorProps {
  readonly kubectl: KubectlClient;
  readonly settings: OperationSettings;
  /** Receives every progress line. */
  readonly log: (line: string) => void;

  /**
   * The clock waits use.
   *
   * @default SYSTEM_CLOCK
   */
  readonly clock?: Clock;
}

/** Runs one operation on several clusters at once and reports every cluster, failed or not. */
export class RolloutOperator {
  private readonly kubectl: KubectlClient;
  private readonly settings: OperationSettings;
  private readonly log: (line: string) => void;
  private readonly clock: Clock;

  constructor(props: RolloutOperatorProps) {
    this.kubectl = props.kubectl;
    this.settings = props.settings;
    this.log = props.log;
    this.clock = props.clock ?? SYSTEM_CLOCK;
  }

  /**
   * Checks that kubectl runs, and the kubectl-argo-rollouts plugin too when `operation` needs it;
   * returns the plugin's version line, or kubectl's when only kubectl is needed. A plugin other
   * than {@link SUPPORTED_PLUGIN_VERSION} only earns a warning in the log. When a tool cannot run,
   * nothing has been attempted on any cluster: a {@link UsageError}.
   */
  public async checkTools(operation: Operation): Promise<string> {
    if (!needsRolloutsPlugin(operation)) {
      try {
        const output = await this.kubectl.check(kubectlVersionArgs(), { timeoutMs: 60_000 });
        return `kubectl ${(output.split('\n')[0] ?? '').trim()}`;
      } catch (error) {
        if (error instanceof KubectlMissingError) throw new UsageError(error.message);
        if (error instanceof KubectlCommandError) throw new UsageError(`kubectl does not run: ${error.message}`);
        throw error;
      }
    }
    let output: string;
    try {
      output = await this.kubectl.check(pluginVersionArgs(), { timeoutMs: 60_000 });
    } catch (error) {
      if (error instanceof KubectlMissingError) throw new UsageError(error.message);
      if (error instanceof KubectlCommandError) {
        throw new UsageError(
          `the kubectl-argo-rollouts plugin is missing or does not run: ${error.message}. ` +
            `Install kubectl-argo-rollouts ${SUPPORTED_PLUGIN_VERSION} on PATH (https://github.com/argoproj/argo-rollouts/releases).`,
        );
      }
      throw error;
    }
    const version = (output.split('\n')[0] ?? '').trim();
    if (!version.includes(`${SUPPORTED_PLUGIN_VERSION}+`) && !version.endsWith(SUPPORTED_PLUGIN_VERSION)) {
      this.log(
        `warning: found "${version}"; these operations guard against the behaviour of kubectl-argo-rollouts ${SUPPORTED_PLUGIN_VERSION}`,
      );
    }
    return version;
  }

  private plan(operation: Operation, clusters: readonly ClusterTarget[]): OperationPlan[] {
    return clusters.map((cluster) => planOperation(operation, cluster, this.settings));
  }

  /** The exact commands every cluster would run, as text to print; runs nothing. */
  public describe(operation: Operation, clusters: readonly ClusterTarget[]): string[] {
    const lines: string[] = [];
    for (const plan of this.plan(operation, clusters)) {
      lines.push(`${plan.cluster.name} (context ${plan.cluster.context}):`);
      for (const step of [...plan.steps, plan.show]) {
        lines.push(`  ${this.kubectl.display(step.args)}${step.note ? `  # ${step.note}` : ''}`);
      }
      for (const note of plan.notes) lines.push(`  then: ${note}`);
    }
    return lines;
  }

  /** Runs `operation` on every cluster concurrently; resolves when all have finished, in the clusters' order. */
  public async run(operation: Operation, clusters: readonly ClusterTarget[]): Promise<ClusterOutcome[]> {
    return Promise.all(this.plan(operation, clusters).map((plan) => this.runPlan(plan)));
  }

  private async runPlan(plan: OperationPlan): Promise<ClusterOutcome> {
    const context: StepContext = {
      kubectl: this.kubectl,
      clock: this.clock,
      log: (line) => this.log(`[${plan.cluster.name}] ${line}`),
    };
    let error: string | undefined;
    let completed = 0;
    try {
      for (const step of plan.steps) {
        await step.run(context);
        completed++;
      }
    } catch (caught) {
      error = messageOf(caught);
    }
    let state: RolloutSummary | undefined;
    try {
      state = await plan.show.run(context);
    } catch (caught) {
      error ??= messageOf(caught);
    }
    // The notes follow from the operation's first command: they hold once it has run.
    const notes = completed > 0 ? plan.notes : [];
    if (error !== undefined) context.log(`failed: ${error}`);
    for (const note of notes) context.log(`note: ${note}`);
    return { cluster: plan.cluster, error, state, notes };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
