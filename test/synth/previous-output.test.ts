import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../lib/core/config-error.js';
import { readPreviousOutput } from '../../lib/synth/previous-output.js';
import { RenderMemo } from '../../lib/synth/render-memo.js';
import { makeTempDir } from '../support/synth-process.js';

describe('readPreviousOutput', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => (temp = makeTempDir('previous-output')));
  afterEach(() => temp.cleanup());

  const write = (text: string) => {
    mkdirSync(join(temp.path, 'aws', 'mandelbrot'), { recursive: true });
    writeFileSync(join(temp.path, 'aws', 'mandelbrot', 'configmap-settings-1.yaml'), text);
  };
  const configMap = (data: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-1\n  annotations:\n    trinity-delivery/generation: "3"\ndata:\n${data}`;
  const expected = '; expected a ConfigMap as synth writes it (restore the file from Git, or delete it to retire that ConfigMap)';

  test('reads each ConfigMap file by output folder', () => {
    write(configMap('  a: x\n'));
    expect(readPreviousOutput(temp.path, 'dist')).toEqual(
      new Map([
        [
          'aws/mandelbrot',
          [{ name: 'settings-1', data: { a: 'x' }, generation: 3, file: 'dist/aws/mandelbrot/configmap-settings-1.yaml' }],
        ],
      ]),
    );
  });

  test('with a memo, reads the same from a kept text as from parsing it, and the kept one names its own file', () => {
    write(configMap('  a: x\n'));
    const memoFile = join(temp.path, 'memo.json');
    const first = RenderMemo.load(memoFile);
    const parsed = readPreviousOutput(temp.path, 'dist', { memo: first });
    first.save();
    const kept = readPreviousOutput(temp.path, 'elsewhere', { memo: RenderMemo.load(memoFile) });
    expect(Object.keys(JSON.parse(readFileSync(memoFile, 'utf8')) as object)).toHaveLength(1);
    expect(kept).toEqual(
      new Map([['aws/mandelbrot', [{ ...parsed.get('aws/mandelbrot')![0], file: 'elsewhere/aws/mandelbrot/configmap-settings-1.yaml' }]]]),
    );
    expect(parsed.get('aws/mandelbrot')![0]).toMatchObject({ name: 'settings-1', data: { a: 'x' }, generation: 3 });
  });

  test('fails if a ConfigMap file is larger than the API server accepts, naming the file', () => {
    write(configMap(`  a: ${'x'.repeat(1.5 * 1024 * 1024)}\n`));
    expect(() => readPreviousOutput(temp.path, 'dist')).toThrow(
      new ConfigError(`dist/aws/mandelbrot/configmap-settings-1.yaml: the file is 1.5 MiB, more than the 1 MiB accepted${expected}`),
    );
  });

  test('fails if a ConfigMap file is not valid YAML, naming the file, line and column', () => {
    write(configMap('  a: x\n  a: y\n'));
    expect(() => readPreviousOutput(temp.path, 'dist')).toThrow(
      new ConfigError(
        `dist/aws/mandelbrot/configmap-settings-1.yaml: not valid YAML at line 9, column 3: the key "a" appears twice in one mapping${expected}`,
      ),
    );
  });
});
