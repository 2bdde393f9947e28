import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { missingSystemCommands } from '../e2e/support/argocd.js';

describe('missingSystemCommands', () => {
  let dirs: [string, string];

  beforeEach(() => {
    dirs = [mkdtempSync(join(tmpdir(), 'trinity-path-')), mkdtempSync(join(tmpdir(), 'trinity-path-'))];
  });

  afterEach(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  function install(dir: string, command: string, mode = 0o755): void {
    writeFileSync(join(dir, command), '#!/bin/sh\n');
    chmodSync(join(dir, command), mode);
  }

  test('finds each command in any folder of PATH', () => {
    install(dirs[0], 'redis-server');
    install(dirs[1], 'openssl');
    install(dirs[1], 'git');
    expect(missingSystemCommands(dirs.join(delimiter))).toEqual([]);
  });

  test('fails if a command is missing or not executable', () => {
    install(dirs[0], 'git');
    install(dirs[0], 'openssl', 0o644);
    expect(missingSystemCommands(dirs.join(delimiter))).toEqual(['redis-server', 'openssl']);
  });

  test('fails if PATH is empty', () => {
    expect(missingSystemCommands('')).toEqual(['redis-server', 'openssl', 'git']);
  });
});
