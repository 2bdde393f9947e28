import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../lib/core/config-error.js';
import { defaultPlatformSettings, loadPlatformSettings } from '../../lib/config/platform-settings.js';
import { mandelbrot } from '../../lib/workloads/mandelbrot/mandelbrot.js';
import { makeTempDir, PROJECT_ROOT } from '../support/synth-process.js';

describe('platform settings', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => (temp = makeTempDir('platform')));
  afterEach(() => temp.cleanup());

  const load = (content: string) => {
    const file = join(temp.path, 'platform.yaml');
    writeFileSync(file, content);
    return loadPlatformSettings(file, 'platform.yaml', [mandelbrot]);
  };

  test('the defaults are the dev environment, the trinity repository on main and chart 2.40.9', () => {
    expect(defaultPlatformSettings([mandelbrot])).toEqual({
      environment: 'dev',
      repository: { repoURL: 'https://github.com/maxgherman/trinity.git', revision: 'main', distPath: 'dist' },
      rolloutsChart: { repoURL: 'https://argoproj.github.io/argo-helm', version: '2.40.9' },
      workloads: { mandelbrot: { release: 'continuous', stageRoute: ['aws', 'gcp', 'azure'] } },
    });
  });

  test('platform.yaml states the defaults', () => {
    expect(loadPlatformSettings(join(PROJECT_ROOT, 'platform.yaml'), 'platform.yaml', [mandelbrot])).toEqual(
      defaultPlatformSettings([mandelbrot]),
    );
    expect(readFileSync(join(PROJECT_ROOT, 'platform.yaml'), 'utf8')).toContain('environment: dev');
  });

  test('a field left out takes its default', () => {
    expect(load('environment: staging\n')).toEqual({ ...defaultPlatformSettings([mandelbrot]), environment: 'staging' });
  });

  test('fails if a field is misspelled', () => {
    expect(() => load('enviroment: dev\n')).toThrow(
      new ConfigError(
        'platform.yaml: unknown field "enviroment"; expected only environment, repository, rolloutsChart, workloads and analysis',
      ),
    );
  });

  test('fails if the chart version is a range', () => {
    expect(() => load('rolloutsChart:\n  version: ^2.40.0\n')).toThrow(
      'platform.yaml: field "rolloutsChart.version": expected an exact chart version such as 2.40.9',
    );
  });

  test('fails if the repository is not https', () => {
    expect(() => load('repository:\n  repoURL: git@github.com:maxgherman/trinity.git\n')).toThrow(
      /platform\.yaml: field "repository\.repoURL": expected the https URL/,
    );
  });

  test('fails if the default release has a line break', () => {
    expect(() => load('workloads:\n  mandelbrot:\n    release: "two\\nlines"\n')).toThrow(
      'platform.yaml: field "workloads.mandelbrot.release": expected printable characters on one line',
    );
  });

  test('fails if the stage route names an unknown cloud', () => {
    expect(() => load('workloads:\n  mandelbrot:\n    stageRoute: [aws, oracle]\n')).toThrow(
      'platform.yaml: field "workloads.mandelbrot.stageRoute[1]": expected one of aws, gcp, azure',
    );
  });
});
