import { configMapsOf, envOf, podsByHash } from '../e2e/support/live-rollout.js';

const pod = (name: string, hash: string | undefined, ready: boolean, deleting = false) => ({
  metadata: {
    name,
    labels: (hash ? { 'rollouts-pod-template-hash': hash } : {}) as Record<string, string>,
    ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

describe('podsByHash', () => {
  test('counts pods by pod-template hash, and the Ready ones, leaving out pods being deleted and pods of no Rollout', () => {
    const counts = podsByHash([
      pod('a', 'stable1', true),
      pod('b', 'canary1', false),
      pod('c', 'stable1', true, true),
      pod('d', undefined, true),
      pod('e', 'canary1', true),
    ]);
    expect(Object.fromEntries(counts)).toEqual({ stable1: { total: 1, ready: 1 }, canary1: { total: 2, ready: 1 } });
  });
});

describe('envOf and configMapsOf', () => {
  const template = {
    spec: {
      containers: [{ command: ['node', '/app/server.js'], env: [{ name: 'MANDELBROT_RELEASE', value: 'faster-cycles' }] }],
      volumes: [{ name: 'source', configMap: { name: 'mandelbrot-source-abc' } }, { name: 'tmp' }],
    },
  };

  test('read the first container env and the mounted ConfigMaps of a pod template', () => {
    expect(envOf(template, 'MANDELBROT_RELEASE')).toBe('faster-cycles');
    expect(envOf(template, 'REGION')).toBeUndefined();
    expect(configMapsOf(template)).toEqual(['mandelbrot-source-abc']);
  });
});
