import { Testing } from 'cdk8s';
import { contentAddressedName } from '../../lib/progressive-delivery/content-addressed-config-map.js';
import { VersionedConfigMap, type VersionedConfigMapProps } from '../../lib/progressive-delivery/versioned-config-map.js';
import { GENERATION_ANNOTATION, type PreviousConfigMap } from '../../lib/core/config-map-history.js';

const BASE = 'demo-source';

/** Version `n` of the family's files. */
const files = (n: number) => ({ 'server.js': `// version ${n}\n` });

/** Version `n` as an earlier synth wrote it, with its generation. */
function previous(n: number, generation: number, baseName = BASE): PreviousConfigMap {
  const name = contentAddressedName(baseName, files(n));
  return { name, data: files(n), generation, file: `dist/aws/demo/configmap-${name}.yaml` };
}

function synthVersions(props: Partial<VersionedConfigMapProps> = {}) {
  const chart = Testing.chart();
  const versions = new VersionedConfigMap(chart, 'Source', { baseName: BASE, files: files(9), ...props });
  const synth = () => Testing.synth(chart);
  /** The written ConfigMaps: name to generation annotation. */
  const written = () =>
    Object.fromEntries(synth().map((object) => [object.metadata.name, object.metadata.annotations?.[GENERATION_ANNOTATION]]));
  return { versions, synth, written };
}

const nameOf = (n: number) => contentAddressedName(BASE, files(n));

describe('VersionedConfigMap', () => {
  test('on the first synth, writes the current version alone, as generation 1', () => {
    const { versions, written } = synthVersions();
    expect(versions.current?.name).toBe(nameOf(9));
    expect(versions.retained).toEqual([]);
    expect(written()).toEqual({ [nameOf(9)]: '1' });
  });

  test('a new version takes the next generation, and the previous versions stay for the stable pods, unchanged', () => {
    const { synth, written } = synthVersions({ previous: [previous(1, 1), previous(2, 2)] });
    expect(written()).toEqual({ [nameOf(9)]: '3', [nameOf(2)]: '2', [nameOf(1)]: '1' });
    const kept = synth().find((object) => object.metadata.name === nameOf(2));
    expect(kept).toMatchObject({ kind: 'ConfigMap', immutable: true, data: files(2) });
  });

  test('keeps the 3 newest earlier versions by default, newest first, and retires the older ones', () => {
    const { versions, written } = synthVersions({ previous: [1, 2, 3, 4, 5].map((n) => previous(n, n)) });
    expect(versions.retained.map((version) => version.name)).toEqual([nameOf(5), nameOf(4), nameOf(3)]);
    expect(Object.keys(written())).toEqual(expect.arrayContaining([nameOf(9), nameOf(5), nameOf(4), nameOf(3)]));
    expect(Object.keys(written())).toHaveLength(4);
  });

  test('retain sets how many earlier versions are kept', () => {
    const { written } = synthVersions({ retain: 1, previous: [1, 2, 3].map((n) => previous(n, n)) });
    expect(written()).toEqual({ [nameOf(9)]: '4', [nameOf(3)]: '3' });
  });

  test('a version that is already the newest keeps its generation, so synthesizing again writes the same bytes', () => {
    const first = synthVersions({ previous: [previous(1, 1)] });
    const again = synthVersions({ previous: [previous(1, 1), previous(9, 2)] });
    expect(again.written()).toEqual({ [nameOf(9)]: '2', [nameOf(1)]: '1' });
    expect(again.synth()).toEqual(first.synth());
  });

  test('a reverted version becomes the newest again, and is written once', () => {
    const { versions, written } = synthVersions({ files: files(1), previous: [previous(1, 1), previous(2, 2)] });
    expect(versions.current?.name).toBe(nameOf(1));
    expect(versions.retained.map((version) => version.name)).toEqual([nameOf(2)]);
    expect(written()).toEqual({ [nameOf(1)]: '3', [nameOf(2)]: '2' });
  });

  test('versions from before generations were recorded (generation 0) are kept by name order', () => {
    const { versions } = synthVersions({ retain: 2, previous: [3, 1, 2].map((n) => previous(n, 0)) });
    const byName = [nameOf(1), nameOf(2), nameOf(3)].sort();
    expect(versions.retained.map((version) => version.name)).toEqual(byName.slice(0, 2));
  });

  test("ignores ConfigMaps of other families, even those whose names begin with this family's", () => {
    const others = [previous(1, 5, 'demo.source-extra'), previous(2, 6, 'other'), previous(3, 7, 'demoxsource')];
    const { written } = synthVersions({ baseName: 'demo.source', files: files(9), previous: others });
    expect(written()).toEqual({ [contentAddressedName('demo.source', files(9))]: '1' });
  });

  test('without files, writes no current version and still keeps the earlier ones for the ReplicaSets that mount them', () => {
    const { versions, written } = synthVersions({ files: undefined, previous: [previous(1, 1), previous(2, 2)] });
    expect(versions.current).toBeUndefined();
    expect(written()).toEqual({ [nameOf(2)]: '2', [nameOf(1)]: '1' });
  });

  test('fails if retain is below 1 or not a whole number', () => {
    for (const retain of [0, 1.5]) {
      expect(synthVersions({ retain }).synth).toThrow(
        `${BASE}: retain is ${retain}; expected a whole number of at least 1, or an abort finds no ConfigMap for its stable pods`,
      );
    }
  });

  test('fails if an earlier version was edited, so its data no longer matches its name', () => {
    const edited = { ...previous(1, 1), data: { 'server.js': '// edited in place\n' } };
    expect(synthVersions({ previous: [edited] }).synth).toThrow(
      `${edited.file}: ConfigMap ${edited.name} no longer matches its name (its data hashes to ${contentAddressedName(BASE, edited.data)}); ` +
        'a version is immutable: restore the file from Git, or delete it to retire that version',
    );
  });
});
