import { type Dirent, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compareStrings } from './stable-order.js';

/** One entry found under a folder. */
export interface WalkedFile {
  /** Relative to the folder walked, `/`-separated on every platform. */
  readonly path: string;
  /** The path to open. */
  readonly absolutePath: string;
  /**
   * A symbolic link is reported as one and never followed; a folder only when not descended into
   * (see `recursive`); `other` is a socket, FIFO or device.
   */
  readonly type: 'file' | 'symlink' | 'directory' | 'other';
}

export interface WalkFilesOptions {
  /**
   * Whether to descend into sub-folders; when not, they are listed as entries of type `directory`.
   *
   * @default true
   */
  readonly recursive?: boolean;

  /**
   * Entries (files or folders, by relative `/`-separated path) to leave out; a folder left out is
   * not read at all.
   *
   * @default - none
   */
  readonly skip?: (path: string) => boolean;
}

/**
 * Every entry under `root`, folders descended into rather than listed, sorted by path in code-unit order (the same
 * order on every machine). Errors reading `root` (such as ENOENT) reach the caller.
 */
export function walkFiles(root: string, options: WalkFilesOptions = {}): WalkedFile[] {
  const found: WalkedFile[] = [];
  const visit = (folder: string, prefix: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = `${prefix}${entry.name}`;
      if (options.skip?.(path)) continue;
      const absolutePath = join(folder, entry.name);
      if (entry.isDirectory() && (options.recursive ?? true)) visit(absolutePath, `${path}/`);
      else found.push({ path, absolutePath, type: typeOf(entry) });
    }
  };
  visit(root, '');
  return found.sort((a, b) => compareStrings(a.path, b.path));
}

function typeOf(entry: Dirent): WalkedFile['type'] {
  if (entry.isFile()) return 'file';
  if (entry.isSymbolicLink()) return 'symlink';
  return entry.isDirectory() ? 'directory' : 'other';
}
