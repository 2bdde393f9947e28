import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyOverlays, makeTempDir, readTree, runSynth } from '../support/synth-process.js';

// Each bad overlay must stop `npm run synth` with one actionable line and leave dist/ as it was.
const cases: { name: string; file: string; content: string; expected: RegExp }[] = [
  { name: 'broken YAML', file: 'aws.yaml', content: 'cloud: aws\nregion: [us-east-1\n', expected: /overlays\/aws\.yaml: not valid YAML at line \d+, column \d+/ },
  { name: 'an empty file', file: 'aws.yaml', content: '\n', expected: /overlays\/aws\.yaml: the file is empty; expected cloud, region and image/ },
  { name: 'an unknown field', file: 'aws.yaml', content: 'cloud: aws\nregion: us-east-1\nimage: node:22-alpine\nreplica: 3\n', expected: /overlays\/aws\.yaml: unknown field "replica"; expected cloud, region and image, and optionally release, replicas/ },
  { name: 'a wrong type', file: 'aws.yaml', content: 'cloud: aws\nregion: us-east-1\nimage: node:22-alpine\nreplicas: three\n', expected: /overlays\/aws\.yaml: field "replicas": expected a whole number of at least 2/ },
  { name: 'an unknown cloud', file: 'aws.yaml', content: 'cloud: oracle\nregion: us-east-1\nimage: node:22-alpine\n', expected: /overlays\/aws\.yaml: field "cloud": expected one of aws, gcp, azure/ },
  { name: 'replicas below 2', file: 'aws.yaml', content: 'cloud: aws\nregion: us-east-1\nimage: node:22-alpine\nreplicas: 1\n', expected: /overlays\/aws\.yaml: field "replicas": expected at least 2: with fewer, a 50% canary has no stable pod/ },
  { name: 'an unpinned image', file: 'aws.yaml', content: 'cloud: aws\nregion: us-east-1\nimage: node\n', expected: /overlays\/aws\.yaml: field "image": expected a pinned image/ },
  { name: 'an image tagged latest', file: 'aws.yaml', content: 'cloud: aws\nregion: us-east-1\nimage: node:latest\n', expected: /overlays\/aws\.yaml: field "image": expected a pinned image/ },
  { name: 'an empty region', file: 'aws.yaml', content: 'cloud: aws\nregion: "  "\nimage: node:22-alpine\n', expected: /overlays\/aws\.yaml: field "region": expected a region such as us-east-1, got an empty string/ },
  { name: 'a missing field', file: 'aws.yaml', content: 'cloud: aws\nimage: node:22-alpine\n', expected: /overlays\/aws\.yaml: missing field "region"/ },
  { name: 'a file name that is not a cluster name', file: 'AWS_East.yaml', content: 'cloud: aws\nregion: us-east-1\nimage: node:22-alpine\n', expected: /overlays\/AWS_East\.yaml: the file name "AWS_East" is the cluster's name and must be a lower-case DNS label/ },
];

describe('npm run synth with a bad overlay', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let goodOutput: Map<string, string>;

  beforeAll(() => {
    temp = makeTempDir('bad-overlays');
    const result = runSynth(['--outdir', join(temp.path, 'dist'), '--overlays', copyOverlays(join(temp.path, 'good'))]);
    expect(result.stderr).toBe('');
    goodOutput = readTree(join(temp.path, 'dist'));
  });
  afterAll(() => temp.cleanup());

  test.each(cases)('fails if an overlay has $name', ({ name, file, content, expected }) => {
    const overlays = copyOverlays(join(temp.path, name.replace(/\W+/g, '-')));
    writeFileSync(join(overlays, file), content);
    // The message names the overlay relative to the folder given, as the user typed it.
    const result = runSynth(['--outdir', join(temp.path, 'dist'), '--overlays', overlays]);

    expect(result.status).toBe(1);
    const message = result.stderr.replaceAll(overlays, 'overlays');
    expect(message).toMatch(expected);
    expect(message.trim().split('\n')).toHaveLength(1);
    expect(message).not.toMatch(/^\s+at /m);
    expect(readTree(join(temp.path, 'dist'))).toEqual(goodOutput);
  });
});
