#!/usr/bin/env node
// `npm test`: the type check and the tests at once. Jest strips types without checking them, so
// `tsc -p .` runs beside it, incremental (its state under node_modules/.cache, so a warm run checks
// only what changed); its errors print once both are done, and either failing fails the run.
// Even with nothing changed, tsc reads and binds every file, about 12 s of CPU: a run whose
// type-check inputs (scripts/type-check-inputs.cjs) are those of the last passing check skips it.
// Arguments go to jest: `npm test -- test/diff`.
//
// The tests copy the project and make Git repositories by the hundred, and on a disk each file
// created or removed costs about a millisecond here: jest gets a temporary folder of its own on a
// tmpfs (/dev/shm) when there is one, where the same work costs a fraction. It is removed when the
// run ends, so nothing a test leaves there outlives the run.
'use strict';
const { spawn } = require('node:child_process');
const { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { dirname, join } = require('node:path');
const { typeCheckInputsKey } = require('./type-check-inputs.cjs');

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
const children = [];
// Stopped, the run stops jest and tsc with their workers (each leads a process group of its own),
// waits for them, and then removes the folder.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // Ended already.
      }
    }
  });
}

/** Runs node with `args` in the project; resolves to its exit code. */
function run(args, stdio) {
  const child = spawn(process.execPath, args, { cwd: root, stdio, detached: true, env: { ...process.env, TMPDIR: scratch } });
  children.push(child);
  const done = new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  return { child, done };
}

const TYPE_CHECK_CACHE = join(root, 'node_modules/.cache/tsc');
const PASSED_KEY_FILE = join(TYPE_CHECK_CACHE, 'passed.key');

const inputsKey = typeCheckInputsKey(root);
const typeCheckCurrent = existsSync(PASSED_KEY_FILE) && readFileSync(PASSED_KEY_FILE, 'utf8') === inputsKey;
const tsc = typeCheckCurrent
  ? { done: Promise.resolve(0) }
  : run(
      [
        require.resolve('typescript/bin/tsc'),
        '-p',
        '.',
        '--incremental',
        '--tsBuildInfoFile',
        join(TYPE_CHECK_CACHE, 'tsconfig.tsbuildinfo'),
      ],
      ['ignore', 'pipe', 'pipe'],
    );
if (typeCheckCurrent) console.error('npm test: tsc -p . skipped: no file it reads changed since it last passed');
let typeErrors = '';
tsc.child?.stdout.on('data', (chunk) => (typeErrors += chunk));
tsc.child?.stderr.on('data', (chunk) => (typeErrors += chunk));

const jest = run([join(root, 'node_modules/jest/bin/jest.js'), '--ci', ...process.argv.slice(2)], 'inherit');

Promise.all([tsc.done, jest.done]).then(([tscCode, jestCode]) => {
  // A worker stopped by a signal may still be writing there for a moment.
  rmSync(scratch, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  if (tscCode === 0 && !typeCheckCurrent) {
    mkdirSync(dirname(PASSED_KEY_FILE), { recursive: true });
    writeFileSync(PASSED_KEY_FILE, inputsKey);
  }
  if (tscCode !== 0) {
    process.stderr.write(typeErrors);
    console.error(`npm test: tsc -p . failed (exit ${tscCode})`);
  }
  process.exitCode = tscCode !== 0 ? 1 : jestCode;
});
