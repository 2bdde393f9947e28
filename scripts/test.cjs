#!/usr/bin/env node
// `npm test`: every unit test, with jest. Jest strips types without checking them; `npm run lint`
// type-checks (`tsc -p .`). Arguments go to jest: `npm test -- test/diff`.
//
// The tests copy the project and make Git repositories by the hundred, and on a disk each file
// created or removed costs about a millisecond here: jest gets a temporary folder of its own on a
// tmpfs (/dev/shm) when there is one, where the same work costs a fraction. It is removed when the
// run ends, so nothing a test leaves there outlives the run.
'use strict';
const { spawn } = require('node:child_process');
const { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } = require('node:fs');
const { tmpdir, userInfo } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..');

/** A new folder under the first of /dev/shm and the system's temporary folder that takes one. */
function scratchFolder() {
  for (const base of ['/dev/shm', tmpdir()]) {
    try {
      return mkdtempSync(join(base, 'trinity-tests-'));
    } catch {
      // Not there, or not writable: the next.
    }
  }
  throw new Error(`npm test: cannot create a temporary folder under /dev/shm or ${tmpdir()}`);
}

const scratch = scratchFolder();
// tsx keeps what it has transformed under $TMPDIR/tsx-<user>, keyed by each file's content: a
// link to a folder beside jest's cache keeps it between runs, which otherwise transform every
// file again in each worker.
const transformCache = join(root, 'node_modules', '.cache', 'tsx');
mkdirSync(transformCache, { recursive: true });
symlinkSync(transformCache, join(scratch, `tsx-${process.geteuid?.() ?? userInfo().username}`));

/**
 * Keeps the newest `limit` of tsx's transforms: tests that load a copy of the project under a new
 * folder add a hundred or so each run, which tsx itself would keep for a week.
 */
function pruneTransformCache(limit) {
  const names = readdirSync(transformCache);
  if (names.length <= limit) return;
  const age = (name) => {
    try {
      return statSync(join(transformCache, name)).mtimeMs;
    } catch {
      return 0;
    }
  };
  const oldestFirst = names.map((name) => ({ name, mtime: age(name) })).sort((a, b) => a.mtime - b.mtime);
  for (const { name } of oldestFirst.slice(0, names.length - limit)) rmSync(join(transformCache, name), { force: true });
}

// The tests reach only 127.0.0.1, with certificates they make themselves, but Node reads and
// parses every certificate NODE_EXTRA_CA_CERTS names each time it starts (80 ms on a 2-core
// machine whose system bundle it names), and the tests start a hundred Node processes.
const env = { ...process.env, TMPDIR: scratch };
delete env.NODE_EXTRA_CA_CERTS;

// Jest leads a process group of its own, with its workers: stopped, the run stops the group,
// waits for jest, and then removes the folder.
const jest = spawn(process.execPath, [join(root, 'node_modules/jest/bin/jest.js'), '--ci', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  detached: true,
  env,
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    try {
      process.kill(-jest.pid, signal);
    } catch {
      // Ended already.
    }
  });
}
jest.on('close', (code) => {
  // A worker stopped by a signal may still be writing there for a moment.
  rmSync(scratch, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  pruneTransformCache(2000);
  process.exitCode = code ?? 1;
});
