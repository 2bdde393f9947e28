import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { x } from 'tinyexec';
import { UsageError } from '../command-line-errors.js';
import { isManifestPath, ManifestTree } from './manifest-tree.js';

/** Bad input from the user: not a repository, an unknown ref. The message says which and why; exit code 2. */
export class GitInputError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'GitInputError';
  }
}

/** A git working tree, seen from a folder inside it. */
export interface GitRepository {
  /** The folder git commands run in. */
  readonly directory: string;
  /** That folder's path inside the repository: `''` at the top, otherwise ending in `/`. */
  readonly prefix: string;
}

async function git(directory: string, args: readonly string[], stdin?: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  try {
    const result = await x('git', args, { nodeOptions: { cwd: directory }, throwOnError: false, ...(stdin === undefined ? {} : { stdin }) });
    return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new GitInputError('git is not installed or not on PATH; the diff reads dist/ at a commit with git');
    throw error;
  }
}

/** Opens the repository that holds `directory`. */
export async function openGitRepository(directory: string): Promise<GitRepository> {
  const result = await git(directory, ['rev-parse', '--show-prefix']);
  if (result.exitCode !== 0) {
    throw new GitInputError(`${directory} is not inside a git repository (${result.stderr.trim().split('\n')[0] || 'git rev-parse failed'}); run the diff from a clone of the project`);
  }
  return { directory, prefix: result.stdout.trim() };
}

/** The commit `ref` names: a branch, tag, commit or expression such as `HEAD~1`. */
export async function resolveCommit(repository: GitRepository, ref: string): Promise<string> {
  if (ref === '' || ref.startsWith('-')) throw new GitInputError(`"${ref}" is not a git ref; expected a branch, tag or commit such as origin/main`);
  const result = await git(repository.directory, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  if (result.exitCode !== 0) {
    const shallow = (await git(repository.directory, ['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true';
    throw new GitInputError(
      `unknown git ref "${ref}": no branch, tag or commit by that name in this repository` +
        (shallow ? ' (the clone is shallow: fetch the ref first, or clone with more history, e.g. fetch-depth: 0)' : ''),
    );
  }
  return result.stdout.trim();
}

/**
 * The manifests under `distPath` at `commit`, read with `git ls-tree` and one `git cat-file --batch`.
 * A commit without that folder gives an empty tree.
 *
 * @param distPath the folder relative to the repository directory, such as `dist`
 */
export async function readManifestTreeAtCommit(repository: GitRepository, commit: string, distPath: string): Promise<ManifestTree> {
  const folder = `${repository.prefix}${distPath.replace(/\/+$/, '')}/`;
  const listing = await git(repository.directory, ['ls-tree', '-r', '-z', '--full-tree', commit, '--', folder]);
  if (listing.exitCode !== 0) throw new Error(`git ls-tree ${commit} failed: ${listing.stderr.trim()}`);
  const blobs: { path: string; oid: string }[] = [];
  for (const entry of listing.stdout.split('\0')) {
    const match = entry.match(/^\d+ blob ([0-9a-f]+)\t(.*)$/s);
    if (match && match[2].startsWith(folder) && isManifestPath(match[2])) blobs.push({ oid: match[1], path: match[2].slice(folder.length) });
  }
  const tree = new Map<string, string>();
  if (blobs.length === 0) return tree;
  const batch = await git(repository.directory, ['cat-file', '--batch'], `${blobs.map((blob) => blob.oid).join('\n')}\n`);
  if (batch.exitCode !== 0) throw new Error(`git cat-file --batch failed: ${batch.stderr.trim()}`);
  // Sizes in the headers count bytes: back to bytes (the files are UTF-8 YAML).
  const output = Buffer.from(batch.stdout, 'utf8');
  let offset = 0;
  for (const blob of blobs) {
    const newline = output.indexOf(0x0a, offset);
    const header = output.toString('utf8', offset, newline).split(' ');
    const size = Number(header[2]);
    if (header[0] !== blob.oid || header[1] !== 'blob' || !Number.isInteger(size)) {
      throw new Error(`git cat-file --batch: unexpected answer "${header.join(' ')}" for ${blob.path}; is the file UTF-8?`);
    }
    tree.set(blob.path, output.toString('utf8', newline + 1, newline + 1 + size));
    offset = newline + 1 + size + 1;
  }
  return tree;
}

/** The manifests under `directory` on disk; empty when it does not exist. */
export function readManifestTreeFromDirectory(directory: string): ManifestTree {
  const tree = new Map<string, string>();
  let entries: string[];
  try {
    entries = readdirSync(directory, { recursive: true, encoding: 'utf8' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return tree;
    throw error;
  }
  for (const entry of entries.sort()) {
    const path = join(directory, entry);
    if (isManifestPath(entry) && statSync(path).isFile()) tree.set(relative(directory, path).split(sep).join('/'), readFileSync(path, 'utf8'));
  }
  return tree;
}
