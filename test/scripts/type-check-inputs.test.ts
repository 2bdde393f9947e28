import { cpSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { typeCheckInputsKey } = createRequire(import.meta.url)('../../scripts/type-check-inputs.cjs') as {
  typeCheckInputsKey: (root: string) => string;
};

describe('the type check inputs key', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'type-check-inputs-'));
    writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ include: ['main.ts', 'lib/**/*.ts', 'missing/**/*.ts'] }));
    writeFileSync(join(root, 'package-lock.json'), '{}');
    writeFileSync(join(root, 'main.ts'), 'export {};\n');
    mkdirSync(join(root, 'lib', 'core'), { recursive: true });
    writeFileSync(join(root, 'lib', 'core', 'a.ts'), 'export const a = 1;\n');
    mkdirSync(join(root, 'docs'));
    writeFileSync(join(root, 'docs', 'notes.md'), 'notes\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('stays while nothing tsc reads changes, even outside what it includes', () => {
    const before = typeCheckInputsKey(root);
    writeFileSync(join(root, 'docs', 'notes.md'), 'other notes\n');
    expect(typeCheckInputsKey(root)).toBe(before);
  });

  test.each([
    ['a source file is edited', (at: string) => writeFileSync(join(at, 'lib', 'core', 'a.ts'), 'export const a = 2;\n')],
    ['a source file is added', (at: string) => writeFileSync(join(at, 'lib', 'b.ts'), 'export {};\n')],
    ['a source file is removed', (at: string) => rmSync(join(at, 'lib', 'core', 'a.ts'))],
    ['a file is touched, its bytes the same', (at: string) => utimesSync(join(at, 'main.ts'), 1, 1)],
    ['tsconfig.json changes', (at: string) => writeFileSync(join(at, 'tsconfig.json'), JSON.stringify({ include: ['main.ts'] }))],
    [
      'the packages are installed anew',
      (at: string) => cpSync(join(at, 'package-lock.json'), join(at, 'node_modules', '.package-lock.json')),
    ],
  ])('changes when %s', (_what, change) => {
    mkdirSync(join(root, 'node_modules'));
    const before = typeCheckInputsKey(root);
    change(root);
    expect(typeCheckInputsKey(root)).not.toBe(before);
  });
});
