// Jest's transform for the TypeScript sources: esbuild strips the types, file by file, into ES
// modules with an inline source map, so a failure names `lib/....ts:line`. Nothing is type-checked
// here; `tsc -p .` does that in `npm run lint`. tsconfig's isolatedModules and verbatimModuleSyntax
// keep every file transformable on its own.
'use strict';
const { createHash } = require('node:crypto');
const { transformSync, version } = require('esbuild');

const OPTIONS = { loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline', keepNames: true };

module.exports = {
  process(source, path) {
    return { code: transformSync(source, { ...OPTIONS, sourcefile: path }).code };
  },
  getCacheKey(source, path) {
    return createHash('sha256')
      .update(`${version}\0${JSON.stringify(OPTIONS)}\0${path}\0${source}`)
      .digest('hex');
  },
};
