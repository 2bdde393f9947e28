import { readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import * as v from 'valibot';
import { analysisSchema } from './analysis-settings.js';
import { collectProblems, ConfigError } from './config-error.js';
import { checkedString, CLOUDS, cloudName, DNS_LABEL, imageReferenceProblem, KUBE_CONTEXT, MAX_REPLICAS, REGION, releaseName } from './fields.js';
import { readYamlFile } from './yaml-file.js';

/** Another cluster's Mandelbrot service: an http(s) base URL, stored without a trailing slash. */
const stageURL = v.pipe(
  v.string('expected a base URL (a string)'),
  v.url('expected a base URL such as https://mandelbrot.gcp.example.com'),
  v.check((url) => /^https?:\/\/[^?#]+$/.test(url), 'expected an http:// or https:// base URL without query or fragment'),
  // The URL lands in a ConfigMap anyone who can read the namespace sees.
  v.check((url) => !URL.canParse(url) || (new URL(url).username === '' && new URL(url).password === ''), 'expected a base URL without user or password'),
  v.transform((url) => url.replace(/\/+$/, '')),
);

const overlaySchema = v.strictObject({
  cloud: cloudName,
  region: v.pipe(v.string('expected a region such as us-east-1 (a string)'), v.regex(REGION, 'expected a region such as us-east-1: lower-case letters, digits and hyphens')),
  image: checkedString('a container image', imageReferenceProblem),
  release: v.optional(releaseName),
  replicas: v.optional(
    v.pipe(
      v.number(`expected a whole number from 2 to ${MAX_REPLICAS}`),
      v.integer(`expected a whole number from 2 to ${MAX_REPLICAS}`),
      v.minValue(2, 'expected at least 2: with fewer, a 50% canary has no stable pod beside it'),
      v.maxValue(MAX_REPLICAS, `expected at most ${MAX_REPLICAS}`),
    ),
  ),
  imagePullSecrets: v.optional(v.array(v.pipe(v.string('expected a Secret name'), v.regex(DNS_LABEL, 'expected a Secret name')), 'expected a list of Secret names')),
  context: v.optional(
    v.pipe(
      v.string('expected a kube context name (a string)'),
      v.regex(KUBE_CONTEXT, 'expected a kube context name: letters, digits and . _ : / @ -, not starting with -, at most 253 characters'),
    ),
  ),
  stageURLs: v.optional(v.record(v.picklist(CLOUDS, `expected a cloud (${CLOUDS.join(', ')}) as the key`), stageURL, 'expected a mapping of cloud to base URL')),
  stageTokenSecret: v.optional(v.pipe(v.string('expected a Secret name'), v.regex(DNS_LABEL, 'expected a Secret name (a lower-case DNS label)'))),
  // Replaces platform.yaml's `analysis` field by field.
  analysis: v.optional(analysisSchema),
});

/** One cluster's settings, as written in `overlays/<cluster>.yaml`. */
export type ClusterOverlayFields = v.InferOutput<typeof overlaySchema>;

/** One cluster: its name (the overlay's file name) and its validated settings. */
export interface ClusterOverlay extends ClusterOverlayFields {
  /** The cluster's name, from the overlay's base name. */
  readonly name: string;
  /** The kube context operators use; defaults to the cluster's name. */
  readonly context: string;
  /** The overlay file, relative to the project, for messages. */
  readonly file: string;
}

const OVERLAY_EXTENSIONS = ['.yaml', '.yml'];

/** Reads and validates one overlay file. */
function loadClusterOverlay(path: string, displayPath = path): ClusterOverlay {
  const name = basename(path, extname(path));
  if (!DNS_LABEL.test(name) || name.length > 40) {
    throw new ConfigError(`${displayPath}: the file name "${name}" is the cluster's name and must be a lower-case DNS label of at most 40 characters (a-z, 0-9, -)`);
  }
  const fields = readYamlFile(path, displayPath, overlaySchema);
  return { ...fields, name, context: fields.context ?? name, file: displayPath };
}

/**
 * Reads every overlay in `directory`, sorted by cluster name so output order is stable.
 *
 * @param displayDirectory how to name the directory in messages
 * @throws ConfigError with every overlay's problems, one line each
 */
export function loadClusterOverlays(directory: string, displayDirectory = directory): ClusterOverlay[] {
  const { overlays, problems } = readClusterOverlays(directory, displayDirectory);
  if (problems.length > 0) throw new ConfigError(problems);
  return overlays;
}

/**
 * Reads every overlay in `directory` and returns the valid ones beside every problem found, so
 * checks across files can still look at the valid ones.
 */
export function readClusterOverlays(directory: string, displayDirectory = directory): { overlays: ClusterOverlay[]; problems: string[] } {
  let entries: string[];
  try {
    entries = readdirSync(directory);
  } catch (error) {
    throw new ConfigError(`${displayDirectory}: cannot be read (${(error as NodeJS.ErrnoException).code}); expected a folder of <cluster>.yaml files`);
  }
  const files = entries.filter((file) => OVERLAY_EXTENSIONS.includes(extname(file))).sort();
  if (files.length === 0) {
    throw new ConfigError(`${displayDirectory}: no cluster overlays found; add one <cluster>.yaml file per cluster`);
  }
  const { results: overlays, problems } = collectProblems(files.map((file) => () => loadClusterOverlay(join(directory, file), join(displayDirectory, file))));
  problems.push(...sharedValueProblems(overlays, (overlay) => overlay.name, (overlay, other) => `${overlay.file}: cluster "${overlay.name}" is also defined by ${other.file}; keep one file per cluster`));
  problems.push(
    ...sharedValueProblems(
      overlays,
      (overlay) => overlay.context,
      (overlay, other) => `${overlay.file}: field "context": "${overlay.context}" is also the kube context of ${other.file}; each cluster needs its own, or operations on one cluster would reach the other`,
    ),
  );
  return { overlays, problems };
}

/** One problem for each overlay whose `key` an earlier overlay already has. */
function sharedValueProblems(overlays: readonly ClusterOverlay[], key: (overlay: ClusterOverlay) => string, problem: (overlay: ClusterOverlay, other: ClusterOverlay) => string): string[] {
  const seen = new Map<string, ClusterOverlay>();
  const problems: string[] = [];
  for (const overlay of overlays) {
    const other = seen.get(key(overlay));
    if (other) problems.push(problem(overlay, other));
    else seen.set(key(overlay), overlay);
  }
  return problems;
}
