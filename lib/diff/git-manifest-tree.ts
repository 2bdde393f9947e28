import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { dirname, posix, relative, sep } from 'node:path';
import { x } from 'tinyexec';
import { type WalkedFile, walkFiles } from '../util/walk-files.js';
import { isManifestPath, type ManifestTree, type TreeEntry } from './manifest-tree.js';
import { GitInputError, ManifestParseError } from '../core/errors.js';

/** A git working tree, seen from a folder inside it. */
export interface GitRepository {
  /** The folder git commands run in. */
  readonly directory: string;
  /** That folder's path inside the repository: `''` at the top, otherwise ending in `/`. */
  readonly prefix: string;
}

/** Runs git in `directory`; its exit code and output, whether it failed or not. */
export async function git(
  directory: string,
  args: readonly string[],
  stdin?: string,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  try {
    const result = await x('git', args, {
      nodeOptions: { cwd: directory },
      throwOnError: false,
      ...(stdin === undefined ? {} : { stdin }),
    });
    return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new GitInputError('git is not installed or not on PATH; the diff reads dist/ at a commit with git');
    throw error;
  }
}

/** Opens the repository that holds `directory`. */
export async function openGitRepository(directory: string): Promise<GitRepository> {
  const result = await git(directory, ['rev-parse', '--show-prefix']);
  if (result.exitCode !== 0) {
    throw new GitInputError(
      `${directory} is not inside a git repository (${result.stderr.trim().split('\n')[0] || 'git rev-parse failed'}); run the diff from a clone of the project`,
    );
  }
  return { directory, prefix: result.stdout.trim() };
}

