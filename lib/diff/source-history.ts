import { posix } from 'node:path';
import { GENERATION_ANNOTATION } from '../core/config-map-history.js';
import { isMapping } from '../util/parsed-data.js';
import { compareStrings } from '../util/stable-order.js';
import { parseYaml } from '../util/yaml-parse.js';
import { catFiles, git, type GitRepository } from './git-manifest-tree.js';

/**
 * One version of a source ConfigMap family, as `VersionedConfigMap` writes it: a ConfigMap named
 * `<baseName>-<hash>` carrying the generation in which it last became the version pods mount.
 */
export interface SourceVersion {
  /** Its file inside dist/, such as `aws/mandelbrot/configmap-mandelbrot-source-0fba195b8c.yaml`. */
  readonly file: string;
  readonly baseName: string;
  readonly name: string;
  readonly generation: number;
}

const VERSION_NAME = /^(.+)-[0-9a-f]{6,64}$/;
const CONFIG_MAP_FILE = /(^|\/)configmap-[^/]+\.yaml$/;

/** Whether synth would have written a ConfigMap to `path`: `configmap-<name>.yaml`. */
export const isConfigMapFile = (path: string): boolean => CONFIG_MAP_FILE.test(path);

/** The source version `data` (read from `file`) is, or `undefined` for any other object. */
export function sourceVersionOf(file: string, data: unknown): SourceVersion | undefined {
  if (!isMapping(data) || data.kind !== 'ConfigMap' || !isMapping(data.metadata)) return undefined;
  const { name, annotations } = data.metadata;
  const annotation = isMapping(annotations) ? annotations[GENERATION_ANNOTATION] : undefined;
  const baseName = typeof name === 'string' ? VERSION_NAME.exec(name)?.[1] : undefined;
  if (typeof name !== 'string' || baseName === undefined || typeof annotation !== 'string' || !/^\d+$/.test(annotation)) return undefined;
  return { file, baseName, name, generation: Number(annotation) };
}

/** A family: the versions of one base name in one folder. */
export const familyOf = (version: SourceVersion): string => `${posix.dirname(version.file)}\0${version.baseName}`;

/**
 * The versions pods mount: in each family, the one with the highest generation (synth gives the
 * current version the highest). Versions written before generations were recorded tie at 0, and
 * each counts as current.
 */
export function currentVersions(versions: readonly SourceVersion[]): SourceVersion[] {
  const highest = new Map<string, number>();
  for (const version of versions) highest.set(familyOf(version), Math.max(highest.get(familyOf(version)) ?? 0, version.generation));
  return versions.filter((version) => version.generation === highest.get(familyOf(version)));
}

/** The source version a ConfigMap file holds; `undefined` for another file, or one that does not parse. */
function parseSourceVersion(file: string, text: string): SourceVersion | undefined {
  if (!isConfigMapFile(file)) return undefined;
  try {
    return sourceVersionOf(file, parseYaml(text));
  } catch {
    return undefined;
  }
}

/** The source versions among files of a tree (path inside dist/ and text), sorted by file. */
export function sourceVersionsOf(files: Iterable<readonly [string, string]>): SourceVersion[] {
  return [...files].flatMap(([file, text]) => parseSourceVersion(file, text) ?? []).sort((a, b) => compareStrings(a.file, b.file));
}

/** The source versions of dist/ at each commit, read through git; each ConfigMap blob is parsed once. */
export class SourceHistory {
  private readonly blobs = new Map<string, SourceVersion | undefined>();

  /**
   * @param distPath the manifest folder, relative to the repository's directory
   */
  constructor(
    private readonly repository: GitRepository,
    private readonly distPath: string,
  ) {}

  private get folder(): string {
    return `${this.repository.prefix}${this.distPath.replace(/\/+$/, '')}/`;
  }

  /**
   * The commits on `from`'s first-parent line that changed dist/, newest first; at most `limit`.
   * On a pull request's merge commit that line is the base branch: commits already reviewed.
   */
  public async commits(from: string, limit?: number): Promise<string[]> {
    const args = ['rev-list', '--first-parent', ...(limit === undefined ? [] : [`--max-count=${limit}`]), from, '--', this.folder];
    const result = await git(this.repository.directory, args);
    if (result.exitCode !== 0) throw new Error(`git rev-list ${from} failed: ${result.stderr.trim()}`);
    return result.stdout.split('\n').filter((line) => line !== '');
  }

  /** Whether the clone is shallow, so that its history ends early. */
  public async isShallow(): Promise<boolean> {
    return (await git(this.repository.directory, ['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true';
  }

  /** The source versions in dist/ at `commit`. */
  public async versionsAt(commit: string): Promise<SourceVersion[]> {
    const listing = await git(this.repository.directory, ['ls-tree', '-r', '-z', '--full-tree', commit, '--', this.folder]);
    if (listing.exitCode !== 0) throw new Error(`git ls-tree ${commit} failed: ${listing.stderr.trim()}`);
    const entries: { file: string; oid: string }[] = [];
    for (const entry of listing.stdout.split('\0')) {
      const [, oid, path] = /^100\d{3} blob ([0-9a-f]+)\t(.*)$/s.exec(entry) ?? [];
      if (oid && path?.startsWith(this.folder) && isConfigMapFile(path)) entries.push({ file: path.slice(this.folder.length), oid });
    }
    // Clusters and commits share most blobs: each is read and parsed once.
    const unread = new Map(entries.filter((entry) => !this.blobs.has(entry.oid)).map((entry) => [entry.oid, entry.file]));
    const contents = await catFiles(this.repository, [...unread.keys()]);
    [...unread].forEach(([oid, file], index) => this.blobs.set(oid, parseSourceVersion(file, contents[index]?.toString('utf8') ?? '')));
    return entries.flatMap(({ file, oid }) => {
      const version = this.blobs.get(oid);
      return version ? [{ ...version, file }] : [];
    });
  }
}
