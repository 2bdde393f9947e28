import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ClusterOverlay, loadClusterOverlays } from '../../lib/config/cluster-overlay.js';
import { imageReferenceProblem } from '../../lib/core/fields.js';
import type { MandelbrotClusterSettings } from '../../lib/workloads/mandelbrot/settings.js';
import { FIXTURE_WORKLOADS } from '../support/fixture-project.js';
import { makeTempDir, writeFixtureOverlays } from '../support/synth-process.js';

/** The Mandelbrot settings of one overlay. */
const mandelbrotOf = (overlay: ClusterOverlay | undefined) => {
  if (!overlay) throw new Error('no overlay was loaded');
  return overlay.workloads.mandelbrot as MandelbrotClusterSettings;
};

describe('cluster overlays', () => {
  test('reads one cluster per file, sorted by name, each reached through its own context', () => {
    const temp = makeTempDir('overlays');
    try {
      const overlays = loadClusterOverlays(writeFixtureOverlays(temp.path), 'overlays', FIXTURE_WORKLOADS);
      expect(overlays.map(({ name, cloud, region, context }) => ({ name, cloud, region, context }))).toEqual([
        { name: 'aws', cloud: 'aws', region: 'us-east-1', context: 'aws' },
        { name: 'azure', cloud: 'azure', region: 'eastus', context: 'azure' },
        { name: 'gcp', cloud: 'gcp', region: 'us-central1', context: 'gcp' },
      ]);
    } finally {
      temp.cleanup();
    }
  });

  test('sorts clusters by name, not file name: aws before aws-west, whose file sorts first', () => {
    const temp = makeTempDir('overlays');
    try {
      const folder = writeFixtureOverlays(temp.path);
      writeFileSync(
        join(folder, 'aws-west.yaml'),
        'cloud: aws\nregion: us-west-2\ncontext: eks-west\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n',
      );
      expect(loadClusterOverlays(folder, 'overlays', FIXTURE_WORKLOADS).map((overlay) => overlay.name)).toEqual([
        'aws',
        'aws-west',
        'azure',
        'gcp',
      ]);
    } finally {
      temp.cleanup();
    }
  });

  test('optional fields are read as given', () => {
    const temp = makeTempDir('overlay');
    try {
      const folder = join(temp.path, 'overlays');
      mkdirSync(folder);
      writeFileSync(
        join(folder, 'aws-west.yaml'),
        'cloud: aws\nregion: us-west-2\ncontext: arn:aws:eks:us-west-2:1:cluster/west\nworkloads:\n  mandelbrot:\n    image: node@sha256:' +
          'a'.repeat(64) +
          '\n    release: faster-cycles\n    replicas: 4\n    imagePullSecrets: [registry]\n',
      );
      const [overlay] = loadClusterOverlays(folder, 'overlays', FIXTURE_WORKLOADS);
      expect(overlay).toMatchObject({
        name: 'aws-west',
        context: 'arn:aws:eks:us-west-2:1:cluster/west',
        workloads: { mandelbrot: { release: 'faster-cycles', replicas: 4, imagePullSecrets: ['registry'] } },
      });
    } finally {
      temp.cleanup();
    }
  });

  test('stageTokenSecret names a Secret', () => {
    const temp = makeTempDir('stage-token');
    try {
      const load = (value: string) => {
        writeFileSync(
          join(temp.path, 'aws.yaml'),
          `cloud: aws\nregion: us-east-1\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n    stageTokenSecret: ${value}\n`,
        );
        return loadClusterOverlays(temp.path, 'overlays', FIXTURE_WORKLOADS)[0];
      };
      expect(mandelbrotOf(load('mandelbrot-stage-token')).stageTokenSecret).toBe('mandelbrot-stage-token');
      expect(() => load('Not_A_Name')).toThrow(
        'overlays/aws.yaml: field "workloads.mandelbrot.stageTokenSecret": expected a Secret name (a lower-case DNS label)',
      );
    } finally {
      temp.cleanup();
    }
  });

  describe('stageURLs', () => {
    let temp: ReturnType<typeof makeTempDir>;
    beforeEach(() => (temp = makeTempDir('stage-urls')));
    afterEach(() => temp.cleanup());
    const load = (stageURLs: string) => {
      writeFileSync(
        join(temp.path, 'aws.yaml'),
        `cloud: aws\nregion: us-east-1\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n    stageURLs:\n${stageURLs.replace(/^/gm, '    ')}`,
      );
      return loadClusterOverlays(temp.path, 'overlays', FIXTURE_WORKLOADS)[0];
    };

    test('maps clouds to base URLs, without a trailing slash', () => {
      expect(mandelbrotOf(load('  gcp: https://mandelbrot.gcp.example.com/\n  azure: http://10.0.0.7:8080\n')).stageURLs).toEqual({
        gcp: 'https://mandelbrot.gcp.example.com',
        azure: 'http://10.0.0.7:8080',
      });
    });

    test('fails if a key is not a cloud', () => {
      expect(() => load('  oracle: https://example.com\n')).toThrow(
        'overlays/aws.yaml: field "workloads.mandelbrot.stageURLs.oracle": expected a cloud (aws, gcp, azure) as the key',
      );
    });

    test('fails if a URL has a query', () => {
      expect(() => load('  gcp: https://example.com/?x=1\n')).toThrow(
        'overlays/aws.yaml: field "workloads.mandelbrot.stageURLs.gcp": expected an http:// or https:// base URL without query or fragment',
      );
    });
  });

  test.each([
    ['node:22-alpine', true],
    ['registry.example.com:5000/team/node:22.11.0', true],
    ['localhost:5000/node:22', true],
    ['node@sha256:' + 'f'.repeat(64), true],
    ['node:22@sha256:' + 'f'.repeat(64), true],
    ['node', false],
    ['node:latest', false],
    ['registry.example.com:5000/team/node', false],
    ['node@sha256:abc', false],
    ['NODE:22', false],
    [':22', false],
    ['node@sha256:' + 'F'.repeat(64), false],
    ['node@md5:' + 'f'.repeat(32), false],
    ['node:22 ', false],
    ['node::22', false],
    ['team//node:22', false],
    ['node:' + 'x'.repeat(129), false],
  ])('%s is a pinned image reference: %s', (image, pinned) => {
    expect(imageReferenceProblem(image) === undefined).toBe(pinned);
  });

  test('fails if the folder has no overlays', () => {
    const temp = makeTempDir('no-overlays');
    try {
      expect(() => loadClusterOverlays(temp.path, 'overlays', FIXTURE_WORKLOADS)).toThrow(
        'overlays: no cluster overlays found; add one <cluster>.yaml file per cluster',
      );
    } finally {
      temp.cleanup();
    }
  });

  test('fails if two files define the same cluster', () => {
    const temp = makeTempDir('twice');
    try {
      for (const file of ['aws.yaml', 'aws.yml'])
        writeFileSync(join(temp.path, file), 'cloud: aws\nregion: us-east-1\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n');
      expect(() => loadClusterOverlays(temp.path, 'overlays', FIXTURE_WORKLOADS)).toThrow(
        'overlays/aws.yml: cluster "aws" is also defined by overlays/aws.yaml; keep one file per cluster',
      );
    } finally {
      temp.cleanup();
    }
  });
});
