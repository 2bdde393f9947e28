import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../lib/core/config-error.js';
import { defaultPlatformSettings, loadPlatformSettings } from '../../lib/config/platform-settings.js';
import { FIXTURE_REPO_URL, FIXTURE_WORKLOADS } from '../support/fixture-project.js';
import { makeTempDir } from '../support/synth-process.js';

describe('platform settings', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => (temp = makeTempDir('platform')));
  afterEach(() => temp.cleanup());

  const load = (content: string) => {
    const file = join(temp.path, 'platform.yaml');
    writeFileSync(file, content);
    return loadPlatformSettings(file, 'platform.yaml', FIXTURE_WORKLOADS);
  };

  const REPOSITORY = `repository:\n  repoURL: ${FIXTURE_REPO_URL}\n`;

  test('the defaults are the dev environment, main of the stated repository, charts 2.40.9 and 39.0.7, and a 50% canary', () => {
    expect(defaultPlatformSettings(FIXTURE_REPO_URL, FIXTURE_WORKLOADS)).toEqual({
      environment: 'dev',
      repository: { repoURL: FIXTURE_REPO_URL, revision: 'main', distPath: 'dist' },
      rolloutsChart: { repoURL: 'https://argoproj.github.io/argo-helm', version: '2.40.9' },
      traefikChart: { repoURL: 'https://traefik.github.io/charts', version: '39.0.7' },
      workloads: { mandelbrot: { release: 'continuous', stageRoute: ['aws', 'gcp', 'azure'], canaryWeights: [50] } },
    });
  });

  test('a field left out takes its default', () => {
    expect(load(`environment: staging\n${REPOSITORY}`)).toEqual({
      ...defaultPlatformSettings(FIXTURE_REPO_URL, FIXTURE_WORKLOADS),
      environment: 'staging',
    });
  });

  test('fails if the repository is not stated, in one line: there is no default to pull from', () => {
    expect(() => load('environment: dev\n')).toThrow(
      new ConfigError('platform.yaml: missing field "repository.repoURL"; expected repoURL, and optionally revision and distPath'),
    );
  });

  test.each(['https://github.com/example/gitops.git', 'ssh://git@github.com/example/gitops.git', 'git@github.com:example/gitops.git'])(
    'accepts the repository %s, as Argo CD does',
    (repoURL) => {
      expect(load(`repository:\n  repoURL: ${repoURL}\n`).repository).toMatchObject({ repoURL });
    },
  );

  test('fails if a field is misspelled', () => {
    expect(() => load(`enviroment: dev\n${REPOSITORY}`)).toThrow(
      new ConfigError(
        'platform.yaml: unknown field "enviroment"; expected only environment, repository, rolloutsChart, traefikChart, workloads, analysis, releaseTrain and trafficRouting',
      ),
    );
  });

  test('fails if the chart version is a range', () => {
    expect(() => load(`${REPOSITORY}rolloutsChart:\n  version: ^2.40.0\n`)).toThrow(
      'platform.yaml: field "rolloutsChart.version": expected an exact chart version such as 2.40.9',
    );
  });

  test.each([
    [
      'is not a Git URL',
      'ftp://example.com/gitops.git',
      /field "repository\.repoURL": expected the URL of the Git repository Argo CD pulls: https/,
    ],
    [
      'holds a password',
      'https://user:token@github.com/example/gitops.git',
      /field "repository\.repoURL": expected a URL without user or password/,
    ],
  ])('fails if the repository URL %s', (_name, repoURL, expected) => {
    expect(() => load(`repository:\n  repoURL: ${repoURL}\n`)).toThrow(expected);
  });

  test('fails if the default release has a line break', () => {
    expect(() => load(`${REPOSITORY}workloads:\n  mandelbrot:\n    release: "two\\nlines"\n`)).toThrow(
      'platform.yaml: field "workloads.mandelbrot.release": expected printable characters on one line',
    );
  });

  test('fails if the stage route names an unknown cloud', () => {
    expect(() => load(`${REPOSITORY}workloads:\n  mandelbrot:\n    stageRoute: [aws, oracle]\n`)).toThrow(
      'platform.yaml: field "workloads.mandelbrot.stageRoute[1]": expected one of aws, gcp, azure',
    );
  });
});
