import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, collectProblems } from '../core/config-error.js';
import { walkFiles } from '../util/walk-files.js';
import type { Workload } from '../workloads/workload.js';

// The BOM is kept: the mounted file must hold the bytes of the source file.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A file's bytes as text, or `undefined` for a binary file: not UTF-8, or holding a NUL byte (as
 * git judges binary files).
 */
function textOf(bytes: Buffer): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Reads the files directly in `directory`, by name: a workload's files as they are mounted.
 *
 * @throws ConfigError naming every binary file: a ConfigMap's `data` holds UTF-8 text, and a binary
 * file in `binaryData` would reach the pods unreviewed (the diff shows text, not bytes)
 */
export function readFolderFiles(directory: string, displayDirectory = directory): Record<string, string> {
  const files = walkFiles(directory, { recursive: false }).filter((file) => file.type === 'file' && !file.path.startsWith('.'));
  if (files.length === 0) throw new ConfigError(`${displayDirectory}: no source files; expected the files the workload mounts`);
  const sources: Record<string, string> = {};
  const problems: string[] = [];
  for (const file of files) {
    const text = textOf(readFileSync(file.absolutePath));
    if (text !== undefined) sources[file.path] = text;
    else
      problems.push(
        `${displayDirectory}/${file.path}: a binary file (not UTF-8 text, or holding a NUL byte); the workload's files reach its pods as ConfigMap text, which reviewers can read: remove it, or ship it in the image`,
      );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return sources;
}

/** Each workload's own `filesFolder`, by workload name, for those that mount files. */
export function filesFolders(workloads: readonly Workload[]): Record<string, string> {
  return Object.fromEntries(
    workloads.flatMap((workload) => (workload.filesFolder === undefined ? [] : [[workload.name, workload.filesFolder]])),
  );
}

/**
 * The files each workload mounts, by workload name, read from `folders` (relative to the working
 * folder, and named as given in messages).
 *
 * @throws ConfigError with one line for each folder that cannot be used
 */
export function readWorkloadFiles(folders: Readonly<Record<string, string>>): Map<string, Readonly<Record<string, string>>> {
  const { results, problems } = collectProblems(
    Object.entries(folders).map(
      ([name, folder]) =>
        () =>
          [name, readFolderFiles(resolve(folder), folder)] as const,
    ),
  );
  if (problems.length > 0) throw new ConfigError(problems);
  return new Map(results);
}
