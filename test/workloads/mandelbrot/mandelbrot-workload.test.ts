import { Testing } from 'cdk8s';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { kindsDeployedBy } from '../../../lib/argocd/deployed-kinds.js';
import { contentAddressedName } from '../../../lib/progressive-delivery/content-addressed-config-map.js';
import {
  HTTP_PORT,
  MandelbrotWorkload,
  type MandelbrotWorkloadProps,
  PROBE_PORT,
  SOURCE_MOUNT_PATH,
  STAGE_URLS_MOUNT_PATH,
} from '../../../lib/workloads/mandelbrot/mandelbrot-workload.js';
import { synthCluster } from '../../support/cluster.js';
import { GENERATION_ANNOTATION, type PreviousConfigMap } from '../../../lib/core/config-map-history.js';
import { PROJECT_ROOT } from '../../support/synth-process.js';

const SOURCE = { 'server.js': 'console.log("v2");\n' };
const STAGE_URLS = { gcp: 'https://mandelbrot.gcp.example.com', azure: 'https://mandelbrot.azure.example.com' };

function synthWorkload(props: Partial<MandelbrotWorkloadProps> = {}) {
  const chart = Testing.chart();
  const workload = new MandelbrotWorkload(chart, 'Mandelbrot', {
    cloud: 'aws',
    region: 'us-east-1',
    image: 'node:22-alpine',
    release: 'continuous',
    stageRoute: ['aws', 'gcp', 'azure'],
    sourceFiles: SOURCE,
    ...props,
  });
  const synth = () => Testing.synth(chart);
  const only = (kind: string) => {
    const found = synth().filter((object) => object.kind === kind);
    expect(found).toHaveLength(1);
    return found[0];
  };
  const configMaps = () =>
    Object.fromEntries(synth().flatMap((object) => (object.kind === 'ConfigMap' ? [[object.metadata.name, object]] : [])));
  return { workload, synth, only, configMaps, rollout: () => only('Rollout'), service: () => only('Service') };
}

/** The pod template's ConfigMap volumes, by volume name, and where the container mounts each. */
function mounts(rollout: any): Record<string, { configMap: string; mountPath: string; readOnly: boolean }> {
  const container = rollout.spec.template.spec.containers[0];
  return Object.fromEntries(
    rollout.spec.template.spec.volumes
      .filter((volume: any) => volume.configMap)
      .map((volume: any) => {
        const mount = container.volumeMounts.find((candidate: any) => candidate.name === volume.name);
        return [volume.name, { configMap: volume.configMap.name, mountPath: mount.mountPath, readOnly: mount.readOnly }];
      }),
  );
}

/** A version of a ConfigMap family as an earlier synth wrote it. */
function earlierVersion(baseName: string, data: Record<string, string>, generation: number): PreviousConfigMap {
  const name = contentAddressedName(baseName, data);
  return { name, data, generation, file: `dist/aws/mandelbrot/configmap-${name}.yaml` };
}

/** Source version `n` before the current one, written in generation `n`. */
const oldSource = (n: number) => earlierVersion('mandelbrot-source', { 'server.js': `console.log("old ${n}");\n` }, n);

const envOf = (rollout: any): Record<string, unknown> =>
  Object.fromEntries(
    rollout.spec.template.spec.containers[0].env.map((variable: any) => [variable.name, variable.value ?? variable.valueFrom]),
  );

