import { createHash } from 'node:crypto';
import { ApiObject, JsonPatch } from 'cdk8s';
import { ConfigMap } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ANNOTATIONS_SIZE_LIMIT, annotationsSizeAfterClientSideApply, LAST_APPLIED_ANNOTATION } from '../util/last-applied-size.js';
import { compareStrings } from '../util/stable-order.js';
import { GENERATION_ANNOTATION } from '../core/config-map-history.js';

export interface ContentAddressedConfigMapProps {
  /** The name before the content hash: `<baseName>-<hash>`. */
  readonly baseName: string;

  /** File name to file content. Each becomes one key, and one file where the ConfigMap is mounted. */
  readonly files: Readonly<Record<string, string>>;

  /**
   * Hex digits of the content hash in the name.
   *
   * @default 10
   */
  readonly hashLength?: number;

  /**
   * The version's generation, written as the {@link GENERATION_ANNOTATION}: see `VersionedConfigMap`.
   *
   * @default - no annotation
   */
  readonly generation?: number;
}

/** `files` as entries in key order: the order of the hash and of the written data. */
function sortedFiles(files: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(files).sort(([a], [b]) => compareStrings(a, b));
}

/** The name a `ContentAddressedConfigMap` of `files` takes, `<baseName>-<hash>`: the hash is stable under key order. */
export function contentAddressedName(baseName: string, files: Readonly<Record<string, string>>, hashLength = 10): string {
  const hash = createHash('sha256');
  for (const [key, content] of sortedFiles(files)) hash.update(key).update('\0').update(content).update('\0');
  return `${baseName}-${hash.digest('hex').slice(0, hashLength)}`;
}

/**
 * An immutable ConfigMap of files, named after a hash of their content.
 *
 * A change to the files changes the name, and so the pod template that mounts it: Argo Rollouts
 * starts a canary, canary pods get the new files and stable pods keep the old ones. Editing a
 * mounted ConfigMap in place would instead change running pods with no canary at all.
 * `VersionedConfigMap` keeps the old ones in the output for as long as stable pods need them.
 */
export class ContentAddressedConfigMap extends Construct {
  /** `metadata.name`, hash included. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: ContentAddressedConfigMapProps) {
    super(scope, id);
    const files = sortedFiles(props.files);
    const keys = files.map(([key]) => key);
    this.name = contentAddressedName(props.baseName, props.files, props.hashLength);

    const configMap = new ConfigMap(this, 'Resource', {
      metadata: {
        name: this.name,
        annotations: props.generation === undefined ? undefined : { [GENERATION_ANNOTATION]: String(props.generation) },
      },
      immutable: true,
      data: Object.fromEntries(files),
    });
    // cdk8s-plus leaves `data` out when every file is empty; the name hashes those files, so they are written.
    if (files.length > 0 && files.every(([, content]) => content === '')) {
      ApiObject.of(configMap).addJsonPatch(JsonPatch.add('/data', Object.fromEntries(files)));
    }

    this.node.addValidation({
      validate: () => {
        if (keys.length === 0) return [`ConfigMap ${this.name}: no files; expected at least one`];
        const invalid = keys.filter((key) => !/^[-._a-zA-Z0-9]+$/.test(key));
        if (invalid.length > 0)
          return [`ConfigMap ${this.name}: file names ${invalid.join(', ')} are not valid ConfigMap keys (letters, digits, '-', '_', '.')`];
        // Argo CD syncs with client-side apply, which copies the whole ConfigMap into an annotation.
        const size = annotationsSizeAfterClientSideApply(ApiObject.of(configMap).toJson() as Record<string, unknown>);
        return size <= ANNOTATIONS_SIZE_LIMIT
          ? []
          : [
              `ConfigMap ${this.name}: its files (${keys.join(', ')}) would make ${size} bytes of annotations with ${LAST_APPLIED_ANNOTATION}, over the ${ANNOTATIONS_SIZE_LIMIT} bytes Kubernetes accepts, so Argo CD's sync would fail; expected files of about 250 KiB together at most`,
            ];
      },
    });
  }
}
