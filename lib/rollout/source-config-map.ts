import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
// The L1 module alone: loading all of cdk8s-plus would double the synth's start-up time.
import { KubeConfigMap } from 'cdk8s-plus-28/lib/imports/k8s.js';
import { compareStrings } from '../util/stable-order.js';
import { GENERATION_ANNOTATION } from '../synth/previous-output.js';

export interface SourceConfigMapProps {
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

/** The name a `SourceConfigMap` of `files` takes, `<baseName>-<hash>`: the hash is stable under key order. */
export function sourceConfigMapName(baseName: string, files: Readonly<Record<string, string>>, hashLength = 10): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(files).sort(compareStrings)) {
    hash.update(key).update('\0').update(files[key]).update('\0');
  }
  return `${baseName}-${hash.digest('hex').slice(0, hashLength)}`;
}

/**
 * An immutable ConfigMap named after a hash of its content.
 *
 * A change to the files changes the name, and so the pod template that mounts it: Argo Rollouts
 * starts a canary, canary pods get the new files and stable pods keep the old ones. Editing a
 * mounted ConfigMap in place would instead change running pods with no canary at all.
 * `VersionedConfigMap` keeps the old ones in the output for as long as stable pods need them.
 */
export class SourceConfigMap extends Construct {
  /** `metadata.name`, hash included. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: SourceConfigMapProps) {
    super(scope, id);
    const keys = Object.keys(props.files).sort(compareStrings);
    this.name = sourceConfigMapName(props.baseName, props.files, props.hashLength);

    new KubeConfigMap(this, 'Resource', {
      metadata: {
        name: this.name,
        annotations: props.generation === undefined ? undefined : { [GENERATION_ANNOTATION]: String(props.generation) },
      },
      immutable: true,
      data: Object.fromEntries(keys.map((key) => [key, props.files[key]])),
    });

    this.node.addValidation({
      validate: () => {
        if (keys.length === 0) return [`ConfigMap ${this.name}: no files; expected at least one`];
        const invalid = keys.filter((key) => !/^[-._a-zA-Z0-9]+$/.test(key));
        return invalid.length === 0
          ? []
          : [`ConfigMap ${this.name}: file names ${invalid.join(', ')} are not valid ConfigMap keys (letters, digits, '-', '_', '.')`];
      },
    });
  }
}