describe('MandelbrotWorkload', () => {
  test('mounts its source as a content-addressed ConfigMap, read-only, and runs the server from it', () => {
    const { workload, rollout, configMaps } = synthWorkload();
    const sourceName = contentAddressedName('mandelbrot-source', SOURCE);
    expect(workload.source.current?.name).toBe(sourceName);
    expect(Object.keys(configMaps())).toEqual([sourceName]);
    expect(configMaps()[sourceName]).toMatchObject({ immutable: true, data: SOURCE });
    expect(mounts(rollout())).toEqual({ source: { configMap: sourceName, mountPath: SOURCE_MOUNT_PATH, readOnly: true } });
    expect(rollout().spec.template.spec.containers[0].command).toEqual(['node', `${SOURCE_MOUNT_PATH}/server.js`]);
  });

  test('a change to the source renames its ConfigMap, and so changes the pod template: a canary', () => {
    const before = synthWorkload().rollout();
    const after = synthWorkload({ sourceFiles: { 'server.js': 'console.log("v3");\n' } }).rollout();
    expect(mounts(after).source?.configMap).not.toBe(mounts(before).source?.configMap);
    expect(after.spec.template).not.toEqual(before.spec.template);
  });

  test('keeps earlier source versions from the previous output for stable pods, and mounts only the current one', () => {
    const earlier = [1, 2].map(oldSource);
    const { rollout, configMaps } = synthWorkload({ previousConfigMaps: earlier });
    const current = contentAddressedName('mandelbrot-source', SOURCE);
    expect(Object.keys(configMaps()).sort()).toEqual([current, ...earlier.map((version) => version.name)].sort());
    expect(mounts(rollout()).source?.configMap).toBe(current);
    expect(configMaps()[current].metadata.annotations).toEqual({ [GENERATION_ANNOTATION]: '3' });
  });

  test('retainedConfigMaps sets how many earlier versions are kept', () => {
    const earlier = [1, 2, 3].map(oldSource);
    const { configMaps } = synthWorkload({ previousConfigMaps: earlier, retainedConfigMaps: 1 });
    expect(Object.keys(configMaps()).sort()).toEqual(
      [contentAddressedName('mandelbrot-source', SOURCE), ...earlier.slice(-1).map((version) => version.name)].sort(),
    );
  });

  test('without stage URLs, no stage-URL ConfigMap, volume or STAGE_URLS_DIR', () => {
    for (const stageURLs of [undefined, {}]) {
      const { workload, rollout, configMaps } = synthWorkload({ stageURLs });
      expect(workload.stageURLs.current).toBeUndefined();
      expect(Object.keys(configMaps()).filter((name) => name.startsWith('mandelbrot-stage-urls-'))).toEqual([]);
      expect(Object.keys(mounts(rollout()))).toEqual(['source']);
      expect(envOf(rollout())).not.toHaveProperty('STAGE_URLS_DIR');
    }
  });

  test('stage URLs become a content-addressed ConfigMap of one file per cloud, mounted where STAGE_URLS_DIR points', () => {
    const { rollout, configMaps } = synthWorkload({ stageURLs: STAGE_URLS });
    const name = contentAddressedName('mandelbrot-stage-urls', STAGE_URLS);
    expect(configMaps()[name]).toMatchObject({ immutable: true, data: STAGE_URLS });
    expect(mounts(rollout())['stage-urls']).toEqual({ configMap: name, mountPath: STAGE_URLS_MOUNT_PATH, readOnly: true });
    expect(envOf(rollout()).STAGE_URLS_DIR).toBe(STAGE_URLS_MOUNT_PATH);
  });

  test('a changed stage URL renames its ConfigMap and changes the pod template, and the earlier one is kept', () => {
    const first = synthWorkload({ stageURLs: STAGE_URLS });
    const previous = earlierVersion('mandelbrot-stage-urls', STAGE_URLS, 1);
    const changed = { ...STAGE_URLS, gcp: 'https://mandelbrot.gcp-2.example.com' };
    const second = synthWorkload({ stageURLs: changed, previousConfigMaps: [previous] });
    const secondName = contentAddressedName('mandelbrot-stage-urls', changed);
    expect(mounts(second.rollout())['stage-urls']?.configMap).toBe(secondName);
    expect(second.rollout().spec.template).not.toEqual(first.rollout().spec.template);
    expect(Object.keys(second.configMaps())).toEqual(expect.arrayContaining([previous.name, secondName]));
  });

  test("the Service selects exactly the Rollout's pods, stable and canary, and targets the container's named port", () => {
    const { rollout, service } = synthWorkload({ name: 'fractal' });
    const template = rollout().spec.template;
    expect(rollout().metadata.name).toBe('fractal');
    expect(service().metadata).toEqual({ name: 'fractal', labels: template.metadata.labels });
    expect(service().spec.selector).toEqual(rollout().spec.selector.matchLabels);
    expect(service().spec.selector).toEqual(template.metadata.labels);
    expect(service().spec.type).toBe('LoadBalancer');
    const [port] = service().spec.ports;
    expect(port).toEqual({ name: 'http', port: 80, targetPort: 'http' });
    expect(template.spec.containers[0].ports).toContainEqual({ name: port.targetPort, containerPort: HTTP_PORT });
    expect(service().spec).not.toHaveProperty('externalIPs');
  });

  test("both probes reach the service's probe listener, on a port the Service does not expose", () => {
    const { rollout, service } = synthWorkload();
    const [container] = rollout().spec.template.spec.containers;
    expect(container.ports).toContainEqual({ name: 'probes', containerPort: PROBE_PORT });
    expect([container.readinessProbe.httpGet, container.livenessProbe.httpGet]).toEqual([
      { path: '/readyz', port: 'probes' },
      { path: '/healthz', port: 'probes' },
    ]);
    expect(service().spec.ports.map((port: { targetPort: string }) => port.targetPort)).toEqual(['http']);
    // The container sets neither PORT nor PROBE_PORT: the ports are the service's own defaults.
    expect(container.env.map((variable: { name: string }) => variable.name)).not.toEqual(expect.arrayContaining(['PORT']));
    expect(container.env.map((variable: { name: string }) => variable.name)).not.toEqual(expect.arrayContaining(['PROBE_PORT']));
    const { settingsFrom } = createRequire(join(PROJECT_ROOT, 'services', 'mandelbrot', 'package.json'))('./settings.js');
    const defaults = settingsFrom({}, () => 1);
    expect([defaults.port, defaults.probePort]).toEqual([HTTP_PORT, PROBE_PORT]);
  });

  test('with analysis, the Rollout runs the AnalysisTemplate it writes, from the first canary weight on', () => {
    const steps = [{ setWeight: 20 }, { pause: { duration: '1m' } }, { setWeight: 50 }, { pause: {} }, { setWeight: 100 }];
    const { workload, rollout, only } = synthWorkload({ steps, analysis: { prometheus: 'http://prometheus:9090' } });
    expect(only('AnalysisTemplate').metadata.name).toBe(workload.analysis?.name);
    expect(rollout().spec.strategy.canary.analysis).toEqual({
      templates: [{ templateName: 'mandelbrot-success-rate' }],
      startingStep: 1,
      args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
    });
  });

  test('fails if analysis is asked for and no canary step sets a weight', () => {
    expect(() => synthWorkload({ steps: [{ pause: {} }, { setWeight: 0 }], analysis: { prometheus: 'http://prometheus:9090' } })).toThrow(
      'MandelbrotWorkload mandelbrot: analysis starts at the first canary weight, but no step sets one',
    );
  });

  test('canaryWeights become a step and a pause at each weight, and the analysis starts at the first', () => {
    const { rollout } = synthWorkload({ canaryWeights: [10, 50], analysis: { prometheus: 'http://prometheus:9090' } });
    expect(rollout().spec.strategy.canary.steps).toEqual([
      { setWeight: 10 },
      { pause: {} },
      { setWeight: 50 },
      { pause: {} },
      { setWeight: 100 },
    ]);
    expect(rollout().spec.strategy.canary.analysis.startingStep).toBe(1);
  });

  describe('behind Traefik', () => {
    const { synth, rollout, workload } = synthWorkload({ trafficRouter: 'traefik' });
    const service = (name: string) => synth().find((object) => object.kind === 'Service' && object.metadata.name === name);

    test('the Rollout sets its weights on the weighted TraefikService over a canary and a stable Service', () => {
      expect(rollout().spec.strategy.canary).toMatchObject({
        canaryService: 'mandelbrot-canary',
        stableService: 'mandelbrot-stable',
        trafficRouting: { traefik: { weightedTraefikServiceName: 'mandelbrot' } },
      });
      expect(service('mandelbrot-canary')?.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http' }]);
      expect(workload.traefikRoute?.routing.traefikServiceName).toBe('mandelbrot');
    });

    test('its own Service is no LoadBalancer, so clients cannot bypass the weights', () => {
      expect(service('mandelbrot')?.spec.type).toBe('ClusterIP');
    });

    test('contributes the routing kinds to the AppProject', () => {
      expect(kindsDeployedBy(workload).map((kind) => `${kind.group}/${kind.kind}`)).toEqual([
        '/ConfigMap',
        '/Service',
        'argoproj.io/Rollout',
        'traefik.io/IngressRoute',
        'traefik.io/TraefikService',
      ]);
    });
  });

  test('contributes its kinds to the AppProject: ConfigMap, Service and Rollout, and what analysis adds', () => {
    const kinds = (props: Partial<MandelbrotWorkloadProps>) => kindsDeployedBy(synthWorkload(props).workload).map((kind) => kind.kind);
    expect(kinds({})).toEqual(['ConfigMap', 'Service', 'Rollout']);
    expect(kinds({ analysis: { prometheus: 'http://prometheus:9090', podMonitor: true } })).toEqual([
      'ConfigMap',
      'Service',
      'AnalysisTemplate',
      'Rollout',
      'PodMonitor',
    ]);
  });

  test('the AppProject admits analysis templates before the workload writes one, so turning analysis on needs no permission change', () => {
    const project = synthCluster().get('aws/argocd/appproject-trinity.yaml');
    expect(project.spec.namespaceResourceWhitelist).toContainEqual({ group: 'argoproj.io', kind: 'AnalysisTemplate' });
    expect(project.spec.clusterResourceWhitelist).toContainEqual({ group: 'argoproj.io', kind: 'ClusterAnalysisTemplate' });
  });
});
