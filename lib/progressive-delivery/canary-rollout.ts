import { Construct } from 'constructs';
import {
  Rollout,
  type RolloutSpecStrategyCanaryAnalysis,
  type RolloutSpecStrategyCanarySteps,
  RolloutSpecStrategyCanaryStepsPauseDuration,
  type RolloutSpecTemplate,
} from '../../imports/argo-rollouts-rollout-argoproj.io.js';

/** One step of a canary: shift traffic weight, or pause. */
export type CanaryStep =
  | { readonly setWeight: number }
  /** Without a duration, the Rollout waits until an operator promotes or aborts it. */
  | { readonly pause: { readonly duration?: string | number } };

/** Each weight, then a pause that waits for an operator; then all of the traffic. */
export function canarySteps(weights: readonly number[]): CanaryStep[] {
  return [...weights.flatMap((setWeight) => [{ setWeight }, { pause: {} }]), { setWeight: 100 }];
}

/** The canary the platform runs by default: half, then wait for an operator, then all. */
export const PAUSE_AT_HALF: readonly CanaryStep[] = canarySteps([50]);

/** The Services and the router a canary's weights are applied through, instead of the share of pods. */
export interface CanaryTrafficRouting {
  /** The Service the controller points at the canary's pods. */
  readonly canaryService: string;
  /** The Service the controller points at the stable pods. */
  readonly stableService: string;
  /** The `weighted` TraefikService over the two, whose weights the controller sets. */
  readonly traefikServiceName: string;
}

/** An AnalysisTemplate the canary runs in the background, which aborts the Rollout when it fails. */
export interface CanaryBackgroundAnalysis {
  /** The AnalysisTemplate's name, in the Rollout's namespace. */
  readonly templateName: string;
  /** The step the analysis starts at (0 is the first): it then runs until the Rollout is promoted in full or aborted. */
  readonly startingStep: number;
  /** The template's argument that receives the canary's pod-template hash (`valueFrom.podTemplateHashValue: Latest`). */
  readonly canaryHashArg: string;
}

/** The weight of the first `setWeight` step: where the canary starts to take traffic. */
export function firstCanaryWeight(steps: readonly CanaryStep[]): number | undefined {
  const step = steps.find((candidate) => 'setWeight' in candidate && candidate.setWeight > 0);
  return step && 'setWeight' in step ? step.setWeight : undefined;
}

/**
 * The first step at which the canary already carries `weight`: a `setWeight` step completes once
 * its pods are available, so an analysis starting there measures pods that serve.
 *
 * @returns `undefined` when no step reaches `weight`
 */
export function firstStepAtWeight(steps: readonly CanaryStep[], weight: number): number | undefined {
  const index = steps.findIndex((_, at) => at > 0 && currentWeight(steps.slice(0, at)) >= weight);
  return index < 0 ? undefined : index;
}

/** `steps` with every pause that waits for an operator turned into a timed one. */
export function timedPauses(steps: readonly CanaryStep[], duration: string | number): CanaryStep[] {
  return steps.map((step) => ('pause' in step && step.pause.duration === undefined ? { pause: { duration } } : step));
}

export interface CanaryRolloutProps {
  /** `metadata.name`. */
  readonly name: string;

  /**
   * Desired pods. A canary that pauses below 100% needs at least 2: one stable pod beside one canary pod.
   *
   * @default 2
   */
  readonly replicas?: number;

  /**
   * The canary's steps.
   *
   * @default PAUSE_AT_HALF
   */
  readonly steps?: readonly CanaryStep[];

  /** Labels the Rollout selects its pods by; the template's labels must include them. */
  readonly selectorLabels: Readonly<Record<string, string>>;

  /** The pod template. */
  readonly template: RolloutSpecTemplate;

  /**
   * Labels on the Rollout object itself.
   *
   * @default - the selector labels
   */
  readonly labels?: Readonly<Record<string, string>>;

  /**
   * Old ReplicaSets kept for `undo`.
   *
   * @default 10 (the controller's default)
   */
  readonly revisionHistoryLimit?: number;

  /**
   * Background analysis of the canary.
   *
   * @default - none: nothing but an operator judges the canary
   */
  readonly analysis?: CanaryBackgroundAnalysis;

  /**
   * The router that applies the weights.
   *
   * @default - none: the weight is the share of pods behind a Service that selects them all
   */
  readonly trafficRouting?: CanaryTrafficRouting;
}

/**
 * An Argo Rollouts `Rollout` with a canary strategy. Without a traffic router the plain Service
 * selects stable and canary pods alike, so the weight is the share of pods; with one, the
 * controller sets the weights on the router and points a canary and a stable Service at the pods.
 *
 * The spec is checked at synth against the rules the Rollouts controller v1.9.0 applies, so a
 * Rollout the controller would mark InvalidSpec never reaches Git.
 */
export class CanaryRollout extends Construct {
  public readonly name: string;
  public readonly replicas: number;
  public readonly steps: readonly CanaryStep[];

