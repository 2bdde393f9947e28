import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withOutputLock } from '../../lib/synth/output-lock.js';
import { makeTempDir } from '../support/synth-process.js';

describe('withOutputLock', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let lock: string;
  beforeEach(() => {
    temp = makeTempDir('output-lock');
    lock = join(temp.path, '.dist.lock');
  });
  afterEach(() => temp.cleanup());

  test('holds the lock file, with its process id, while the work runs, and removes it after, also on failure', () => {
    expect(withOutputLock(lock, () => readFileSync(lock, 'utf8'))).toBe(`${process.pid}\n`);
    const nested = join(temp.path, 'not', 'yet', '.dist.lock');
    expect(withOutputLock(nested, () => existsSync(nested))).toBe(true);
    expect(existsSync(lock)).toBe(false);
    expect(() =>
      withOutputLock(lock, () => {
        throw new Error('work failed');
      }),
    ).toThrow('work failed');
    expect(existsSync(lock)).toBe(false);
  });

  test('takes over the lock of a process that is gone', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid!;
    await new Promise((done) => child.once('exit', done));
    writeFileSync(lock, `${pid}\n`);
    expect(withOutputLock(lock, () => 'ran')).toBe('ran');
  });

  test('fails if a running process holds the lock for longer than the timeout, naming the file and the process', () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writeFileSync(lock, `${holder.pid}\n`);
      expect(() => withOutputLock(lock, () => 'ran', { timeoutMs: 300, pollMs: 50 })).toThrow(
        `${lock}: another synth (process ${holder.pid}) has held this lock for over 0.3 s; wait for it to finish, or delete the file if no synth is running`,
      );
      expect(readFileSync(lock, 'utf8')).toBe(`${holder.pid}\n`);
    } finally {
      holder.kill();
    }
  });
});
