import { Testing } from 'cdk8s';
import {
  CanaryRollout,
  type CanaryRolloutProps,
  canarySteps,
  firstCanaryWeight,
  firstStepAtWeight,
  timedPauses,
} from '../../lib/progressive-delivery/canary-rollout.js';

const labels = { 'app.kubernetes.io/name': 'demo' };

function synthRollout(props: Partial<CanaryRolloutProps> = {}) {
  const chart = Testing.chart();
  new CanaryRollout(chart, 'Rollout', {
    name: 'demo',
    selectorLabels: labels,
    template: { metadata: { labels }, spec: { containers: [{ name: 'demo', image: 'node:22-alpine' }] } },
    ...props,
  });
  return () => Testing.synth(chart);
}

describe('CanaryRollout', () => {
  test('defaults to 2 replicas and the pause-at-half canary', () => {
    const [rollout] = synthRollout()();
    expect(rollout.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(rollout.kind).toBe('Rollout');
    expect(rollout.spec.replicas).toBe(2);
    expect(rollout.spec.strategy.canary.steps).toEqual([{ setWeight: 50 }, { pause: {} }, { setWeight: 100 }]);
  });

  test('writes timed pauses as the controller reads them', () => {
    const [rollout] = synthRollout({
      steps: [{ setWeight: 20 }, { pause: { duration: '30s' } }, { setWeight: 60 }, { pause: { duration: 60 } }],
    })();
    expect(rollout.spec.strategy.canary.steps).toEqual([
      { setWeight: 20 },
      { pause: { duration: '30s' } },
      { setWeight: 60 },
      { pause: { duration: 60 } },
    ]);
  });

  test('accepts setWeight 0 and 100, the ends of the range', () => {
    expect(synthRollout({ steps: [{ setWeight: 0 }, { setWeight: 100 }] })).not.toThrow();
  });

  test('fails if setWeight is above 100', () => {
    expect(synthRollout({ steps: [{ setWeight: 150 }] })).toThrow(
      'Rollout demo: spec.strategy.canary.steps[0].setWeight is 150; expected a whole number from 0 to 100',
    );
  });

  test('fails if setWeight is negative or fractional', () => {
    expect(synthRollout({ steps: [{ setWeight: -5 }] })).toThrow('steps[0].setWeight is -5');
    expect(synthRollout({ steps: [{ setWeight: 12.5 }] })).toThrow('steps[0].setWeight is 12.5');
  });

  test('fails if a step sets two things at once', () => {
    const step = { setWeight: 50, pause: {} } as any;
    expect(synthRollout({ steps: [step] })).toThrow(
      'spec.strategy.canary.steps[0] sets setWeight and pause; a step sets exactly one of setWeight or pause',
    );
  });

  test('fails if a step sets nothing', () => {
    expect(synthRollout({ steps: [{} as any] })).toThrow('spec.strategy.canary.steps[0] sets nothing');
  });

  test('fails if a pause duration has no valid unit', () => {
    expect(synthRollout({ steps: [{ setWeight: 50 }, { pause: { duration: '5 minutes' } }] })).toThrow(
      'spec.strategy.canary.steps[1].pause.duration is "5 minutes"; expected seconds (30) or a number with unit s, m or h',
    );
  });

  test('fails if the selector does not match the template labels', () => {
    expect(
      synthRollout({
        template: {
          metadata: { labels: { 'app.kubernetes.io/name': 'other' } },
          spec: { containers: [{ name: 'demo', image: 'node:22-alpine' }] },
        },
      }),
    ).toThrow(
      'Rollout demo: spec.selector does not match spec.template.metadata.labels: selector needs app.kubernetes.io/name=demo, template has app.kubernetes.io/name=other',
    );
  });

  test('fails if the selector is empty', () => {
    expect(synthRollout({ selectorLabels: {} })).toThrow('spec.selector is empty');
  });

  test('fails if the template has no container', () => {
    expect(synthRollout({ template: { metadata: { labels }, spec: { containers: [] } } })).toThrow(
      'spec.template.spec.containers is empty',
    );
  });

  test('fails if a canary that pauses below 100% has fewer than 2 replicas, leaving no stable pod', () => {
    expect(synthRollout({ replicas: 1 })).toThrow(
      'Rollout demo: spec.replicas is 1; a canary that pauses below 100% needs at least 2 replicas',
    );
  });

  test('allows 1 replica when no pause holds the canary part-way', () => {
    expect(synthRollout({ replicas: 1, steps: [{ setWeight: 100 }] })).not.toThrow();
  });

  test('fails if replicas is negative', () => {
    expect(synthRollout({ replicas: -1, steps: [{ setWeight: 100 }] })).toThrow(
      'spec.replicas is -1; expected a whole number of at least 0',
    );
  });

  test('fails if background analysis starts past the last step', () => {
    expect(synthRollout({ analysis: { templateName: 'demo', startingStep: 3, canaryHashArg: 'canary-hash' } })).toThrow(
      'Rollout demo: spec.strategy.canary.analysis.startingStep is 3; expected the index of a step, from 0 to 2',
    );
  });
});

describe('canary steps', () => {
  test('the first step at 50% is the one after the weight is set', () => {
    expect(firstStepAtWeight([{ setWeight: 50 }, { pause: {} }, { setWeight: 100 }], 50)).toBe(1);
    expect(firstStepAtWeight([{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: {} }], 50)).toBe(3);
  });

  test('no step is at a weight the steps never reach', () => {
    expect(firstStepAtWeight([{ setWeight: 20 }, { pause: {} }], 50)).toBeUndefined();
  });

  test('timed pauses replace only the pauses that wait for an operator', () => {
    expect(timedPauses([{ setWeight: 20 }, { pause: { duration: '1m' } }, { setWeight: 50 }, { pause: {} }], '30m')).toEqual([
      { setWeight: 20 },
      { pause: { duration: '1m' } },
      { setWeight: 50 },
      { pause: { duration: '30m' } },
    ]);
  });
});

describe('canarySteps', () => {
  test('puts a pause that waits for an operator after each weight, then goes to 100%', () => {
    expect(canarySteps([10, 50])).toEqual([{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }, { pause: {} }, { setWeight: 100 }]);
  });

  test('the first canary weight is where the canary starts to take traffic', () => {
    expect(firstCanaryWeight(canarySteps([10, 50]))).toBe(10);
    expect(firstCanaryWeight([{ pause: {} }])).toBeUndefined();
  });
});

describe('CanaryRollout with a traffic router', () => {
  test('names the canary and stable Services and the weighted TraefikService', () => {
    const [rollout] = synthRollout({
      trafficRouting: { canaryService: 'demo-canary', stableService: 'demo-stable', traefikServiceName: 'demo' },
    })();
    expect(rollout.spec.strategy.canary).toMatchObject({
      canaryService: 'demo-canary',
      stableService: 'demo-stable',
      trafficRouting: { traefik: { weightedTraefikServiceName: 'demo' } },
    });
  });

  test('without one, the canary names no Services and no router', () => {
    const [rollout] = synthRollout()();
    expect(Object.keys(rollout.spec.strategy.canary)).toEqual(['steps']);
  });
});
