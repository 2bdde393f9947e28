#!/usr/bin/env node
// `npm test`: the type check and the tests at once. Jest strips types without checking them, so
// `tsc -p .` runs beside it, incremental (its state under node_modules/.cache, so a warm run checks
// only what changed); its errors print once both are done, and either failing fails the run.
// Arguments go to jest: `npm test -- test/diff`.
'use strict';
const { spawn } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');

/** Runs node with `args` in the project; resolves to its exit code. */
function run(args, stdio) {
  const child = spawn(process.execPath, args, { cwd: root, stdio });
  const done = new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  return { child, done };
}

const tsc = run(
  [require.resolve('typescript/bin/tsc'), '-p', '.', '--incremental', '--tsBuildInfoFile', 'node_modules/.cache/tsc/tsconfig.tsbuildinfo'],
  ['ignore', 'pipe', 'pipe'],
);
let typeErrors = '';
tsc.child.stdout.on('data', (chunk) => (typeErrors += chunk));
tsc.child.stderr.on('data', (chunk) => (typeErrors += chunk));

const jest = run(
  [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    join(root, 'node_modules/jest/bin/jest.js'),
    '--ci',
    ...process.argv.slice(2),
  ],
  'inherit',
);

Promise.all([tsc.done, jest.done]).then(([tscCode, jestCode]) => {
  if (tscCode !== 0) {
    process.stderr.write(typeErrors);
    console.error(`npm test: tsc -p . failed (exit ${tscCode})`);
  }
  process.exitCode = tscCode !== 0 ? 1 : jestCode;
});
