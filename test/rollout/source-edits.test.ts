import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYamlObject } from '../support/yaml.js';
import { SynthValidationError } from '../../lib/core/errors.js';
import { GENERATION_ANNOTATION } from '../../lib/core/config-map-history.js';
import { boundMandelbrot, synthCluster } from '../support/cluster.js';
import { writeFixtureOverlays, makeTempDir, PROJECT_ROOT, readTree, synth as runSynth } from '../support/synth-process.js';

const CLUSTERS = ['aws', 'azure', 'gcp'];

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

/** A scratch project, removed after the test: a copy of the service's source to edit, and an output folder. */
function scratch() {
  const temp = makeTempDir('source-edits');
  cleanups.push(temp.cleanup);
  const service = join(temp.path, 'service');
  cpSync(join(PROJECT_ROOT, 'services', 'mandelbrot'), service, { recursive: true });
  const outdir = join(temp.path, 'dist');
  const synth = async (...args: string[]) => {
    const result = await runSynth(['--outdir', outdir, '--files', `mandelbrot=${service}`, ...args]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  };
  const edit = (file: string, text: string) => appendFileSync(join(service, file), text);
  return { temp, service, outdir, synth, edit };
}

/** One cluster's workload folder: its Rollout and its ConfigMaps by name, with their files' text. */
function workload(outdir: string, cluster = 'aws') {
  const folder = join(outdir, cluster, 'mandelbrot');
  const configMaps = new Map<string, { object: any; text: string }>();
  for (const file of readdirSync(folder).filter((name) => name.startsWith('configmap-'))) {
    const text = readFileSync(join(folder, file), 'utf8');
    const object = parseYamlObject(text);
    configMaps.set(object.metadata.name, { object, text });
  }
  const rollout = parseYamlObject(readFileSync(join(folder, 'rollout-mandelbrot.yaml'), 'utf8'));
  return { rollout, configMaps, folder };
}

/** The ConfigMaps a pod template mounts, by volume name. */
function mountedConfigMaps(rollout: any): Record<string, string> {
  return Object.fromEntries(
    rollout.spec.template.spec.volumes.filter((volume: any) => volume.configMap).map((volume: any) => [volume.name, volume.configMap.name]),
  );
}

/** The name of the ConfigMap a pod template mounts as `volume`. */
function mountedConfigMap(rollout: any, volume: string): string {
  const name = mountedConfigMaps(rollout)[volume];
  if (name === undefined) throw new Error(`the pod template mounts no ConfigMap as ${volume}`);
  return name;
}

const generations = (configMaps: Map<string, { object: any }>) =>
  Object.fromEntries([...configMaps].map(([name, { object }]) => [name, object.metadata.annotations[GENERATION_ANNOTATION]]));

describe('source edits roll out as canaries', () => {
  test('editing a source file changes the ConfigMap name and the pod template, and keeps the previous ConfigMap', async () => {
    const { outdir, synth, edit } = scratch();
    await synth();
    const before = CLUSTERS.map((cluster) => ({ cluster, ...workload(outdir, cluster) }));
    edit('render.js', '// a change to the source\n');
    await synth();

    for (const v1 of before) {
      const v2 = workload(outdir, v1.cluster);
      const oldName = mountedConfigMap(v1.rollout, 'source');
      const newName = mountedConfigMap(v2.rollout, 'source');
      expect(oldName).toMatch(/^mandelbrot-source-[0-9a-f]{10}$/);
      expect(newName).toMatch(/^mandelbrot-source-[0-9a-f]{10}$/);
      expect(newName).not.toBe(oldName);
      expect(v2.configMaps.get(newName)!.object.data['render.js']).toMatch(/\/\/ a change to the source\n$/);

      // The pod template changes, so Argo Rollouts starts a canary, and in nothing but the name.
      expect(v2.rollout.spec.template).not.toEqual(v1.rollout.spec.template);
      expect(JSON.parse(JSON.stringify(v2.rollout.spec.template).replaceAll(newName, oldName))).toEqual(v1.rollout.spec.template);

      // An abort returns to v1's template: every ConfigMap it mounts is still in the output, unchanged.
      for (const name of Object.values(mountedConfigMaps(v1.rollout))) {
        expect(v2.configMaps.get(name)?.text).toBe(v1.configMaps.get(name)!.text);
      }
      expect(generations(v2.configMaps)).toEqual({ [oldName]: '1', [newName]: '2' });
      expect(v2.configMaps.get(newName)!.object.immutable).toBe(true);
    }
  });

  test('synthesizing again writes the same bytes, and so does a fresh synth given the output as history', async () => {
    const { temp, outdir, synth, edit } = scratch();
    await synth();
    edit('server.js', '// another release\n');
    await synth();
    const written = readTree(outdir);
    await synth();
    expect(readTree(outdir)).toEqual(written);

    const fresh = join(temp.path, 'fresh');
    expect((await runSynth(['--outdir', fresh, '--files', `mandelbrot=${join(temp.path, 'service')}`, '--history', outdir])).status).toBe(
      0,
    );
    expect(readTree(fresh)).toEqual(written);
  });

  test('keeps the three newest earlier versions and retires older ones', async () => {
    const { outdir, synth, edit } = scratch();
    const names: string[] = [];
    for (let version = 1; version <= 6; version++) {
      if (version > 1) edit('metrics.js', `// version ${version}\n`);
      await synth();
      names.push(mountedConfigMap(workload(outdir).rollout, 'source'));
    }
    expect(new Set(names).size).toBe(6);
    const { configMaps } = workload(outdir);
    // Versions 3 to 6, each with its generation.
    expect(generations(configMaps)).toEqual(Object.fromEntries(names.slice(2).map((name, index) => [name, String(index + 3)])));
    expect(existsSync(join(outdir, 'aws', 'mandelbrot', `configmap-${names[1]}.yaml`))).toBe(false);
  });

  test('a revert makes the earlier version current again, as the newest generation', async () => {
    const { service, outdir, synth, edit } = scratch();
    const original = readFileSync(join(service, 'app.js'), 'utf8');
    await synth();
    const v1 = mountedConfigMap(workload(outdir).rollout, 'source');
    edit('app.js', '// to be reverted\n');
    await synth();
    const v2 = mountedConfigMap(workload(outdir).rollout, 'source');
    writeFileSync(join(service, 'app.js'), original);
    await synth();

    const reverted = workload(outdir);
    expect(mountedConfigMap(reverted.rollout, 'source')).toBe(v1);
    expect(generations(reverted.configMaps)).toEqual({ [v1]: '3', [v2]: '2' });
    const written = readTree(outdir);
    await synth();
    expect(readTree(outdir)).toEqual(written);
  });

  test('a ConfigMap written before generations were recorded is kept as generation 0', async () => {
    const { outdir, synth, edit } = scratch();
    await synth();
    const { rollout, folder } = workload(outdir);
    const legacy = mountedConfigMap(rollout, 'source');
    const file = join(folder, `configmap-${legacy}.yaml`);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/ {2}annotations:\n {4}trinity-delivery\/generation: "1"\n/, ''));
    expect(readFileSync(file, 'utf8')).not.toContain(GENERATION_ANNOTATION);
    edit('stages.js', '// next\n');
    await synth();
    const current = mountedConfigMap(workload(outdir).rollout, 'source');
    expect(generations(workload(outdir).configMaps)).toEqual({ [legacy]: '0', [current]: '1' });
  });

  test('the stage-URL ConfigMap is content-addressed and kept for stable pods the same way', async () => {
    const { temp, outdir, synth } = scratch();
    const overlays = writeFixtureOverlays(temp.path);
    const awsOverlay = readFileSync(join(overlays, 'aws.yaml'), 'utf8');
    const withStageURL = (url: string) => writeFileSync(join(overlays, 'aws.yaml'), `${awsOverlay}    stageURLs:\n      gcp: ${url}\n`);

    withStageURL('https://mandelbrot.gcp.example.com/');
    await synth('--overlays', overlays);
    const first = workload(outdir);
    const firstName = mountedConfigMap(first.rollout, 'stage-urls');
    expect(firstName).toMatch(/^mandelbrot-stage-urls-[0-9a-f]{10}$/);
    expect(first.configMaps.get(firstName)!.object).toMatchObject({ immutable: true, data: { gcp: 'https://mandelbrot.gcp.example.com' } });
    const container = first.rollout.spec.template.spec.containers[0];
    expect(container.env).toContainEqual({ name: 'STAGE_URLS_DIR', value: '/etc/mandelbrot/stage-urls' });
    expect(container.volumeMounts).toContainEqual({ name: 'stage-urls', mountPath: '/etc/mandelbrot/stage-urls', readOnly: true });
    // Only aws's overlay names stage URLs.
    expect(Object.keys(mountedConfigMaps(workload(outdir, 'gcp').rollout))).toEqual(['source']);

    withStageURL('https://mandelbrot-2.gcp.example.com');
    await synth('--overlays', overlays);
    const second = workload(outdir);
    const secondName = mountedConfigMap(second.rollout, 'stage-urls');
    expect(secondName).not.toBe(firstName);
    expect(second.configMaps.get(firstName)?.text).toBe(first.configMaps.get(firstName)!.text);

    // Without stage URLs the template mounts none, and stable pods still find theirs.
    writeFileSync(join(overlays, 'aws.yaml'), awsOverlay);
    await synth('--overlays', overlays);
    const third = workload(outdir);
    expect(Object.keys(mountedConfigMaps(third.rollout))).toEqual(['source']);
    expect(third.rollout.spec.template.spec.containers[0].env.map((env: any) => env.name)).not.toContain('STAGE_URLS_DIR');
    expect([...third.configMaps.keys()]).toEqual(expect.arrayContaining([firstName, secondName]));
  });

  test('fails if a stage URL is not an http(s) base URL, or names no cloud', async () => {
    const temp = makeTempDir('stage-urls');
    cleanups.push(temp.cleanup);
    const overlays = writeFixtureOverlays(temp.path);
    const awsOverlay = readFileSync(join(overlays, 'aws.yaml'), 'utf8');
    for (const [stageURLs, expected] of [
      [
        'gcp: ftp://mandelbrot.gcp.example.com',
        /aws\.yaml: field "workloads.mandelbrot.stageURLs\.gcp": expected an http:\/\/ or https:\/\/ base URL without query or fragment/,
      ],
      [
        'gcp: not a url',
        /aws\.yaml: field "workloads.mandelbrot.stageURLs\.gcp": expected a base URL such as https:\/\/mandelbrot\.gcp\.example\.com/,
      ],
      [
        'oracle: https://mandelbrot.oracle.example.com',
        /aws\.yaml: field "workloads.mandelbrot.stageURLs\.oracle": expected a cloud \(aws, gcp, azure\) as the key/,
      ],
    ] as const) {
      writeFileSync(join(overlays, 'aws.yaml'), `${awsOverlay}    stageURLs:\n      ${stageURLs}\n`);
      const result = await runSynth(['--outdir', join(temp.path, 'dist'), '--overlays', overlays]);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(expected);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  test('fails if a kept ConfigMap was edited in the output, and leaves the output as it was', async () => {
    const { temp, outdir, synth, edit } = scratch();
    await synth();
    const kept = mountedConfigMap(workload(outdir).rollout, 'source');
    edit('render.js', '// next\n');
    await synth();
    const file = join(outdir, 'aws', 'mandelbrot', `configmap-${kept}.yaml`);
    writeFileSync(file, readFileSync(file, 'utf8').replace("'use strict';", "'use strict'; // hand edit"));
    const before = readTree(outdir);

    const result = await runSynth(['--outdir', outdir, '--files', `mandelbrot=${join(temp.path, 'service')}`]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`aws/mandelbrot/configmap-${kept}.yaml: ConfigMap ${kept} no longer matches its name`);
    expect(result.stderr).toContain('restore the file from Git, or delete it to retire that version');
    expect(readTree(outdir)).toEqual(before);
  });

  test('fails if fewer than one earlier version is to be kept', () => {
    const workloads = [boundMandelbrot({ retainedConfigMaps: 0 })];
    expect(() => synthCluster({ workloads })).toThrow(SynthValidationError);
    expect(() => synthCluster({ workloads })).toThrow(
      /mandelbrot-source: retain is 0; expected a whole number of at least 1, or an abort finds no ConfigMap for its stable pods/,
    );
  });
});
