// What `tsc -p .` reads, as one key: `npm test` skips the type check when the key is that of the
// last passing one.
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, readdirSync, readFileSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

/**
 * A key over every file under tsconfig.json's `include` (a glob's folder before its first `*`),
 * tsconfig.json itself, and the installed packages (npm rewrites node_modules/.package-lock.json),
 * each by path, size and modification time.
 */
function typeCheckInputsKey(root) {
  const { include } = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8'));
  const paths = ['tsconfig.json', 'package-lock.json', 'node_modules/.package-lock.json'];
  for (const pattern of include) {
    const base = join(root, pattern.split('*')[0]);
    if (!existsSync(base)) continue;
    if (!statSync(base).isDirectory()) paths.push(relative(root, base));
    else
      for (const entry of readdirSync(base, { withFileTypes: true, recursive: true }))
        if (entry.isFile()) paths.push(relative(root, join(entry.parentPath, entry.name)));
  }
  const hash = createHash('sha256');
  for (const path of [...new Set(paths)].sort()) {
    const stat = existsSync(join(root, path)) ? statSync(join(root, path)) : undefined;
    hash.update(`${path}\0${stat?.size}\0${stat?.mtimeMs}\0`);
  }
  return hash.digest('hex');
}

module.exports = { typeCheckInputsKey };
