import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, collectProblems } from '../core/config-error.js';
import { walkFiles } from '../util/walk-files.js';
import type { Workload } from '../workloads/workload.js';

/** Reads the files directly in `directory`, by name: a workload's files as they are mounted. */
export function readFolderFiles(directory: string, displayDirectory = directory): Record<string, string> {
  const files = walkFiles(directory, { recursive: false }).filter((file) => file.type === 'file' && !file.path.startsWith('.'));
  if (files.length === 0) throw new ConfigError(`${displayDirectory}: no source files; expected the files the workload mounts`);
  return Object.fromEntries(files.map((file) => [file.path, readFileSync(file.absolutePath, 'utf8')]));
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
