import { readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import * as v from 'valibot';
import { ConfigError } from './config-error.js';
import { CLOUDS, cloudName, DNS_LABEL, nonEmptyString, releaseName } from './fields.js';
import { readYamlFile } from './yaml-file.js';

/** True when `image` names a tag other than `latest`, or a sha256 digest. */
export function isPinnedImage(image: string): boolean {
  const digest = image.match(/@sha256:([0-9a-f]+)$/);
  if (digest) return digest[1].length === 64;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  if (colon < 0) return false;
  const tag = lastSegment.slice(colon + 1);
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag) && tag !== 'latest';
}

/** Another cluster's Mandelbrot service: an http(s) base URL, stored without a trailing slash. */
const stageURL = v.pipe(
  v.string('expected a base URL (a string)'),
  v.url('expected a base URL such as https://mandelbrot.gcp.example.com'),
  v.check((url) => /^https?:\/\/[^?#]+$/.test(url), 'expected an http:// or https:// base URL without query or fragment'),
  v.transform((url) => url.replace(/\/+$/, '')),
);

const overlaySchema = v.strictObject({
  cloud: cloudName,
  region: nonEmptyString('a region such as us-east-1'),
  image: v.pipe(
    v.string('expected a container image (a string)'),
    v.check(isPinnedImage, 'expected a pinned image: a tag other than "latest" (node:22-alpine) or a digest (node@sha256:...)'),
  ),
  release: v.optional(releaseName),
  replicas: v.optional(
    v.pipe(
      v.number('expected a whole number of at least 2'),
      v.integer('expected a whole number of at least 2'),
      v.minValue(2, 'expected at least 2: with fewer, a 50% canary has no stable pod beside it'),
    ),
  ),
  imagePullSecrets: v.optional(v.array(v.pipe(v.string('expected a Secret name'), v.regex(DNS_LABEL, 'expected a Secret name')), 'expected a list of Secret names')),
  context: v.optional(nonEmptyString('a kube context name')),
  stageURLs: v.optional(v.record(v.picklist(CLOUDS, `expected a cloud (${CLOUDS.join(', ')}) as the key`), stageURL, 'expected a mapping of cloud to base URL')),
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
  const fields = readYamlFile(path, displayPath, overlaySchema, 'cloud, region and image, and optionally release, replicas, imagePullSecrets, context and stageURLs');
  return { ...fields, name, context: fields.context ?? name, file: displayPath };
}

/**
 * Reads every overlay in `directory`, sorted by cluster name so output order is stable.
 *
 * @param displayDirectory how to name the directory in messages
 */
export function loadClusterOverlays(directory: string, displayDirectory = directory): ClusterOverlay[] {
  const files = readdirSync(directory)
    .filter((file) => OVERLAY_EXTENSIONS.includes(extname(file)))
    .sort();
  if (files.length === 0) {
    throw new ConfigError(`${displayDirectory}: no cluster overlays found; add one <cluster>.yaml file per cluster`);
  }
  const overlays = files.map((file) => loadClusterOverlay(join(directory, file), join(displayDirectory, file)));
  const seen = new Map<string, string>();
  for (const overlay of overlays) {
    const other = seen.get(overlay.name);
    if (other) throw new ConfigError(`${overlay.file}: cluster "${overlay.name}" is also defined by ${other}; keep one file per cluster`);
    seen.set(overlay.name, overlay.file);
  }
  return overlays;
}
