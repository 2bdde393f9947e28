import { chmodSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runWithTinyexec } from '../../lib/operator/run-command.js';
import { makeTempDir } from '../support/synth-process.js';

describe('runWithTinyexec', () => {
  test('returns output and exit code, and does not throw on a non-zero exit', async () => {
    const result = await runWithTinyexec(process.execPath, ['-e', 'console.log("out"); console.error("err"); process.exit(3)'], {});
    expect(result).toEqual({ stdout: 'out\n', stderr: 'err\n', exitCode: 3 });
  });

  test('kills a process that outlives its time limit, reporting exit code -1', async () => {
    const result = await runWithTinyexec(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { timeoutMs: 200 });
    expect(result.exitCode).toBe(-1);
  });

  test('runs in the given folder with the given environment alone, finding the file on its PATH', async () => {
    const folder = makeTempDir('run-command');
    try {
      const probe = join(folder.path, 'probe');
      writeFileSync(probe, '#!/bin/sh\necho "$(pwd -P) $ONLY ${HOME:-no-home}"\n');
      chmodSync(probe, 0o755);
      const result = await runWithTinyexec('probe', [], { cwd: folder.path, env: { PATH: `${folder.path}:/usr/bin:/bin`, ONLY: 'given' } });
      expect(result).toEqual({ stdout: `${realpathSync(folder.path)} given no-home\n`, stderr: '', exitCode: 0 });
    } finally {
      folder.cleanup();
    }
  });
});
