import { existsSync, readFileSync } from 'node:fs';
import { walkFiles } from '../util/walk-files.js';
import type { ManifestFile } from './write-manifest-tree.js';

/** A file beside the output tree that synth also writes, such as the rollout workflow. */
export interface WrittenFile {
  readonly path: string;
  readonly content: string;
}

/**
 * How many files writing `files` into `outdir` (and `companions` beside it) adds, changes or
 * removes, read before the write: synth's summary line reports it.
 */
export function countChangedFiles(outdir: string, files: readonly ManifestFile[], companions: readonly WrittenFile[] = []): number {
  const before = new Map(
    existsSync(outdir)
      ? walkFiles(outdir)
          .filter((file) => file.type === 'file')
          .map((file) => [file.path, file.absolutePath] as const)
      : [],
  );
  let changed = 0;
  for (const file of files) {
    const existing = before.get(file.path);
    if (existing === undefined || readFileSync(existing, 'utf8') !== file.content) changed++;
    before.delete(file.path);
  }
  for (const companion of companions) {
    if (!existsSync(companion.path) || readFileSync(companion.path, 'utf8') !== companion.content) changed++;
  }
  return changed + before.size;
}
