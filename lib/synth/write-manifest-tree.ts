import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ApiObject, type App, Chart, Yaml } from 'cdk8s';
import { compareStrings } from '../util/stable-order.js';
import { ManifestChart } from './manifest-chart.js';
import type { RenderMemo } from './render-memo.js';
import { SynthValidationError } from '../core/errors.js';

/** One synthesized file: its path inside the tree and its YAML. */
export interface ManifestFile {
  readonly path: string;
  readonly content: string;
}

/** `<kind>-<name>.yaml`, lower-case: one object per file, so moving an object changes its file only. */
export function manifestFileName(object: { kind: string; metadata: { name: string } }): string {
  return `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
}

/**
 * Validates every construct, then renders each {@link ManifestChart} as one YAML file per object
 * under the chart's folder. Files are sorted by path, so the result does not depend on
 * construction order.
 */
export function renderManifestTree(app: App, options: { readonly memo?: RenderMemo } = {}): ManifestFile[] {
  const constructs = app.node.findAll();
  const errors = constructs.flatMap((construct) => construct.node.validate().map((error) => `[${construct.node.path}] ${error}`));
  if (errors.length > 0) throw new SynthValidationError(errors);

  const files = new Map<string, string>();
  // Clusters share most objects byte for byte (the source ConfigMaps above all): render each once.
  const yamlByJson = new Map<string, string>();
  const toYaml = (json: unknown): string => {
    const key = JSON.stringify(json);
    let yaml = yamlByJson.get(key);
    if (yaml === undefined) {
      const render = () => Yaml.stringify(json);
      yamlByJson.set(key, (yaml = options.memo ? options.memo.get(key, render) : render()));
    }
    return yaml;
  };
  // Each object on its own: Chart.toJson() would validate the whole app again for every chart.
  for (const object of constructs.filter((child): child is ApiObject => child instanceof ApiObject)) {
    const chart = Chart.of(object);
    const folder = ManifestChart.isManifestChart(chart) ? chart.folder : undefined;
    if (folder === undefined) {
      throw new SynthValidationError([
        `[${object.node.path}] ${object.kind} ${object.name} is outside any ManifestChart, so it has no folder`,
      ]);
    }
    const json = object.toJson() as Parameters<typeof manifestFileName>[0];
    const path = `${folder}/${manifestFileName(json)}`;
    if (files.has(path)) throw new SynthValidationError([`[${object.node.path}] a second object would be written to ${path}`]);
    files.set(path, toYaml(json));
  }
  return [...files.keys()].sort(compareStrings).map((path) => ({ path, content: files.get(path)! }));
}

/**
 * Puts `content` at `staged`. A file the current tree already holds byte for byte is hard-linked
 * rather than written: on some disks a link is tens of times cheaper, and most files of a
 * re-synth are unchanged. `same` is what the caller already knows of the current file, if it compared it.
 */
function stageFile(current: string, staged: string, content: string, same?: boolean): void {
  try {
    if (same ?? readFileSync(current, 'utf8') === content) {
      linkSync(current, staged);
      return;
    }
  } catch {
    // No such file yet, or no hard links here: write it.
  }
  writeFileSync(staged, content);
}

/** A file written beside the tree and replaced together with it, such as the generated workflow. */
export interface CompanionFile {
  /** Its absolute path. */
  readonly path: string;
  readonly content: string;
}

export interface WriteManifestTreeProps {
  /**
   * Files outside the tree that are replaced in the same step: either the new tree and all of
   * them are in place, or the old tree and the old files.
   *
   * @default - none
   */
  readonly companions?: readonly CompanionFile[];

  /**
   * Removes a folder or file that is no longer needed.
   *
   * @default - `rmSync` with `recursive` and `force`
   */
  readonly remove?: (path: string) => void;

  /**
   * What the caller found in place before the write (see `compareOutput`): files known to be
   * unchanged are linked without being read again, and an identical output is left as it is.
   *
   * @default - each current file is read and compared
   */
  readonly current?: { readonly unchangedFiles: ReadonlySet<string>; readonly identical: boolean };
}

/** What {@link writeManifestTree} could not tidy up; the new tree is in place all the same. */
export interface WriteManifestTreeResult {
  /** One line each, such as a retired tree that could not be removed. */
  readonly warnings: readonly string[];
}

const removeRecursively = (path: string) => rmSync(path, { recursive: true, force: true });

/** The staging (`.<name>.new-*`) and retired (`.<name>.old-*`) siblings writes of `path` leave behind when killed. */
function leftoversOf(path: string): string[] {
  const folder = dirname(path);
  const prefix = `.${basename(path)}.`;
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.startsWith(prefix) && /^\.(new|old)-[0-9a-f]+$/.test(name.slice(prefix.length - 1)))
    .map((name) => join(folder, name));
}

/**
 * Replaces `outdir` with exactly `files`, and each companion file with its content, all or
 * nothing. Everything is written to sibling temporary names first; then the old tree is moved
 * aside, the new one moved in, and the companions renamed over theirs. A failure up to the last
 * rename puts the old tree and files back and rethrows. Only after that are the old tree and
 * the leftovers of killed runs removed: a failure there is a warning, since the new output is
 * complete. Callers serialize writes to one outdir (see `withOutputLock`).
 */
export function writeManifestTree(
  outdir: string,
  files: readonly ManifestFile[],
  props: WriteManifestTreeProps = {},
): WriteManifestTreeResult {
  const remove = props.remove ?? removeRecursively;
  const companions = props.companions ?? [];
  const parent = dirname(outdir);
  mkdirSync(parent, { recursive: true });
  const suffix = randomBytes(4).toString('hex');
  const aside = (path: string, kind: 'new' | 'old') => join(dirname(path), `.${basename(path)}.${kind}-${suffix}`);
  const leftovers = [outdir, ...companions.map((companion) => companion.path)].flatMap(leftoversOf);
  const staging = aside(outdir, 'new');
  const retired = aside(outdir, 'old');
  const warnings: string[] = [];
  const tidy = (path: string) => {
    try {
      remove(path);
    } catch (error) {
      warnings.push(
        `${path} could not be removed (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); delete it by hand, or let the next synth try again`,
      );
    }
  };

  // Nothing to replace: the tree and its companions stay, so no reader ever sees them move.
  if (props.current?.identical) {
    for (const path of leftovers) tidy(path);
    return { warnings };
  }

  let swapped = false;
  const replacedCompanions: CompanionFile[] = [];
  try {
    mkdirSync(staging);
    for (const folder of new Set(files.map((file) => dirname(file.path)))) {
      mkdirSync(join(staging, folder), { recursive: true });
    }
    const same = (path: string) => (props.current === undefined ? undefined : props.current.unchangedFiles.has(path));
    for (const file of files) stageFile(join(outdir, file.path), join(staging, file.path), file.content, same(file.path));
    for (const companion of companions) {
      mkdirSync(dirname(companion.path), { recursive: true });
      writeFileSync(aside(companion.path, 'new'), companion.content);
    }

    if (existsSync(outdir)) renameSync(outdir, retired);
    try {
      renameSync(staging, outdir);
    } catch (error) {
      if (existsSync(retired)) renameSync(retired, outdir);
      throw error;
    }
    swapped = true;
    for (const companion of companions) {
      if (existsSync(companion.path)) linkSync(companion.path, aside(companion.path, 'old'));
      renameSync(aside(companion.path, 'new'), companion.path);
      replacedCompanions.push(companion);
    }
  } catch (error) {
    if (swapped) putBack(outdir, staging, retired, replacedCompanions, aside);
    for (const path of [staging, ...companions.flatMap((companion) => [aside(companion.path, 'new'), aside(companion.path, 'old')])])
      tidy(path);
    throw error;
  }
  for (const path of [retired, ...companions.map((companion) => aside(companion.path, 'old')), ...leftovers]) tidy(path);
  return { warnings };
}

/** Undoes a swap: the old tree back at `outdir`, the replaced companions back from their saved links. */
function putBack(
  outdir: string,
  staging: string,
  retired: string,
  companions: readonly CompanionFile[],
  aside: (path: string, kind: 'new' | 'old') => string,
): void {
  for (const companion of companions) {
    const saved = aside(companion.path, 'old');
    if (existsSync(saved)) renameSync(saved, companion.path);
    else rmSync(companion.path, { force: true });
  }
  renameSync(outdir, staging);
  if (existsSync(retired)) renameSync(retired, outdir);
}
