import { createHash } from 'node:crypto';
import { Testing } from 'cdk8s';
import {
  ContentAddressedConfigMap,
  contentAddressedName,
  type ContentAddressedConfigMapProps,
} from '../../lib/progressive-delivery/content-addressed-config-map.js';
import { GENERATION_ANNOTATION } from '../../lib/core/config-map-history.js';

const FILES = { 'server.js': 'console.log("hello");\n', 'index.html': '<p>hi</p>\n' };

function synthConfigMap(props: Partial<ContentAddressedConfigMapProps> = {}) {
  const chart = Testing.chart();
  const configMap = new ContentAddressedConfigMap(chart, 'Source', { baseName: 'demo-source', files: FILES, ...props });
  return { configMap, synth: () => Testing.synth(chart) };
}

describe('ContentAddressedConfigMap', () => {
  test('writes one immutable ConfigMap holding the files, named after the sha256 of its keys and contents', () => {
    const { configMap, synth } = synthConfigMap();
    const expectedHash = createHash('sha256')
      .update('index.html\0<p>hi</p>\n\0server.js\0console.log("hello");\n\0')
      .digest('hex')
      .slice(0, 10);
    expect(configMap.name).toBe(`demo-source-${expectedHash}`);
    expect(synth()).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: configMap.name },
        immutable: true,
        data: { 'index.html': '<p>hi</p>\n', 'server.js': 'console.log("hello");\n' },
      },
    ]);
  });

  test('the name does not depend on the order of the files', () => {
    const reversed = Object.fromEntries(Object.entries(FILES).reverse());
    expect(contentAddressedName('demo', reversed)).toBe(contentAddressedName('demo', FILES));
    expect(Object.keys(synthConfigMap({ files: reversed }).synth()[0].data)).toEqual(['index.html', 'server.js']);
  });

  test('the name changes with any file content, and with where a file name ends', () => {
    const name = contentAddressedName('demo', { a: 'bc' });
    expect(contentAddressedName('demo', { a: 'bd' })).not.toBe(name);
    expect(contentAddressedName('demo', { ab: 'c' })).not.toBe(name);
    expect(contentAddressedName('demo', { a: 'bc', d: '' })).not.toBe(name);
  });

  test('hashLength sets the digits of the hash', () => {
    const { configMap } = synthConfigMap({ hashLength: 16 });
    expect(configMap.name).toMatch(/^demo-source-[0-9a-f]{16}$/);
    expect(configMap.name).toBe(contentAddressedName('demo-source', FILES, 16));
  });

  test('writes its generation as an annotation only when it has one', () => {
    expect(synthConfigMap({ generation: 3 }).synth()[0].metadata.annotations).toEqual({ [GENERATION_ANNOTATION]: '3' });
    expect(synthConfigMap().synth()[0].metadata).not.toHaveProperty('annotations');
  });

  test('writes files that are all empty, which its name counts', () => {
    expect(synthConfigMap({ files: { '.keep': '', 'empty.txt': '' } }).synth()[0].data).toEqual({ '.keep': '', 'empty.txt': '' });
  });

  test('fails if it has no files', () => {
    const { configMap, synth } = synthConfigMap({ files: {} });
    expect(synth).toThrow(`ConfigMap ${configMap.name}: no files; expected at least one`);
  });

  test('fails if client-side apply would copy it into more than 262,144 bytes of annotations; just under passes', () => {
    // The annotation holds the whole ConfigMap as JSON, where each `<` becomes six bytes.
    const { configMap, synth } = synthConfigMap({ files: { 'big.html': '<'.repeat(44_000) } });
    expect(synth).toThrow(
      new RegExp(
        `\\[test/Source\\] ConfigMap ${configMap.name}: its files \\(big.html\\) would make 264\\d{3} bytes of annotations with kubectl.kubernetes.io/last-applied-configuration, over the 262144 bytes Kubernetes accepts, so Argo CD's sync would fail; expected files of about 250 KiB together at most$`,
      ),
    );
    expect(synthConfigMap({ files: { 'big.html': '<'.repeat(43_000) } }).synth()).toHaveLength(1);
  });

  test('fails if a file name is not a valid ConfigMap key', () => {
    const { configMap, synth } = synthConfigMap({ files: { 'lib/render.js': 'x', 'ok.js': 'y', 'a b': 'z' } });
    expect(synth).toThrow(
      `ConfigMap ${configMap.name}: file names a b, lib/render.js are not valid ConfigMap keys (letters, digits, '-', '_', '.')`,
    );
  });
});
