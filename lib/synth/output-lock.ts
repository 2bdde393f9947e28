import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../core/config-error.js';
import { isProcessRunning } from '../util/process-alive.js';

export interface OutputLockProps {
  /**
   * How long to wait for another synth that holds the lock before giving up.
   *
   * @default 60000 (a synth of 100 clusters takes about a second)
   */
  readonly timeoutMs?: number;

  /**
   * How often to look again while waiting.
   *
   * @default 100
   */
  readonly pollMs?: number;
}

/**
 * Holds the lock file at `path` while `work` runs, so synths into one folder run one after
 * another. The file holds the holder's process id: a lock whose process is gone (a killed synth)
 * is taken over; one held by a live process is waited for, up to `timeoutMs`.
 *
 * @throws ConfigError when the lock stays held for longer than `timeoutMs`
 */
export function withOutputLock<T>(path: string, work: () => T, props: OutputLockProps = {}): T {
  acquire(path, props.timeoutMs ?? 60_000, props.pollMs ?? 100);
  try {
    return work();
  } finally {
    rmSync(path, { force: true });
  }
}

function acquire(path: string, timeoutMs: number, pollMs: number): void {
  // The lock sits beside the output, whose parent a first synth may still have to create.
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const descriptor = openSync(path, 'wx');
      try {
        writeSync(descriptor, `${process.pid}\n`);
      } finally {
        closeSync(descriptor);
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(path);
    if (holder !== undefined && !isProcessRunning(holder)) {
      // A synth that was killed: its lock protects nothing any more.
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new ConfigError(
        `${path}: another synth${holder === undefined ? '' : ` (process ${holder})`} has held this lock for over ${timeoutMs / 1000} s; wait for it to finish, or delete the file if no synth is running`,
      );
    }
    sleep(pollMs);
  }
}

/** The process id in the lock file, or `undefined` while its holder has not written it yet. */
function readHolder(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