/** The commit `ref` names: a branch, tag, commit or expression such as `HEAD~1`. */
export async function resolveCommit(repository: GitRepository, ref: string): Promise<string> {
  if (ref === '' || ref.startsWith('-'))
    throw new GitInputError(`"${ref}" is not a git ref; expected a branch, tag or commit such as origin/main`);
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
 * The files under `paths` (relative to the repository directory) that differ between `base`
 * and `head`, or the working tree when `head` is undefined, relative to that directory.
 */
export async function changedFiles(
  repository: GitRepository,
  base: string,
  head: string | undefined,
  paths: readonly string[],
): Promise<string[]> {
  const sides = head === undefined ? [base] : [base, head];
  const result = await git(repository.directory, ['diff', '--name-only', '-z', '--no-renames', '--relative', ...sides, '--', ...paths]);
  if (result.exitCode !== 0) throw new Error(`git diff --name-only failed: ${result.stderr.trim()}`);
  return result.stdout.split('\0').filter((path) => path !== '');
}

/** Runs git with raw bytes on stdout: blobs may be binary, and their sizes count bytes. */
function gitBytes(
  directory: string,
  args: readonly string[],
  stdin: string,
): Promise<{ exitCode: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: directory, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.end(stdin);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A file's bytes as text, or a one-line error naming it: Argo CD reads UTF-8 text only. */
function decodeText(bytes: Uint8Array, displayName: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ManifestParseError(`${displayName}: not a text file (binary, or not UTF-8); Argo CD cannot read it either`);
  }
}

/**
 * Where a symlink at `linkPath` (repository-relative) points, repository-relative; `undefined`
 * when that is outside the repository, as Argo CD's out-of-bounds check sees it.
 */
export function resolveSymlink(linkPath: string, target: string): string | undefined {
  if (posix.isAbsolute(target)) return undefined;
  const resolved = posix.normalize(posix.join(posix.dirname(linkPath), target));
  return resolved === '..' || resolved.startsWith('../') ? undefined : resolved;
}

/**
 * The manifests under `distPath` at `commit`, read with `git ls-tree` and `git cat-file --batch`,
 * as Argo CD's directory source sees them: a symlink to a file inside the repository reads as
 * that file; one that points outside is kept as an out-of-bounds symlink, any other symlink as
 * its target, and a submodule as the commit it pins. A commit without that folder gives an
 * empty tree.
 *
 * @param distPath the folder relative to the repository directory, such as `dist`
 * @param where names the commit in messages, such as `origin/main (1a2b3c4)`
 * @throws ManifestParseError naming the file and `where` for a file that is not UTF-8 text
 */
export async function readManifestTreeAtCommit(
  repository: GitRepository,
  commit: string,
  distPath: string,
  where = commit,
): Promise<ManifestTree> {
  const folder = `${repository.prefix}${distPath.replace(/\/+$/, '')}/`;
  const listing = await git(repository.directory, ['ls-tree', '-r', '-z', '--full-tree', commit, '--', folder]);
  if (listing.exitCode !== 0) throw new Error(`git ls-tree ${commit} failed: ${listing.stderr.trim()}`);
  const entries: { path: string; oid: string; symlink: boolean }[] = [];
  const tree = new Map<string, TreeEntry>();
  for (const entry of listing.stdout.split('\0')) {
    const [, mode, type, oid, path] = /^(\d+) (blob|commit) ([0-9a-f]+)\t(.*)$/s.exec(entry) ?? [];
    if (mode === undefined || oid === undefined || path === undefined || !path.startsWith(folder)) continue;
    if (type === 'commit') {
      tree.set(path.slice(folder.length), { submodule: oid });
      continue;
    }
    const symlink = mode === '120000';
    // Argo CD refuses the repository for any out-of-bounds symlink, whatever its name.
    if (symlink || isManifestPath(path)) entries.push({ oid, path, symlink });
  }
  if (entries.length === 0) return tree;
  const blobs = await catFiles(
    repository,
    entries.map((entry) => entry.oid),
  );
  const targets: { path: string; target: string }[] = [];
  for (const [index, entry] of entries.entries()) {
    const path = entry.path.slice(folder.length);
    const displayName = `${distPath}/${path} at ${where}`;
    const text = decodeText(blobs[index]!, displayName);
    if (!entry.symlink) tree.set(path, text);
    else {
      const target = resolveSymlink(entry.path, text);
      if (target === undefined) tree.set(path, { symlink: text });
      else if (isManifestPath(path)) targets.push({ path, target });
      else tree.set(path, { linkTo: text });
    }
  }
  // Symlinks inside the repository read as their targets; one to a folder or to nothing reads as nothing.
  const contents = await catFiles(
    repository,
    targets.map(({ target }) => `${commit}:${target}`),
    true,
  );
  for (const [index, { path }] of targets.entries()) {
    const content = contents[index];
    if (content) tree.set(path, decodeText(content, `${distPath}/${path} at ${where}`));
  }
  return tree;
}

/**
 * The contents of the named objects, by `git cat-file --batch`, in order.
 *
 * @param allowMissing give `undefined` for an object that does not exist or is not a blob
 */
export async function catFiles(repository: GitRepository, names: readonly string[], allowMissing = false): Promise<(Buffer | undefined)[]> {
  if (names.length === 0) return [];
  const batch = await gitBytes(repository.directory, ['cat-file', '--batch'], `${names.join('\n')}\n`);
  if (batch.exitCode !== 0) throw new Error(`git cat-file --batch failed: ${batch.stderr.trim()}`);
  const output = batch.stdout;
  const contents: (Buffer | undefined)[] = [];
  let offset = 0;
  for (const name of names) {
    const newline = output.indexOf(0x0a, offset);
    const header = output.toString('utf8', offset, newline).split(' ');
    if (header[header.length - 1] === 'missing' && allowMissing) {
      contents.push(undefined);
      offset = newline + 1;
      continue;
    }
    const size = Number(header[2]);
    if (!Number.isInteger(size)) throw new Error(`git cat-file --batch: unexpected answer "${header.join(' ')}" for ${name}`);
    contents.push(header[1] === 'blob' ? output.subarray(newline + 1, newline + 1 + size) : undefined);
    offset = newline + 1 + size + 1;
  }
  return contents;
}

/**
 * The manifests under `directory` on disk, read like {@link readManifestTreeAtCommit}; empty when
 * it does not exist.
 *
 * @param root the repository's top folder, which symlinks may not leave
 * @param where names the side in messages, such as `the working tree`
 * @throws ManifestParseError naming the file for one that is not UTF-8 text
 */
export function readManifestTreeFromDirectory(directory: string, root = dirname(directory), where = 'the working tree'): ManifestTree {
  const tree = new Map<string, TreeEntry>();
  let entries: WalkedFile[];
  try {
    entries = walkFiles(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return tree;
    throw error;
  }
  const base = relative(root, directory).split(sep).join('/');
  for (const { path: treePath, absolutePath: path, type } of entries) {
    const displayName = `${base}/${treePath} at ${where}`;
    if (type === 'symlink') {
      const target = readlinkSync(path);
      if (resolveSymlink(`${base}/${treePath}`, target) === undefined) {
        tree.set(treePath, { symlink: target });
        continue;
      }
      if (!isManifestPath(treePath)) {
        tree.set(treePath, { linkTo: target });
        continue;
      }
      if (!existsSync(path) || !statSync(path).isFile()) continue;
    } else if (type !== 'file' || !isManifestPath(treePath)) continue;
    tree.set(treePath, decodeText(readFileSync(path), displayName));
  }
  return tree;
}
