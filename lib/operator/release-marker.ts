import { isMap, parseDocument } from 'yaml';
import { ConfigError } from '../core/config-error.js';
import { describeObject, objectsOf } from '../diff/diff-model.js';
import { diffManifestTrees } from '../diff/manifest-diff.js';
import type { ManifestTree } from '../diff/manifest-tree.js';

/** Where a release name is set: the platform default, or one cluster's overlay. */
export interface ReleaseField {
  /** The YAML file, for messages: `platform.yaml`, `overlays/aws.yaml`. */
  readonly file: string;
  /** The keys leading to the field: `['workloads', 'mandelbrot', 'release']`. */
  readonly path: readonly string[];
}

/**
 * Where a workload's release is set, in platform.yaml (the default every cluster without its own
 * runs) and in an overlay (that cluster's own).
 */
export function releasePath(workload: { readonly name: string; readonly releaseField: string }): readonly string[] {
  return ['workloads', workload.name, workload.releaseField];
}

/**
 * `text` with the field at `field.path` set to `release`, edited in place through the YAML
 * document: comments, key order and formatting elsewhere stay as they were, and the value is
 * quoted when it would otherwise read as something other than a string.
 *
 * @returns the new text and the value the field held before (`undefined` when it was not set)
 */
export function setReleaseField(text: string, field: ReleaseField, release: string): { text: string; previous?: string } {
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) throw new ConfigError(`${field.file}: not valid YAML: ${document.errors[0]?.message.split('\n')[0]}`);
  if (!isMap(document.contents)) throw new ConfigError(`${field.file}: expected a mapping`);
  const previous = document.getIn(field.path);
  document.setIn(field.path, release);
  // Written as the project writes YAML by hand: `[a, b]`, long lines left whole.
  const edited = document.toString({ flowCollectionPadding: false, lineWidth: 0 });
  return { text: edited, previous: previous === undefined ? undefined : textOf(previous) };
}

/** A YAML value as the release message shows it: a string as it is, anything else as JSON (`123`, `true`). */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A cluster whose Rollout changes when the new tree is synced. */
export interface RolloutChange {
  readonly cluster: string;
  /** `canary-started`: the pod template changed; `rollout-created`: a first Rollout, which goes straight to Healthy. */
  readonly kind: 'canary-started' | 'rollout-created';
  /** What Argo Rollouts does, in the diff's words. */
  readonly message: string;
}

/**
 * The Rollouts that start a canary (or appear) when `after` replaces `before`, by cluster. The
 * manifest diff decides: a Rollout starts a canary exactly when its pod template changes.
 */
export function rolloutChanges(before: ManifestTree, after: ManifestTree): RolloutChange[] {
  const diff = diffManifestTrees(before, after, { baseName: 'dist before', headName: 'dist after' });
  return objectsOf(diff).flatMap((object) =>
    object.meanings.flatMap(({ code, message }) =>
      code === 'canary-started' || code === 'rollout-created'
        ? [{ cluster: object.cluster, kind: code, message: `${describeObject(object)}: ${message}` }]
        : [],
    ),
  );
}
