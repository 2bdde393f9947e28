import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProjectCopy } from '../check/project-copy.js';
import { readTree } from '../support/synth-process.js';
import { plainEnv } from '../support/run-command.js';

// The CLI deletes its output folder before it runs the app; synth must still replace dist/ as
// `npm run synth` does, with the ConfigMaps and generations it keeps, and leave it on a failure.
describe('cdk8s synth', () => {
  let project: ProjectCopy;
  const cdk8sSynth = () => {
    const env = plainEnv();
    return spawnSync(join(project.root, 'node_modules', '.bin', 'cdk8s'), ['synth', '--check-upgrade', 'false'], {
      cwd: project.root,
      encoding: 'utf8',
      env,
    });
  };
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], { cwd: project.root, encoding: 'utf8' });

  beforeAll(async () => {
    project = ProjectCopy.fixture();
    await project.synth();
    // A source change gives dist/ one more ConfigMap version to keep, with its own generation.
    appendFileSync(join(project.root, 'services', 'mandelbrot', 'server.js'), '// a source change\n');
    await project.synth();
    git('init', '--quiet');
    git('add', '--all');
    git('commit', '--quiet', '--message', 'committed tree');
  });
  afterAll(() => project.cleanup());

  test('writes dist/ byte for byte as `npm run synth` does, keeping earlier ConfigMaps and their generations', () => {
    const synthesized = readTree(join(project.root, 'dist'));
    const sourceConfigMaps = [...synthesized.keys()].filter((path) => path.startsWith('aws/mandelbrot/configmap-mandelbrot-source-'));
    expect(sourceConfigMaps.length).toBeGreaterThan(1);

    const cli = cdk8sSynth();
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect(readTree(join(project.root, 'dist'))).toEqual(synthesized);
    expect(git('status', '--porcelain')).toBe('');
  });

  test('fails if an overlay is bad, leaving dist/ as it was', () => {
    const before = readTree(join(project.root, 'dist'));
    writeFileSync(
      join(project.root, 'overlays', 'aws.yaml'),
      'cloud: oracle\nregion: us-east-1\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n',
    );
    const cli = cdk8sSynth();
    expect(cli.status).not.toBe(0);
    expect(cli.stderr.split('\n')[0]).toBe('error: overlays/aws.yaml: field "cloud": expected one of aws, gcp, azure');
    expect(readTree(join(project.root, 'dist'))).toEqual(before);
  });
});
