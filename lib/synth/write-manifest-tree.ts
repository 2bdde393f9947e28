import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ApiObject, App, Chart, Yaml } from 'cdk8s';
import { compareStrings } from '../stable-order.js';
import { ManifestChart } from './manifest-chart.js';

/** One synthesized file: its path inside the tree and its YAML. */
export interface ManifestFile {
  readonly path: string;
  readonly content: string;
}

/** An error from a construct validation, with every failing construct's message. */
export class SynthValidationError extends Error {
  constructor(public readonly errors: readonly string[]) {
    super(`synth stopped: ${errors.length} problem${errors.length === 1 ? '' : 's'} in the constructs:\n  ${errors.join('\n  ')}`);
    this.name = 'SynthValidationError';
  }
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
export function renderManifestTree(app: App): ManifestFile[] {
  const constructs = app.node.findAll();
  const errors = constructs.flatMap((construct) => construct.node.validate().map((error) => `[${construct.node.path}] ${error}`));
  if (errors.length > 0) throw new SynthValidationError(errors);

  const files = new Map<string, string>();
  // Clusters share most objects byte for byte (the source ConfigMaps above all): render each once.
  const yamlByJson = new Map<string, string>();
  const toYaml = (json: unknown): string => {
    const key = JSON.stringify(json);
    let yaml = yamlByJson.get(key);
    if (yaml === undefined) yamlByJson.set(key, (yaml = Yaml.stringify(json)));
    return yaml;
  };
  // Each object on its own: Chart.toJson() would validate the whole app again for every chart.
  for (const object of constructs.filter((child): child is ApiObject => child instanceof ApiObject)) {
    const chart = Chart.of(object);
    const folder = ManifestChart.isManifestChart(chart) ? chart.folder : undefined;
    if (folder === undefined) {
      throw new SynthValidationError([`[${object.node.path}] ${object.kind} ${object.name} is outside any ManifestChart, so it has no folder`]);
    }
    const json = object.toJson();
    const path = `${folder}/${manifestFileName(json)}`;
    if (files.has(path)) throw new SynthValidationError([`[${object.node.path}] a second object would be written to ${path}`]);
    files.set(path, toYaml(json));
  }
  return [...files.keys()].sort(compareStrings).map((path) => ({ path, content: files.get(path)! }));
}

/**
 * Puts `content` at `staged`. A file the current tree already holds byte for byte is hard-linked
 * rather than written: on some disks a link is tens of times cheaper, and most files of a
 * re-synth are unchanged.
 */
function stageFile(current: string, staged: string, content: string): void {
  try {
    if (readFileSync(current, 'utf8') === content) {
      linkSync(current, staged);
      return;
    }
  } catch {
    // No such file yet, or no hard links here: write it.
  }
  writeFileSync(staged, content);
}

/**
 * Replaces `outdir` with exactly `files`, all or nothing: the tree is written to a sibling
 * temporary folder first, so a failure leaves the old tree as it was, and files that are no
 * longer produced (a removed cluster's) disappear.
 */
export function writeManifestTree(outdir: string, files: readonly ManifestFile[]): void {
  const parent = dirname(outdir);
  mkdirSync(parent, { recursive: true });
  const suffix = randomBytes(4).toString('hex');
  const staging = join(parent, `.${basename(outdir)}.new-${suffix}`);
  const retired = join(parent, `.${basename(outdir)}.old-${suffix}`);
  try {
    mkdirSync(staging);
    for (const folder of new Set(files.map((file) => dirname(file.path)))) {
      mkdirSync(join(staging, folder), { recursive: true });
    }
    for (const file of files) stageFile(join(outdir, file.path), join(staging, file.path), file.content);
    if (existsSync(outdir)) renameSync(outdir, retired);
    try {
      renameSync(staging, outdir);
    } catch (error) {
      if (existsSync(retired)) renameSync(retired, outdir);
      throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
    rmSync(retired, { recursive: true, force: true });
  }
}
