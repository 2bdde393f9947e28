import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ConfigError } from '../core/config-error.js';
import { walkFiles } from '../util/walk-files.js';
import { parseYaml } from '../util/yaml-parse.js';
import { isMapping } from '../util/parsed-data.js';
import { GENERATION_ANNOTATION, type PreviousConfigMap, type PreviousOutput } from '../core/config-map-history.js';
import type { RenderMemo } from './render-memo.js';

const CONFIG_MAP_FILE = /^configmap-.+\.yaml$/;

/** The API server's limit for a ConfigMap: a larger file is not one synth wrote. */
const MAX_CONFIG_MAP_FILE_BYTES = 1024 * 1024;

/**
 * Reads every ConfigMap file (`configmap-*.yaml`) under `root`, an earlier output tree. A root
 * that does not exist is an empty history: the first synth into a new folder.
 *
 * @param displayRoot how to name `root` in messages
 * @param options.memo keeps what each file's text holds between runs: parsing the ConfigMaps'
 *   YAML is most of the time this takes
 */
export function readPreviousOutput(root: string, displayRoot = root, options: { readonly memo?: RenderMemo } = {}): PreviousOutput {
  if (!existsSync(root)) return new Map();
  const byFolder = new Map<string, PreviousConfigMap[]>();
  const files = walkFiles(root).filter((file) => file.type === 'file' && CONFIG_MAP_FILE.test(basename(file.path)));
  // Clusters share most ConfigMaps byte for byte: parse each distinct text once.
  const parsed = new Map<string, unknown>();
  for (const { path, absolutePath } of files) {
    const folder = dirname(path);
    const text = readFileSync(absolutePath, 'utf8');
    const file = `${displayRoot}/${path}`;
    const read = () => parsePreviousConfigMap(text, file, parsed);
    // A problem throws before the memo keeps anything, so a kept text is one that read well.
    const content = options.memo
      ? (JSON.parse(options.memo.get(`previous ConfigMap\0${text}`, () => JSON.stringify(read()))) as ConfigMapContent)
      : read();
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), { ...content, file }]);
  }
  return byFolder;
}

/** What a previous ConfigMap file holds: all of {@link PreviousConfigMap} but where it is. */
type ConfigMapContent = Omit<PreviousConfigMap, 'file'>;

function parsePreviousConfigMap(text: string, file: string, parsed: Map<string, unknown>): ConfigMapContent {
  const problem = (what: string) =>
    new ConfigError(
      `${file}: ${what}; expected a ConfigMap as synth writes it (restore the file from Git, or delete it to retire that ConfigMap)`,
    );
  let object: unknown;
  try {
    object = parsed.has(text) ? parsed.get(text) : parseYaml(text, { maxBytes: MAX_CONFIG_MAP_FILE_BYTES });
    parsed.set(text, object);
  } catch (error) {
    throw problem((error as Error).message);
  }
  const metadata = isMapping(object) && object.kind === 'ConfigMap' ? object.metadata : undefined;
  if (!isMapping(object) || !isMapping(metadata) || typeof metadata.name !== 'string') throw problem('no ConfigMap with a metadata.name');
  const data = object.data ?? {};
  if (!isMapping(data) || !Object.values(data).every((value) => typeof value === 'string')) {
    throw problem('field "data" is not a mapping of strings');
  }
  const annotation = isMapping(metadata.annotations) ? metadata.annotations[GENERATION_ANNOTATION] : undefined;
  const generation = annotation === undefined ? 0 : Number(annotation);
  if (!Number.isInteger(generation) || generation < 0) {
    throw problem(`annotation "${GENERATION_ANNOTATION}" is ${JSON.stringify(annotation)}, not a whole number`);
  }
  return { name: metadata.name, data: data as Record<string, string>, generation };
}
