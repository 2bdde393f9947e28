import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYamlObject } from '../support/yaml.js';
import { runCaptured } from '../../lib/cli/command-io.js';
import { releaseCommand } from '../../lib/operator/release-command.js';
import { synthCommand } from '../../main.js';
import { journal } from '../fixtures/journal/journal-workload.js';
import { releaseSynthInProcess } from '../support/fixture-project.js';
import { makeTempDir, PROJECT_ROOT } from '../support/synth-process.js';

// Registered as its registry line would: the workload alone, with nothing else wired for it.
const synth = synthCommand(PROJECT_ROOT, [journal]);

describe('a workload that mounts its own files and has a release marker', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    temp = makeTempDir('journal');
    writeFileSync(join(temp.path, 'platform.yaml'), 'repository:\n  repoURL: https://example.com/platform.git\n');
    mkdirSync(join(temp.path, 'overlays'));
    writeFileSync(join(temp.path, 'overlays/aws.yaml'), 'cloud: aws\nregion: us-east-1\n');
    cpSync(join(PROJECT_ROOT, journal.filesFolder!), join(temp.path, journal.filesFolder!), { recursive: true });
  });
  afterEach(() => temp.cleanup());

  const read = (path: string) => parseYamlObject(readFileSync(join(temp.path, 'dist', path), 'utf8'));
  const edition = () =>
    read('aws/journal/deployment-journal.yaml').spec.template.spec.containers[0].env.find(
      (variable: { name: string }) => variable.name === 'JOURNAL_EDITION',
    ).value;

  test('synth mounts the files of its filesFolder', async () => {
    const result = await runCaptured(synth, [], { cwd: temp.path, env: {} });
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    expect(read('aws/journal/configmap-journal-pages.yaml').data).toEqual({
      'index.html': readFileSync(join(PROJECT_ROOT, journal.filesFolder!, 'index.html'), 'utf8'),
    });
    expect(edition()).toBe('first');
  });

  test('npm run release sets its releaseField and re-synthesizes', async () => {
    expect((await runCaptured(synth, [], { cwd: temp.path, env: {} })).exitCode).toBe(0);
    const result = await runCaptured(releaseCommand, ['second'], {
      cwd: temp.path,
      env: {},
      run: releaseSynthInProcess([journal]),
      workloads: [journal],
    });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('journal release (first, the platform default) → "second" (platform.yaml, workloads.journal.edition)');
    expect(readFileSync(join(temp.path, 'platform.yaml'), 'utf8')).toContain('workloads:\n  journal:\n    edition: second\n');
    expect(edition()).toBe('second');
  });

  test('fails if its files folder is missing, naming it', async () => {
    const result = await runCaptured(synth, ['--files', 'journal=missing'], { cwd: temp.path, env: {} });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^error: .*missing/);
  });
});
