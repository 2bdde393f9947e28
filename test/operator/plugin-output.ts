/**
 * Reads what kubectl-argo-rollouts prints, so tests can hold the operator tool's table against the
 * real plugin's own words. Only `--no-color` output is read.
 */

/** The fields of `kubectl argo rollouts get rollout NAME --no-color` the status table also shows. */
export interface PluginRolloutView {
  /** The word after the status icon: Healthy, Paused, Degraded, Progressing. */
  readonly status: string;
  /** The `Message:` line, when the plugin prints one. */
  readonly message: string;
  /** `Step:`, such as `1/3`; `-` when the plugin prints none. */
  readonly step: string;
  /** `SetWeight:`. */
  readonly setWeight: string;
  /** `ActualWeight:`. */
  readonly actualWeight: string;
  readonly desired: number;
  readonly ready: number;
  /** The ReplicaSets of the tree, by name, with the status word and the INFO column. */
  readonly replicaSets: readonly { readonly name: string; readonly status: string; readonly info: string }[];
  /** The ReplicaSet the tree marks `stable`, or `-`. */
  readonly stableReplicaSet: string;
  /** The ReplicaSet the tree marks `canary`, if any. */
  readonly canaryReplicaSet?: string;
}

/** Parses the plugin's `get rollout` output; throws when a line it needs is missing. */
export function parseGetRollout(text: string): PluginRolloutView {
  const field = (label: string, optional = false): string => {
    const match = new RegExp(`^\\s*${label}:\\s+(.*?)\\s*$`, 'm').exec(text);
    if (!match) {
      if (optional) return '';
      throw new Error(`no "${label}:" line in the plugin's output:\n${text}`);
    }
    return match[1] ?? '';
  };
  const status = field('Status').split(/\s+/).pop() ?? '';
  const replicaSets = text
    .split('\n')
    .map((line) => /(\S+)\s+ReplicaSet\s+\S+\s+(\w+)\s+\S+\s*(.*?)\s*$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map(([, name, rsStatus, info]) => ({ name: name ?? '', status: rsStatus ?? '', info: info ?? '' }));
  const marked = (word: string) => replicaSets.find((replicaSet) => replicaSet.info.split(/[\s,]+/).includes(word))?.name;
  return {
    status,
    message: field('Message', true),
    step: field('Step', true) || '-',
    setWeight: field('SetWeight', true) || '-',
    actualWeight: field('ActualWeight', true) || '-',
    desired: Number(field('Desired')),
    ready: Number(field('Ready')),
    replicaSets,
    stableReplicaSet: marked('stable') ?? '-',
    canaryReplicaSet: marked('canary'),
  };
}

/** Parses `kubectl argo rollouts status NAME --watch=false`: `Paused - CanaryPauseStep`, or just `Healthy`. */
export function parseStatusLine(text: string): { status: string; message: string } {
  const line = text.trim().split('\n')[0] ?? '';
  const separator = line.indexOf(' - ');
  return separator < 0 ? { status: line, message: '' } : { status: line.slice(0, separator), message: line.slice(separator + 3) };
}
