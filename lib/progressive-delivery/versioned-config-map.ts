import { Construct } from 'constructs';
import { compareStrings } from '../util/stable-order.js';
import { ContentAddressedConfigMap, contentAddressedName } from './content-addressed-config-map.js';
import type { PreviousConfigMap } from '../core/config-map-history.js';

export interface VersionedConfigMapProps {
  /** The name before the content hash: every version is `<baseName>-<hash>`. */
  readonly baseName: string;

  /**
   * The files of the current version, which the pod template mounts.
   *
   * @default - no current version: the pod template mounts none, and earlier versions are
   * still retained for the ReplicaSets that mount them
   */
  readonly files?: Readonly<Record<string, string>>;

  /**
   * The ConfigMaps of the previous output's folder. Those named `<baseName>-<hash>` are this
   * family's earlier versions; the others are ignored.
   *
   * @default - none: the first synth
   */
  readonly previous?: readonly PreviousConfigMap[];

  /**
   * Earlier versions kept beside the current one. During a canary the stable ReplicaSet mounts
   * the previous version, and an abort or a restarted stable pod needs it; older ones serve
   * `kubectl argo rollouts undo`. Versions beyond this are retired: they leave the output, and
   * Argo CD prunes them.
   *
   * @default 3
   */
  readonly retain?: number;

  /**
   * Hex digits of the content hash in the name.
   *
   * @default 10
   */
  readonly hashLength?: number;
}

/** What to write for one family: the current version's generation and the versions kept. */
interface RetentionPlan {
  /** The current version's generation, when there is a current version. */
  readonly currentGeneration?: number;
  /** Earlier versions to keep, newest first. */
  readonly retained: readonly PreviousConfigMap[];
}

/**
 * Which versions to write. A version's generation is when it last became current: a new
 * version, or one that returns after another (a revert), gets the highest generation plus one,
 * while the version that is already newest keeps its own, so synthesizing twice writes the
 * same bytes. The `retain` newest other versions are kept; ties, only possible among versions
 * written before generations were recorded, are broken by name.
 */
function planRetention(family: readonly PreviousConfigMap[], currentName: string | undefined, retain: number): RetentionPlan {
  const newest = [...family].sort((a, b) => b.generation - a.generation || compareStrings(a.name, b.name));
  const retained = newest.filter((version) => version.name !== currentName).slice(0, retain);
  if (currentName === undefined) return { retained };
  const highest = newest[0]?.generation ?? 0;
  const found = family.find((version) => version.name === currentName);
  const isNewest = found !== undefined && newest[0]?.name === currentName;
  return { currentGeneration: isNewest ? found.generation : highest + 1, retained };
}

/**
 * A content-addressed, immutable ConfigMap that a pod template mounts, with its earlier
 * versions kept in the output while ReplicaSets may still mount them.
 *
 * Content addressing makes every change of the files a change of the pod template, so a
 * canary; but the stable ReplicaSet still mounts the previous name. Were that ConfigMap gone
 * from Git, Argo CD would prune it, and an abort, or any restarted stable pod, would fail to
 * start. So the previous output is the history: each version carries a generation annotation,
 * the current one plus the `retain` newest earlier ones are written, older ones retired.
 */
export class VersionedConfigMap extends Construct {
  /** The current version, when there is one. */
  public readonly current?: ContentAddressedConfigMap;
  /** Earlier versions written beside the current one, newest first. */
  public readonly retained: readonly ContentAddressedConfigMap[];

  constructor(scope: Construct, id: string, props: VersionedConfigMapProps) {
    super(scope, id);
    const retain = props.retain ?? 3;
    const hashLength = props.hashLength ?? 10;
    const versionName = new RegExp(`^${props.baseName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[0-9a-f]{${hashLength}}$`);
    const family = (props.previous ?? []).filter((configMap) => versionName.test(configMap.name));

    const currentName = props.files && contentAddressedName(props.baseName, props.files, hashLength);
    const plan = planRetention(family, currentName, retain);
    if (props.files) {
      this.current = new ContentAddressedConfigMap(this, 'Current', {
        baseName: props.baseName,
        files: props.files,
        hashLength,
        generation: plan.currentGeneration,
      });
    }
    this.retained = plan.retained.map(
      (version) =>
        new ContentAddressedConfigMap(this, version.name, {
          baseName: props.baseName,
          files: version.data,
          hashLength,
          generation: version.generation,
        }),
    );

    this.node.addValidation({
      validate: () => {
        const errors: string[] = [];
        if (!Number.isInteger(retain) || retain < 1) {
          errors.push(
            `${props.baseName}: retain is ${retain}; expected a whole number of at least 1, or an abort finds no ConfigMap for its stable pods`,
          );
        }
        plan.retained.forEach((version, index) => {
          const rebuilt = this.retained[index]?.name;
          if (rebuilt !== version.name) {
            errors.push(
              `${version.file}: ConfigMap ${version.name} no longer matches its name (its data hashes to ${rebuilt}); ` +
                'a version is immutable: restore the file from Git, or delete it to retire that version',
            );
          }
        });
        return errors;
      },
    });
  }
}