  constructor(scope: Construct, id: string, props: CanaryRolloutProps) {
    super(scope, id);
    this.name = props.name;
    this.replicas = props.replicas ?? 2;
    this.steps = props.steps ?? PAUSE_AT_HALF;

    new Rollout(this, 'Resource', {
      metadata: { name: props.name, labels: { ...(props.labels ?? props.selectorLabels) } },
      spec: {
        replicas: this.replicas,
        revisionHistoryLimit: props.revisionHistoryLimit,
        selector: { matchLabels: { ...props.selectorLabels } },
        strategy: {
          canary: {
            canaryService: props.trafficRouting?.canaryService,
            stableService: props.trafficRouting?.stableService,
            trafficRouting: props.trafficRouting && { traefik: { weightedTraefikServiceName: props.trafficRouting.traefikServiceName } },
            steps: this.steps.map(toRolloutStep),
            analysis: props.analysis && toRolloutAnalysis(props.analysis),
          },
        },
        template: props.template,
      },
    });

    this.node.addValidation({ validate: () => canaryRolloutErrors(props.name, this.replicas, this.steps, props) });
  }
}

function toRolloutAnalysis(analysis: CanaryBackgroundAnalysis): RolloutSpecStrategyCanaryAnalysis {
  return {
    templates: [{ templateName: analysis.templateName }],
    startingStep: analysis.startingStep,
    args: [{ name: analysis.canaryHashArg, valueFrom: { podTemplateHashValue: 'Latest' } }],
  };
}

function toRolloutStep(step: CanaryStep): RolloutSpecStrategyCanarySteps {
  // Written field by field so that a malformed step reaches the validation intact.
  const duration = 'pause' in step ? step.pause?.duration : undefined;
  const pauseDuration =
    duration === undefined
      ? undefined
      : typeof duration === 'number'
        ? RolloutSpecStrategyCanaryStepsPauseDuration.fromNumber(duration)
        : RolloutSpecStrategyCanaryStepsPauseDuration.fromString(duration);
  return {
    setWeight: 'setWeight' in step ? step.setWeight : undefined,
    pause: 'pause' in step ? { duration: pauseDuration } : undefined,
  };
}

const PAUSE_DURATION = /^\d+[smh]?$/;

/** The controller's spec rules, phrased for the person editing the construct's props. */
function canaryRolloutErrors(name: string, replicas: number, steps: readonly CanaryStep[], props: CanaryRolloutProps): string[] {
  const where = `Rollout ${name}`;
  const errors: string[] = [];
  if (!Number.isInteger(replicas) || replicas < 0) {
    errors.push(`${where}: spec.replicas is ${replicas}; expected a whole number of at least 0`);
  }
  const selector = Object.entries(props.selectorLabels);
  if (selector.length === 0) {
    errors.push(`${where}: spec.selector is empty; it must select the template's labels (an empty selector matches every pod)`);
  }
  const templateLabels = props.template.metadata?.labels ?? {};
  for (const [key, value] of selector) {
    if (templateLabels[key] !== value) {
      errors.push(
        `${where}: spec.selector does not match spec.template.metadata.labels: ` +
          `selector needs ${key}=${value}, template has ${key in templateLabels ? `${key}=${templateLabels[key]}` : `no ${key}`}`,
      );
    }
  }
  if ((props.template.spec?.containers ?? []).length === 0) {
    errors.push(`${where}: spec.template.spec.containers is empty; expected at least one container`);
  }
  steps.forEach((step, index) => {
    const field = `${where}: spec.strategy.canary.steps[${index}]`;
    const set = Object.keys(step);
    if (set.length !== 1) {
      errors.push(`${field} sets ${set.join(' and ') || 'nothing'}; a step sets exactly one of setWeight or pause`);
    } else if ('setWeight' in step) {
      if (!Number.isInteger(step.setWeight) || step.setWeight < 0 || step.setWeight > 100) {
        errors.push(`${field}.setWeight is ${step.setWeight}; expected a whole number from 0 to 100`);
      }
    } else {
      const duration = step.pause?.duration;
      const valid =
        duration === undefined ||
        (typeof duration === 'number' ? Number.isInteger(duration) && duration >= 0 : PAUSE_DURATION.test(duration));
      if (!valid) {
        errors.push(
          `${field}.pause.duration is ${JSON.stringify(duration)}; expected seconds (30) or a number with unit s, m or h ("30s", "5m", "1h")`,
        );
      }
    }
  });
  const startingStep = props.analysis?.startingStep;
  if (startingStep !== undefined && !(Number.isInteger(startingStep) && startingStep >= 0 && startingStep < steps.length)) {
    errors.push(
      `${where}: spec.strategy.canary.analysis.startingStep is ${startingStep}; expected the index of a step, from 0 to ${steps.length - 1}`,
    );
  }
  const pausesBelowFull = steps.some(
    (step, index) => 'pause' in step && currentWeight(steps.slice(0, index)) < 100 && currentWeight(steps.slice(0, index)) > 0,
  );
  if (pausesBelowFull && replicas < 2) {
    errors.push(
      `${where}: spec.replicas is ${replicas}; a canary that pauses below 100% needs at least 2 replicas, or no stable pod serves beside the canary`,
    );
  }
  return errors;
}

function currentWeight(steps: readonly CanaryStep[]): number {
  let weight = 0;
  for (const step of steps) if ('setWeight' in step) weight = step.setWeight;
  return weight;
}
