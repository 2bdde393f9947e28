import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../lib/core/config-error.js';
import { MAX_APPLICATION_NAME_LENGTH, loadProjectConfig } from '../../lib/config/project-config.js';
import { FIXTURE_WORKLOADS, withRepository, writeFixtureOverlays } from '../support/fixture-project.js';
import { makeTempDir } from '../support/synth-process.js';
import { ALIAS_BOMB } from '../support/hostile-yaml.js';

const GOOD = 'cloud: aws\nregion: us-east-1\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n';

describe('loadProjectConfig', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let overlays: string;
  let platformFile: string;
  beforeEach(() => {
    temp = makeTempDir('project-config');
    overlays = writeFixtureOverlays(temp.path);
    platformFile = join(temp.path, 'platform.yaml');
    writeFileSync(platformFile, withRepository('environment: dev\n'));
  });
  afterEach(() => temp.cleanup());

  /** Every problem line loadProjectConfig reports, with the temporary folder written as the project's. */
  const problemsOf = (): string[] => {
    try {
      loadProjectConfig({
        platformFile,
        overlaysDirectory: overlays,
        display: { platformFile: 'platform.yaml', overlaysDirectory: 'overlays' },
        workloads: FIXTURE_WORKLOADS,
      });
    } catch (error) {
      if (error instanceof ConfigError) return [...error.problems];
      throw error;
    }
    return [];
  };
  const overlay = (file: string, content: string) => writeFileSync(join(overlays, file), content);

  test('reads one cluster per overlay, sorted by name', () => {
    const { clusters } = loadProjectConfig({ platformFile, overlaysDirectory: overlays, workloads: FIXTURE_WORKLOADS });
    expect(clusters.map((cluster) => cluster.name)).toEqual(['aws', 'azure', 'gcp']);
  });

  // Each overlay replaces aws.yaml; the message is the one line reported for it.
  test.each([
    ['broken YAML', 'cloud: aws\nregion: [us-east-1\n', /^overlays\/aws\.yaml: not valid YAML at line \d+, column \d+: /],
    [
      'an empty file',
      '\n',
      /^overlays\/aws\.yaml: the file is empty; expected cloud and region, and optionally context, analysis, trafficRouting and workloads$/,
    ],
    [
      'an unknown field',
      `${GOOD}    replica: 3\n`,
      /^overlays\/aws\.yaml: unknown field "workloads\.mandelbrot\.replica"; expected image, and optionally release, canaryWeights, replicas/,
    ],
    [
      'an unknown workload',
      `${GOOD}  notes:\n    image: node:22-alpine\n`,
      /^overlays\/aws\.yaml: unknown workload "notes" in field "workloads"; expected mandelbrot$/,
    ],
    [
      'a workload without its required field',
      'cloud: aws\nregion: us-east-1\n',
      /^overlays\/aws\.yaml: missing field "workloads\.mandelbrot\.image"/,
    ],
    [
      'a wrong type',
      `${GOOD}    replicas: three\n`,
      /^overlays\/aws\.yaml: field "workloads.mandelbrot.replicas": expected a whole number from 2 to 100$/,
    ],
    [
      'an unknown cloud',
      'cloud: oracle\nregion: us-east-1\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n',
      /^overlays\/aws\.yaml: field "cloud": expected one of aws, gcp, azure$/,
    ],
    [
      'replicas below 2',
      `${GOOD}    replicas: 1\n`,
      /^overlays\/aws\.yaml: field "workloads.mandelbrot.replicas": expected at least 2: with fewer, a 50% canary has no stable pod/,
    ],
    [
      'replicas beyond the ceiling',
      `${GOOD}    replicas: 2147483648\n`,
      /^overlays\/aws\.yaml: field "workloads.mandelbrot.replicas": expected at most 100$/,
    ],
    [
      'an unpinned image',
      'cloud: aws\nregion: us-east-1\nworkloads:\n  mandelbrot:\n    image: node\n',
      /^overlays\/aws\.yaml: field "workloads.mandelbrot.image": expected a pinned image/,
    ],
    [
      'an image tagged latest',
      'cloud: aws\nregion: us-east-1\nworkloads:\n  mandelbrot:\n    image: node:latest\n',
      /^overlays\/aws\.yaml: field "workloads.mandelbrot.image": expected a pinned image/,
    ],
    [
      'an upper-case image name',
      'cloud: aws\nregion: us-east-1\nworkloads:\n  mandelbrot:\n    image: NODE:22\n',
      /^overlays\/aws\.yaml: field "workloads.mandelbrot.image": expected an image reference/,
    ],
    [
      'an image with no name',
      'cloud: aws\nregion: us-east-1\nworkloads:\n  mandelbrot:\n    image: ":22"\n',
      /^overlays\/aws\.yaml: field "workloads.mandelbrot.image": expected an image reference/,
    ],
    [
      'an upper-case digest',
      `cloud: aws\nregion: us-east-1\nworkloads:\n  mandelbrot:\n    image: node@sha256:${'A'.repeat(64)}\n`,
      /^overlays\/aws\.yaml: field "workloads.mandelbrot.image": expected a sha256 digest of 64 lower-case hex digits/,
    ],
    [
      'an empty region',
      'cloud: aws\nregion: "  "\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n',
      /^overlays\/aws\.yaml: field "region": expected a region such as us-east-1/,
    ],
    [
      'a region with an Actions expression',
      'cloud: aws\nregion: "${{ secrets.TOKEN }}"\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n',
      /^overlays\/aws\.yaml: field "region": expected a region such as us-east-1: lower-case letters, digits and hyphens$/,
    ],
    [
      'a context with a line break',
      `${GOOD}context: "eks\\nrun: curl evil"\n`,
      /^overlays\/aws\.yaml: field "context": expected a kube context name: letters, digits and/,
    ],
    [
      'a context with an Actions expression',
      `${GOOD}context: "\${{ github.token }}"\n`,
      /^overlays\/aws\.yaml: field "context": expected a kube context name/,
    ],
    [
      'a stage URL with a password',
      `${GOOD}    stageURLs:\n      gcp: https://user:secret@mandelbrot.gcp.example.com\n`,
      /^overlays\/aws\.yaml: field "workloads.mandelbrot.stageURLs\.gcp": expected a base URL without user or password$/,
    ],
    [
      'a stage URL for its own cloud',
      `${GOOD}    stageURLs:\n      aws: https://mandelbrot.aws.example.com\n`,
      /^overlays\/aws\.yaml: field "workloads.mandelbrot.stageURLs\.aws": the cluster's own cloud/,
    ],
    [
      'a missing field',
      'cloud: aws\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n',
      /^overlays\/aws\.yaml: missing field "region"/,
    ],
    [
      'a key given twice',
      `${GOOD}    image: node:20-alpine\n`,
      /^overlays\/aws\.yaml: not valid YAML at line 6, column 5: the key "image" appears twice in one mapping$/,
    ],
    ['an alias bomb', ALIAS_BOMB, /^overlays\/aws\.yaml: aliases repeat nodes more than 100 times/],
    ['more than 64 KiB', `${GOOD}#${'x'.repeat(70_000)}\n`, /^overlays\/aws\.yaml: the file is 68\.\d KiB, more than the 64 KiB accepted$/],
  ])('fails if an overlay has %s', (_name, content, expected) => {
    overlay('aws.yaml', content);
    const problems = problemsOf();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  test.each([
    [
      'a distPath outside the repository',
      'repository:\n  distPath: ../../etc\n',
      /^platform\.yaml: field "repository\.distPath": expected a relative path inside the repository/,
    ],
    [
      'an absolute distPath',
      'repository:\n  distPath: /dist/\n',
      /^platform\.yaml: field "repository\.distPath": expected a relative path/,
    ],
    [
      'a revision with a space',
      'repository:\n  revision: "main branch"\n',
      /^platform\.yaml: field "repository\.revision": expected a branch, tag or commit/,
    ],
    [
      'a stage route that repeats a cloud',
      'workloads:\n  mandelbrot:\n    stageRoute: [aws, gcp, aws]\n',
      /^platform\.yaml: field "workloads\.mandelbrot\.stageRoute": expected each cloud at most once/,
    ],
    [
      'an unknown workload',
      'workloads:\n  notes: {}\n',
      /^platform\.yaml: unknown workload "notes" in field "workloads"; expected mandelbrot$/,
    ],
    [
      'an unknown nested field, listing its own siblings',
      'repository:\n  revison: main\n',
      /^platform\.yaml: unknown field "repository\.revison"; expected repoURL, and optionally revision and distPath$/,
    ],
  ])('fails if platform.yaml has %s', (_name, content, expected) => {
    writeFileSync(platformFile, withRepository(content));
    const problems = problemsOf();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  test('fails if a stage route cloud has no cluster, naming the item', () => {
    writeFileSync(platformFile, withRepository('workloads:\n  mandelbrot:\n    stageRoute: [aws, gcp, azure]\n'));
    execFileSync('rm', [join(overlays, 'azure.yaml')]);
    expect(problemsOf()).toEqual([
      'platform.yaml: field "workloads.mandelbrot.stageRoute[2]": no cluster runs on azure; expected clouds that overlays name (aws, gcp)',
    ]);
  });

  test('fails if two clusters share a kube context', () => {
    overlay('gcp.yaml', 'cloud: gcp\nregion: us-central1\ncontext: aws\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n');
    expect(problemsOf()).toEqual([
      'overlays/gcp.yaml: field "context": "aws" is also the kube context of overlays/aws.yaml; each cluster needs its own, or operations on one cluster would reach the other',
    ]);
  });

  test('fails if an Application name would be longer than Argo CD allows', () => {
    const environment = 'e'.repeat(MAX_APPLICATION_NAME_LENGTH - 'trinity--aws-root'.length + 1);
    writeFileSync(platformFile, withRepository(`environment: ${environment}\nworkloads:\n  mandelbrot:\n    stageRoute: [aws]\n`));
    for (const file of ['azure.yaml', 'gcp.yaml']) execFileSync('rm', [join(overlays, file)]);
    expect(problemsOf()).toEqual([
      `overlays/aws.yaml: the Application name "trinity-${environment}-aws-root" is 64 characters, more than Argo CD's 63; shorten the cluster's name (the file name) or the environment in platform.yaml`,
    ]);
  });

  test('fails if an overlay is a folder or a FIFO, without opening it', () => {
    mkdirSync(join(overlays, 'folder.yaml'));
    execFileSync('mkfifo', [join(overlays, 'pipe.yaml')]);
    expect(problemsOf()).toEqual([
      'overlays/folder.yaml: is a folder; expected a YAML file',
      'overlays/pipe.yaml: is a FIFO; expected a YAML file',
    ]);
  });

  test('fails with every problem of every file at once, one line each', () => {
    overlay('aws.yaml', 'cloud: aws\nregion: us-east-1\nworkloads:\n  mandelbrot:\n    image: node\n    replicas: 0\n');
    overlay(
      'gcp.yaml',
      'cloud: gcp\nregion: US Central\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n    stageURLs:\n      aws: ftp://x\n',
    );
    writeFileSync(platformFile, withRepository('environment: Dev\n'));
    expect(problemsOf()).toEqual([
      'platform.yaml: field "environment": expected a lower-case DNS label, such as "dev"',
      'overlays/aws.yaml: field "workloads.mandelbrot.image": expected a pinned image: a tag other than "latest" (node:22-alpine) or a digest (node@sha256:...)',
      'overlays/aws.yaml: field "workloads.mandelbrot.replicas": expected at least 2: with fewer, a 50% canary has no stable pod beside it',
      'overlays/gcp.yaml: field "region": expected a region such as us-east-1: lower-case letters, digits and hyphens',
      'overlays/gcp.yaml: field "workloads.mandelbrot.stageURLs.aws": expected an http:// or https:// base URL without query or fragment',
    ]);
  });

  test('fails if a file name is not a cluster name', () => {
    overlay('AWS_East.yaml', GOOD);
    expect(problemsOf()).toEqual([
      'overlays/AWS_East.yaml: the file name "AWS_East" is the cluster\'s name and must be a lower-case DNS label of at most 40 characters (a-z, 0-9, -)',
    ]);
  });

  test('fails if a cluster takes a name synth writes beside the clusters, such as bootstrap', () => {
    overlay('bootstrap.yaml', GOOD);
    expect(problemsOf()).toEqual([
      'overlays/bootstrap.yaml: the file name "bootstrap" is the cluster\'s name, a folder synth already writes (bootstrap/ holds every cluster\'s root Application); rename the file',
    ]);
  });

  describe('analysis', () => {
    const PROMETHEUS = 'analysis:\n  prometheus: http://prometheus.monitoring:9090\n';
    const load = () => loadProjectConfig({ platformFile, overlaysDirectory: overlays, workloads: FIXTURE_WORKLOADS });
    const analysisOf = (cluster: string) => load().clusters.find((item) => item.name === cluster)!.canaryAnalysis;

    test('is off without analysis in either file', () => {
      expect(load().clusters.map((cluster) => cluster.canaryAnalysis)).toEqual([undefined, undefined, undefined]);
    });

    test('platform.yaml turns it on for every cluster, with the defaults', () => {
      writeFileSync(platformFile, withRepository(PROMETHEUS));
      expect(analysisOf('gcp')).toEqual({
        prometheus: 'http://prometheus.monitoring:9090',
        successRate: 0.99,
        interval: '1m',
        failureLimit: 2,
      });
    });

    test("an overlay's fields replace the platform's one by one, and enabled: false turns it off for that cluster", () => {
      writeFileSync(platformFile, withRepository(`${PROMETHEUS}  successRate: 0.95\n  interval: 2m\n`));
      overlay('aws.yaml', `${GOOD}analysis:\n  successRate: 0.999\n  failureLimit: 0\n  autoPromoteAfter: 30m\n`);
      overlay(
        'azure.yaml',
        'cloud: azure\nregion: eastus\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\nanalysis:\n  enabled: false\n',
      );
      expect(analysisOf('aws')).toEqual({
        prometheus: 'http://prometheus.monitoring:9090',
        successRate: 0.999,
        interval: '2m',
        failureLimit: 0,
        autoPromoteAfter: '30m',
      });
      expect(analysisOf('azure')).toBeUndefined();
      expect(analysisOf('gcp')).toMatchObject({ successRate: 0.95, interval: '2m' });
    });

    test('prometheusOperator in an overlay asks for a PodMonitor in that cluster', () => {
      writeFileSync(platformFile, withRepository(PROMETHEUS));
      overlay('aws.yaml', `${GOOD}analysis:\n  prometheusOperator: true\n`);
      expect(analysisOf('aws')).toMatchObject({ podMonitor: true });
      expect(analysisOf('gcp')).not.toHaveProperty('podMonitor');
    });

    test('an overlay alone turns it on for its cluster only', () => {
      overlay('aws.yaml', `${GOOD}${PROMETHEUS}`);
      expect(load().clusters.map((cluster) => cluster.canaryAnalysis !== undefined)).toEqual([true, false, false]);
    });

    test('fails if a cluster with analysis on has no Prometheus address anywhere', () => {
      overlay('aws.yaml', `${GOOD}analysis:\n  successRate: 0.95\n`);
      expect(problemsOf()).toEqual([
        'overlays/aws.yaml: missing field "analysis.prometheus"; expected the Prometheus base URL here or in platform.yaml, or analysis.enabled: false',
      ]);
    });

    test.each([
      ['a threshold above 1', '  successRate: 1.5\n', /^platform\.yaml: field "analysis\.successRate": expected a share of at most 1/],
      ['a threshold of 0', '  successRate: 0\n', /^platform\.yaml: field "analysis\.successRate": expected a share above 0/],
      [
        'an interval without unit',
        '  interval: 60\n',
        /^platform\.yaml: field "analysis\.interval": expected an interval such as 30s, 1m or 2h \(a string\)$/,
      ],
      [
        'an interval in days',
        '  interval: 1d\n',
        /^platform\.yaml: field "analysis\.interval": expected an interval: a whole number with unit s, m or h/,
      ],
      [
        'a fractional failure limit',
        '  failureLimit: 1.5\n',
        /^platform\.yaml: field "analysis\.failureLimit": expected a whole number of failed measurements from 0 to 100$/,
      ],
      ['a negative failure limit', '  failureLimit: -1\n', /^platform\.yaml: field "analysis\.failureLimit": expected at least 0$/],
      [
        'an autoPromoteAfter without unit',
        '  autoPromoteAfter: soon\n',
        /^platform\.yaml: field "analysis\.autoPromoteAfter": expected a pause duration: a whole number with unit s, m or h/,
      ],
      ['enabled that is not a boolean', '  enabled: "no"\n', /^platform\.yaml: field "analysis\.enabled": expected true or false$/],
      [
        'an unknown field',
        '  threshold: 0.99\n',
        /^platform\.yaml: unknown field "analysis\.threshold"; expected only enabled, prometheus, successRate, interval, failureLimit, autoPromoteAfter and prometheusOperator$/,
      ],
    ])('fails if platform.yaml analysis has %s', (_name, field, expected) => {
      writeFileSync(platformFile, withRepository(`${PROMETHEUS}${field}`));
      const problems = problemsOf();
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(expected);
    });

    test.each([
      [
        'a Prometheus address that is not a URL',
        '  prometheus: prometheus:9090\n',
        /^overlays\/aws\.yaml: field "analysis\.prometheus": expected an http:\/\/ or https:\/\/ base URL/,
      ],
      [
        'a Prometheus address with a password',
        '  prometheus: http://admin:secret@prometheus:9090\n',
        /^overlays\/aws\.yaml: field "analysis\.prometheus": expected a base URL without user or password$/,
      ],
    ])('fails if an overlay analysis has %s', (_name, field, expected) => {
      overlay('aws.yaml', `${GOOD}analysis:\n${field}`);
      const problems = problemsOf();
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(expected);
    });
  });

  describe('releaseTrain', () => {
    const withTrain = (train: string) => writeFileSync(platformFile, withRepository(`environment: dev\nreleaseTrain: ${train}\n`));
    const load = () => loadProjectConfig({ platformFile, overlaysDirectory: overlays, workloads: FIXTURE_WORKLOADS }).platform.releaseTrain;

    test('there is no train unless platform.yaml names one', () => {
      expect(load()).toBeUndefined();
    });

    test('keeps the clusters in the order written', () => {
      withTrain('[aws, gcp, azure]');
      expect(load()).toEqual(['aws', 'gcp', 'azure']);
    });

    test('fails if a name is not a cluster, in one line naming the field and the clusters', () => {
      withTrain('[aws, gpc, azure]');
      expect(problemsOf()).toEqual([
        'platform.yaml: field "releaseTrain[1]": "gpc" is not a cluster; expected one of aws, azure, gcp (a file in the overlays folder)',
      ]);
    });

    test('fails if a cluster is named twice', () => {
      withTrain('[aws, gcp, aws]');
      expect(problemsOf()).toEqual(['platform.yaml: field "releaseTrain": expected each cluster once; a cluster is named twice']);
    });

    test('fails if the train is empty or not a list', () => {
      withTrain('[]');
      expect(problemsOf()).toEqual([
        'platform.yaml: field "releaseTrain": expected at least one cluster; leave releaseTrain out for no train',
      ]);
      withTrain('aws');
      expect(problemsOf()).toEqual(['platform.yaml: field "releaseTrain": expected a list of cluster names, such as [aws, gcp, azure]']);
    });
  });

  describe('trafficRouting', () => {
    const load = () => loadProjectConfig({ platformFile, overlaysDirectory: overlays, workloads: FIXTURE_WORKLOADS });
    const routers = () => load().clusters.map((cluster) => [cluster.name, cluster.trafficRouter]);

    test('is none without trafficRouting in either file', () => {
      expect(routers()).toEqual([
        ['aws', undefined],
        ['azure', undefined],
        ['gcp', undefined],
      ]);
    });

    test("platform.yaml's provider reaches every cluster, and an overlay's replaces it for its cluster", () => {
      writeFileSync(platformFile, withRepository('trafficRouting:\n  provider: traefik\n'));
      overlay(
        'gcp.yaml',
        'cloud: gcp\nregion: us-central1\ntrafficRouting: {provider: none}\nworkloads:\n  mandelbrot:\n    image: node:22-alpine\n',
      );
      expect(routers()).toEqual([
        ['aws', 'traefik'],
        ['azure', 'traefik'],
        ['gcp', undefined],
      ]);
    });

    test('an overlay alone turns it on for its cluster only', () => {
      overlay('aws.yaml', `${GOOD}trafficRouting:\n  provider: traefik\n`);
      expect(routers().map(([, router]) => router)).toEqual(['traefik', undefined, undefined]);
    });

    test('traefikChart defaults to the reviewed chart, and each field may be set', () => {
      expect(load().platform.traefikChart).toEqual({ repoURL: 'https://traefik.github.io/charts', version: '39.0.7' });
      writeFileSync(platformFile, withRepository('traefikChart:\n  repoURL: https://charts.example.com/traefik\n'));
      expect(load().platform.traefikChart).toEqual({ repoURL: 'https://charts.example.com/traefik', version: '39.0.7' });
    });

    test('fails if a provider is unknown, in either file', () => {
      writeFileSync(platformFile, withRepository('trafficRouting:\n  provider: istio\n'));
      overlay('aws.yaml', `${GOOD}trafficRouting:\n  provider: Traefik\n`);
      expect(problemsOf()).toEqual([
        'platform.yaml: field "trafficRouting.provider": expected one of traefik, none',
        'overlays/aws.yaml: field "trafficRouting.provider": expected one of traefik, none',
      ]);
    });

    test('fails if traefikChart names a version range', () => {
      writeFileSync(platformFile, withRepository('traefikChart:\n  version: ^39.0.0\n'));
      expect(problemsOf()).toEqual(['platform.yaml: field "traefikChart.version": expected an exact chart version such as 39.0.7']);
    });
  });

  describe('canaryWeights', () => {
    const load = () => loadProjectConfig({ platformFile, overlaysDirectory: overlays, workloads: FIXTURE_WORKLOADS });
    const weightsOf = (cluster: string) =>
      (load().clusters.find((item) => item.name === cluster)!.boundWorkloads[0]!.props as { canaryWeights: number[] }).canaryWeights;
    const platformWeights = (weights: string) => withRepository(`workloads:\n  mandelbrot:\n    canaryWeights: ${weights}\n`);

    test("default to [50], platform.yaml's reach every cluster, and an overlay's replace them", () => {
      expect(weightsOf('aws')).toEqual([50]);
      writeFileSync(platformFile, platformWeights('[10, 50]'));
      overlay('aws.yaml', `${GOOD}    canaryWeights: [5, 20, 60]\n`);
      expect(weightsOf('aws')).toEqual([5, 20, 60]);
      expect(weightsOf('gcp')).toEqual([10, 50]);
    });

    test.each([
      [
        'weights that fall',
        '[50, 10]',
        'field "workloads.mandelbrot.canaryWeights": expected strictly increasing canary weights, such as [10, 50]',
      ],
      [
        'a repeated weight',
        '[10, 10]',
        'field "workloads.mandelbrot.canaryWeights": expected strictly increasing canary weights, such as [10, 50]',
      ],
      [
        'a weight of 0',
        '[0, 50]',
        'field "workloads.mandelbrot.canaryWeights[0]": expected a whole percentage from 1 to 99: at 0 the canary gets nothing to judge',
      ],
      [
        'a weight of 100',
        '[50, 100]',
        'field "workloads.mandelbrot.canaryWeights[1]": expected a whole percentage from 1 to 99: the step to 100% follows the last weight',
      ],
      ['a fraction', '[12.5]', 'field "workloads.mandelbrot.canaryWeights[0]": expected a whole percentage from 1 to 99'],
      ['no weight', '[]', 'field "workloads.mandelbrot.canaryWeights": expected at least one canary weight, such as [50]'],
    ])('fails if canaryWeights has %s', (_, weights, problem) => {
      writeFileSync(platformFile, platformWeights(weights));
      expect(problemsOf()).toEqual([`platform.yaml: ${problem}`]);
    });

    test('fails if an overlay sets canaryWeights that are not increasing, naming its file', () => {
      overlay('aws.yaml', `${GOOD}    canaryWeights: [60, 20]\n`);
      expect(problemsOf()).toEqual([
        'overlays/aws.yaml: field "workloads.mandelbrot.canaryWeights": expected strictly increasing canary weights, such as [10, 50]',
      ]);
    });
  });
});
