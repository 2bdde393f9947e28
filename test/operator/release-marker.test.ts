import { ConfigError } from '../../lib/core/config-error.js';
import { releasePath, rolloutChanges, setReleaseField } from '../../lib/operator/release-marker.js';

const platform = { file: 'platform.yaml', path: releasePath({ name: 'mandelbrot', releaseField: 'release' }) };
const overlay = { file: 'overlays/aws.yaml', path: releasePath({ name: 'mandelbrot', releaseField: 'release' }) };

describe('setReleaseField', () => {
  test('changes the value only: comments, order and flow lists stay', () => {
    const text =
      '# top\nworkloads:\n  mandelbrot:\n    # the marker\n    release: continuous # inline\n    stageRoute: [aws, gcp]\nenvironment: dev\n';
    expect(setReleaseField(text, platform, 'faster-cycles')).toEqual({
      text: '# top\nworkloads:\n  mandelbrot:\n    # the marker\n    release: faster-cycles # inline\n    stageRoute: [aws, gcp]\nenvironment: dev\n',
      previous: 'continuous',
    });
  });

  test('adds the field when it is not there yet', () => {
    expect(setReleaseField('# EKS\ncloud: aws\n', overlay, 'west')).toEqual({
      text: '# EKS\ncloud: aws\nworkloads:\n  mandelbrot:\n    release: west\n',
      previous: undefined,
    });
    expect(setReleaseField('environment: dev\n', platform, 'x').text).toBe('environment: dev\nworkloads:\n  mandelbrot:\n    release: x\n');
  });

  test.each([
    ['123', '"123"'],
    ['true', '"true"'],
    ['a: b', '"a: b"'],
    ['#hash', '"#hash"'],
  ])('quotes %s so it reads back as a string', (release, written) => {
    expect(setReleaseField('workloads:\n  mandelbrot:\n    release: old\n', overlay, release).text).toBe(
      `workloads:\n  mandelbrot:\n    release: ${written}\n`,
    );
  });

  test('fails if the file is not a YAML mapping', () => {
    expect(() => setReleaseField('- a\n', overlay, 'x')).toThrow(new ConfigError('overlays/aws.yaml: expected a mapping'));
    expect(() => setReleaseField('a: [\n', overlay, 'x')).toThrow(/^overlays\/aws\.yaml: not valid YAML/);
  });
});

describe('rolloutChanges', () => {
  const rollout = (release: string) =>
    [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: Rollout',
      'metadata: {name: mandelbrot, namespace: mandelbrot}',
      'spec:',
      '  replicas: 2',
      '  strategy: {canary: {steps: [{setWeight: 50}, {pause: {}}, {setWeight: 100}]}}',
      `  template: {spec: {containers: [{name: m, image: node:22-alpine, env: [{name: MANDELBROT_RELEASE, value: ${release}}]}]}}`,
      '',
    ].join('\n');

  test('a changed pod template starts a canary; a new Rollout does not; an unchanged one is not listed', () => {
    const before = new Map([
      ['aws/mandelbrot/rollout-mandelbrot.yaml', rollout('one')],
      ['gcp/mandelbrot/rollout-mandelbrot.yaml', rollout('one')],
    ]);
    const after = new Map([
      ['aws/mandelbrot/rollout-mandelbrot.yaml', rollout('two')],
      ['gcp/mandelbrot/rollout-mandelbrot.yaml', rollout('one')],
      ['new/mandelbrot/rollout-mandelbrot.yaml', rollout('two')],
    ]);
    expect(rolloutChanges(before, after).map(({ cluster, kind }) => [cluster, kind])).toEqual([
      ['aws', 'canary-started'],
      ['new', 'rollout-created'],
    ]);
  });
});
