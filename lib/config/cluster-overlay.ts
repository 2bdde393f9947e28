import { basename, extname, join } from 'node:path';
import * as v from 'valibot';
import { RESERVED_OUTPUT_FOLDERS } from '../core/application-names.js';
import { analysisSchema } from './analysis-settings.js';
import { trafficRoutingSchema } from './traffic-routing-settings.js';
import { collectProblems, ConfigError } from '../core/config-error.js';
import type { Workload } from '../workloads/workload.js';
import { compareStrings } from '../util/stable-order.js';
import { type WalkedFile, walkFiles } from '../util/walk-files.js';
import { cloudName, DNS_LABEL, KUBE_CONTEXT, REGION } from '../core/fields.js';
import { workloadsSchema } from './workload-settings.js';
import { readYamlFile } from './yaml-file.js';

/** An overlay's schema: `workloads:` has a field for each of `workloads`. */
const overlaySchema = (workloads: readonly Workload[]) =>
  v.strictObject({
    cloud: cloudName,
    region: v.pipe(
      v.string('expected a region such as us-east-1 (a string)'),
      v.regex(REGION, 'expected a region such as us-east-1: lower-case letters, digits and hyphens'),
    ),
    context: v.optional(
      v.pipe(
        v.string('expected a kube context name (a string)'),
        v.regex(KUBE_CONTEXT, 'expected a kube context name: letters, digits and . _ : / @ -, not starting with -, at most 253 characters'),
      ),
    ),
    // Replaces platform.yaml's `analysis` field by field.
    analysis: v.optional(analysisSchema),
    // Replaces platform.yaml's `trafficRouting` field by field.
    trafficRouting: v.optional(trafficRoutingSchema),
    // Each workload's settings on this cluster: workloads.<name>.
    workloads: workloadsSchema(workloads, 'cluster'),
  });

/** One cluster's settings, as written in `overlays/<cluster>.yaml`. */
export type ClusterOverlayFields = v.InferOutput<ReturnType<typeof overlaySchema>>;

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
function loadClusterOverlay(path: string, displayPath: string, workloads: readonly Workload[]): ClusterOverlay {
  const name = basename(path, extname(path));
  if (!DNS_LABEL.test(name) || name.length > 40) {
    throw new ConfigError(
      `${displayPath}: the file name "${name}" is the cluster's name and must be a lower-case DNS label of at most 40 characters (a-z, 0-9, -)`,
    );
  }
  if (RESERVED_OUTPUT_FOLDERS.includes(name)) {
    throw new ConfigError(
      `${displayPath}: the file name "${name}" is the cluster's name, a folder synth already writes (${name}/ holds every cluster's root Application); rename the file`,
    );
  }
  const fields = readYamlFile(path, displayPath, overlaySchema(workloads));
  return { ...fields, name, context: fields.context ?? name, file: displayPath };
}

/**
 * Reads every overlay in `directory`, sorted by cluster name so output order is stable.
 *
 * @param displayDirectory how to name the directory in messages
 * @throws ConfigError with every overlay's problems, one line each
 */
export function loadClusterOverlays(directory: string, displayDirectory: string, workloads: readonly Workload[]): ClusterOverlay[] {
  const { overlays, problems } = readClusterOverlays(directory, displayDirectory, workloads);
  if (problems.length > 0) throw new ConfigError(problems);
  return overlays;
}

/**
 * Reads every overlay in `directory` and returns the valid ones beside every problem found, so
 * checks across files can still look at the valid ones.
 */
export function readClusterOverlays(
  directory: string,
  displayDirectory: string,
  workloads: readonly Workload[],
): { overlays: ClusterOverlay[]; problems: string[] } {
  let entries: WalkedFile[];
  try {
    entries = walkFiles(directory, { recursive: false });
  } catch (error) {
    throw new ConfigError(
      `${displayDirectory}: cannot be read (${(error as NodeJS.ErrnoException).code}); expected a folder of <cluster>.yaml files`,
    );
  }
  const files = entries.map((entry) => entry.path).filter((file) => OVERLAY_EXTENSIONS.includes(extname(file)));
  if (files.length === 0) {
    throw new ConfigError(`${displayDirectory}: no cluster overlays found; add one <cluster>.yaml file per cluster`);
  }
  const { results, problems } = collectProblems(
    files.map((file) => () => loadClusterOverlay(join(directory, file), join(displayDirectory, file), workloads)),
  );
  // By cluster name, not file name: `aws-west.yaml` sorts before `aws.yaml`, but `aws` before `aws-west`.
  const overlays = results.sort((a, b) => compareStrings(a.name, b.name) || compareStrings(a.file, b.file));
  problems.push(
    ...sharedValueProblems(
      overlays,
      (overlay) => overlay.name,
      (overlay, other) => `${overlay.file}: cluster "${overlay.name}" is also defined by ${other.file}; keep one file per cluster`,
    ),
  );
  problems.push(
    ...sharedValueProblems(
      overlays,
      (overlay) => overlay.context,
      (overlay, other) =>
        `${overlay.file}: field "context": "${overlay.context}" is also the kube context of ${other.file}; each cluster needs its own, or operations on one cluster would reach the other`,
    ),
  );
  return { overlays, problems };
}

/** One problem for each overlay whose `key` an earlier overlay already has. */
function sharedValueProblems(
  overlays: readonly ClusterOverlay[],
  key: (overlay: ClusterOverlay) => string,
  problem: (overlay: ClusterOverlay, other: ClusterOverlay) => string,
): string[] {
  const seen = new Map<string, ClusterOverlay>();
  const problems: string[] = [];
  for (const overlay of overlays) {
    const other = seen.get(key(overlay));
    if (other) problems.push(problem(overlay, other));
    else seen.set(key(overlay), overlay);
  }
  return problems;
}
