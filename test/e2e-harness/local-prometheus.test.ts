import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { prometheusBinary } from '../e2e/support/local-prometheus.js';

describe('prometheusBinary', () => {
  let dirs: [string, string];
  beforeEach(() => (dirs = [mkdtempSync(join(tmpdir(), 'path-a-')), mkdtempSync(join(tmpdir(), 'path-b-'))]));
  afterEach(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  test('finds the first prometheus on PATH', () => {
    writeFileSync(join(dirs[1], 'prometheus'), '');
    expect(prometheusBinary(dirs.join(delimiter))).toBe(join(dirs[1], 'prometheus'));
  });

  test("fails if prometheus is not on PATH, saying to install Debian's package", () => {
    expect(() => prometheusBinary(dirs.join(delimiter))).toThrow(
      "no prometheus on PATH: the canary analysis drill scrapes with Debian's package (apt-get install prometheus)",
    );
  });
});
