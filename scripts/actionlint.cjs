#!/usr/bin/env node
// `npm run lint:workflows`: actionlint on every workflow in .github/workflows. The release is pinned
// by tools/actionlint/go.mod; the first run builds it from the Go module proxy into
// ${XDG_CACHE_HOME:-~/.cache}/trinity-delivery/tools/, keyed by that module, so a version bump
// builds again and the repository never holds a binary.
'use strict';
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } = require('node:fs');
const { homedir } = require('node:os');
const { join, relative } = require('node:path');

const USAGE = `Usage: npm run lint:workflows

Runs actionlint, as pinned by tools/actionlint/go.mod, on every workflow in .github/workflows.
The first run builds it with Go (1.24 or later) from the Go module proxy into the user's cache.
Exit codes: 0 no problem, 1 problems found, 2 bad usage or no Go.`;

const root = join(__dirname, '..');
const moduleDir = join(root, 'tools', 'actionlint');

function main(args) {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  if (args.length > 0) {
    console.error(`error: unknown argument ${JSON.stringify(args[0])}; npm run lint:workflows takes none (--help for usage)`);
    return 2;
  }
  const binary = ensureActionlint();
  if (binary === undefined) return 2;
  const folder = join(root, '.github', 'workflows');
  const workflows = readdirSync(folder)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => relative(root, join(folder, name)));
  console.error(`actionlint: checking ${workflows.join(', ')}`);
  const result = spawnSync(binary, workflows, { cwd: root, stdio: 'inherit' });
  return result.status === 0 ? 0 : 1;
}

/** The cached actionlint binary, built first when missing; undefined, with one line said, when Go cannot build it. */
function ensureActionlint() {
  const pin = ['go.mod', 'go.sum'].map((file) => readFileSync(join(moduleDir, file))).join('\0');
  const version = /github\.com\/rhysd\/actionlint (v[^\s]+)/.exec(pin)?.[1] ?? 'unknown';
  const key = createHash('sha256').update(pin).digest('hex').slice(0, 16);
  const cacheRoot = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'trinity-delivery', 'tools');
  const dir = join(cacheRoot, `actionlint-${version}-${key}`);
  const binary = join(dir, 'actionlint');
  if (existsSync(binary)) return binary;

  console.error(`actionlint: building ${version} from the Go module proxy into ${dir} (once)`);
  mkdirSync(cacheRoot, { recursive: true });
  // Built beside its place and renamed into it, so a concurrent or interrupted build never leaves half a binary.
  const work = mkdtempSync(`${dir}.building-`);
  try {
    const build = spawnSync('go', ['build', '-trimpath', '-o', `${work}/`, 'tool'], {
      cwd: moduleDir,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (build.error?.code === 'ENOENT') {
      console.error('error: go: not found; npm run lint:workflows builds actionlint with Go 1.24 or later (https://go.dev/dl/)');
      return undefined;
    }
    if (build.status !== 0) {
      console.error(`error: go build of actionlint ${version} failed (above); tools/actionlint/go.mod pins it`);
      return undefined;
    }
    if (!existsSync(binary)) renameSync(work, dir);
    return binary;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = main(process.argv.slice(2));
