import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { writeFileAtomically } from '../util/write-file-atomically.js';

/**
 * The file in `cacheDir` that keeps synth's YAML renderings and the earlier ConfigMaps it read:
 * named after the versions of cdk8s, of the yaml library it renders with (its own copy, and the
 * one a bundle shares) and of js-yaml, which reads, so an upgrade starts anew.
 *
 * @param projectRoot the folder whose packages synth runs with; not this module's own location,
 * which a compiled entry point shared by copies of the project keeps from the copy it was built in
 */
export function yamlRenderMemoFile(cacheDir: string, projectRoot: string): string {
  const require = createRequire(join(projectRoot, 'package.json'));
  const version = (resolveFrom: NodeJS.Require, name: string) => (resolveFrom(`${name}/package.json`) as { version: string }).version;
  const cdk8s = createRequire(require.resolve('cdk8s'));
  const versions = [
    `cdk8s-${version(require, 'cdk8s')}`,
    `yaml-${version(require, 'yaml')}`,
    `cdk8s-yaml-${version(cdk8s, 'yaml')}`,
    `js-yaml-${version(require, 'js-yaml')}`,
  ];
  return join(cacheDir, `yaml-renders-${versions.join('-')}.json`);
}

/**
 * The results of one pure rendering (an object's YAML, say) kept between runs in one file, each by
 * a hash of its input: a re-synth, whose objects are mostly the same as last time, renders only
 * the new ones. The file's name must change with whatever else decides the result, such as the
 * renderer's version. It is written back only when a run rendered something: the entries it used,
 * then earlier ones up to {@link MAX_ENTRIES}, so runs that alternate between configurations (the
 * bench's, a test's) keep each other's.
 */
export class RenderMemo {
  /** About 1,000 distinct objects of a few KiB each: a few MiB to read at most. */
  public static readonly MAX_ENTRIES = 1000;

  /** The memo kept in `file`; a missing or unreadable file is an empty memo. */
  public static load(file: string): RenderMemo {
    let kept: Record<string, string> = {};
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) kept = parsed as Record<string, string>;
    } catch {
      // No memo yet, or a damaged one: everything is rendered anew.
    }
    return new RenderMemo(file, new Map(Object.entries(kept)));
  }

  /**
   * A memo held in memory only, for a process that synthesizes many times, such as a test worker:
   * its runs share it, and nothing is written. It keeps at most {@link MAX_ENTRIES}, forgetting
   * them all when full.
   */
  public static inMemory(): RenderMemo {
    return new RenderMemo(undefined, new Map());
  }

  private readonly used = new Map<string, string>();
  private rendered = false;

  /** @param file where the memo is kept between runs; none for a memo in memory only */
  private constructor(
    private readonly file: string | undefined,
    private readonly kept: ReadonlyMap<string, string>,
  ) {}

  /** `render()`'s result for `input`, from the memo when it holds it. */
  public get(input: string, render: () => string): string {
    const key = createHash('sha256').update(input).digest('base64url');
    let result = this.used.get(key) ?? this.kept.get(key);
    if (typeof result !== 'string') {
      result = render();
      this.rendered = true;
      if (this.file === undefined && this.used.size >= RenderMemo.MAX_ENTRIES) this.used.clear();
    }
    this.used.set(key, result);
    return result;
  }

  /**
   * Writes the memo back if anything was rendered; a memo in memory only has nothing to write. A
   * memo that cannot be written is left as it was: it only saves time.
   */
  public save(): void {
    if (!this.rendered || this.file === undefined) return;
    try {
      const kept = [...this.used, ...[...this.kept].filter(([key]) => !this.used.has(key))].slice(0, RenderMemo.MAX_ENTRIES);
      writeFileAtomically(this.file, JSON.stringify(Object.fromEntries(kept)));
    } catch {
      // A read-only cache folder: the next run renders again.
    }
  }
}
