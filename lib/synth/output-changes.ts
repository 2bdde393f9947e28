import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ManifestFile } from './write-manifest-tree.js';

/** A file beside the output tree that synth also writes, such as the rollout workflow. */
export interface WrittenFile {
  readonly path: string;
  readonly content: string;
}

/** What writing a tree would change, read before the write. */
export interface OutputComparison {
  /** Files the write adds, changes or removes (companions included): synth's summary line reports it. */
  readonly changed: number;
  /** Paths inside the tree whose file already holds the new content byte for byte. */
  readonly unchangedFiles: ReadonlySet<string>;
  /** The folder holds exactly the new files and their folders, and every companion its content: the write would change nothing. */
  readonly identical: boolean;
}

/** Compares `outdir` (and `companions` beside it) with what writing `files` would leave there, reading each file once. */
export function compareOutput(outdir: string, files: readonly ManifestFile[], companions: readonly WrittenFile[] = []): OutputComparison {
  const before = new Map<string, string>();
  // Anything but a plain file, or a folder no new file needs, keeps the write from being skipped.
  let stray = 0;
  const folders = new Set(files.flatMap((file) => parentFolders(file.path)));
  const visit = (folder: string, prefix: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = `${prefix}${entry.name}`;
      if (entry.isDirectory()) {
        if (!folders.has(path)) stray++;
        visit(join(folder, entry.name), `${path}/`);
      } else if (entry.isFile()) before.set(path, join(folder, entry.name));
      else stray++;
    }
  };
  if (existsSync(outdir)) visit(outdir, '');
  const unchangedFiles = new Set<string>();
  let changed = 0;
  for (const file of files) {
    const existing = before.get(file.path);
    if (existing !== undefined && readFileSync(existing, 'utf8') === file.content) unchangedFiles.add(file.path);
    else changed++;
    before.delete(file.path);
  }
  for (const companion of companions) {
    if (!existsSync(companion.path) || readFileSync(companion.path, 'utf8') !== companion.content) changed++;
  }
  changed += before.size;
  return { changed, unchangedFiles, identical: changed === 0 && stray === 0 && existsSync(outdir) };
}

/** `a/b/c.yaml` → `a`, `a/b`. */
function parentFolders(path: string): string[] {
  const parts = path.split('/').slice(0, -1);
  return parts.map((_, index) => parts.slice(0, index + 1).join('/'));
}
