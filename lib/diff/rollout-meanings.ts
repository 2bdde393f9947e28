import { listAt, type Mapping, mappingAt, numberAt, valueAt } from '../util/parsed-data.js';
import { type ObjectChange, POD_TEMPLATE, show } from './change-context.js';
import type { Meaning } from './diff-model.js';
import { touches } from './field-changes.js';

/** What a change to a Rollout starts: a canary, new steps, a scale. */
export function rolloutMeanings(change: ObjectChange): Meaning[] {
  if (!change.base) {
    return [
      {
        code: 'rollout-created',
        severity: 'info',
        message: 'new Rollout: with no stable ReplicaSet before it, it goes straight to healthy, without a canary',
      },
    ];
  }
  if (!change.head) return [];
  const meanings: Meaning[] = [];
  const before = mappingAt(change.base.object.data, 'spec');
  const after = mappingAt(change.head.object.data, 'spec');
  if (touches(change.fields, POD_TEMPLATE)) {
    meanings.push({ code: 'canary-started', severity: 'notice', message: `pod template changed: ${describeUpdate(after)}` });
  }
  if (touches(change.fields, ['spec', 'strategy'])) {
    meanings.push({
      code: 'canary-steps-changed',
      severity: 'notice',
      message: `rollout strategy changed: ${describeStrategy(before)} → ${describeStrategy(after)}`,
    });
  }
  if (touches(change.fields, ['spec', 'replicas'])) {
    const tail = touches(change.fields, POD_TEMPLATE) ? '' : ': the current ReplicaSet scales, no canary';
    meanings.push({
      code: 'replicas-changed',
      severity: 'notice',
      message: `replicas ${show(before.replicas ?? 1)} → ${show(after.replicas ?? 1)}${tail}`,
    });
  }
  return meanings;
}

/** The canary steps of a Rollout spec, each a mapping (anything else reads as an empty step). */
function canarySteps(rolloutSpec: Mapping): Mapping[] {
  return listAt(rolloutSpec, 'strategy', 'canary', 'steps').map((step) => mappingAt(step));
}

/** What Argo Rollouts does when the pod template of a Rollout with `rolloutSpec` changes. */
function describeUpdate(rolloutSpec: Mapping): string {
  const strategy = mappingAt(rolloutSpec, 'strategy');
  if (strategy.blueGreen) {
    return valueAt(strategy, ['blueGreen', 'autoPromotionEnabled']) === false
      ? 'a new ReplicaSet starts as the blue-green preview and waits for an operator to promote it'
      : 'a new ReplicaSet starts as the blue-green preview and is promoted automatically';
  }
  const steps = canarySteps(rolloutSpec);
  const firstWeight = steps.findIndex((step) => typeof step.setWeight === 'number');
  const weight = numberAt(steps[firstWeight], 'setWeight');
  if (weight === undefined) return 'a new ReplicaSet replaces the pods without pausing (no canary steps)';
  const replicas = numberAt(rolloutSpec, 'replicas') ?? 1;
  const canaryPods = Math.ceil((replicas * weight) / 100);
  let text = `a new ReplicaSet and a ${weight}% canary (${canaryPods} of ${replicas} pods)`;
  const pause = steps.slice(firstWeight + 1).find((step) => 'pause' in step || typeof step.setWeight === 'number');
  if (pause && 'pause' in pause) {
    const duration = valueAt(pause, ['pause', 'duration']);
    text +=
      duration === undefined
        ? ' that pauses for an operator to promote or abort'
        : ` that pauses ${show(duration)}, then continues on its own`;
  }
  return text;
}

function describeStrategy(rolloutSpec: Mapping): string {
  const strategy = mappingAt(rolloutSpec, 'strategy');
  if (strategy.blueGreen) return 'blue-green';
  if (!strategy.canary) return '(none)';
  const steps = canarySteps(rolloutSpec);
  if (steps.length === 0) return 'canary with no steps';
  return steps
    .map((step) => {
      if (typeof step.setWeight === 'number') return `setWeight ${step.setWeight}`;
      if ('pause' in step) {
        const duration = valueAt(step, ['pause', 'duration']);
        return duration === undefined ? 'pause' : `pause ${show(duration)}`;
      }
      return Object.keys(step).join('+');
    })
    .join(', ');
}
