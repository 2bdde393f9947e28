/**
 * The kubectl argument lists the operator runs. Every command names its kube context explicitly,
 * after the command: the plugin refuses global flags placed before its name.
 */

/** The Rollout an operation acts on. */
export interface RolloutRef {
  readonly name: string;
  readonly namespace: string;
  /** The pod template's variable naming the release, which `status` shows for the train. */
  readonly releaseVariable?: string;
}

/** The CRD the Rollouts controller Application installs; Rollouts cannot be applied before it is Established. */
export const ROLLOUTS_CRD = 'rollouts.argoproj.io';

/** Namespace the Argo CD Applications live in. */
const ARGOCD_NAMESPACE = 'argocd';

/**
 * The merge patch that asks Argo CD to sync an Application now, with its hooks and `syncOptions`
 * (what the Argo CD UI's "Sync" does): the controller runs an operation with the options it
 * carries, not the Application's.
 */
function syncOperationPatch(syncOptions: readonly string[]): string {
  return JSON.stringify({ operation: { sync: { syncStrategy: { hook: {} }, ...(syncOptions.length > 0 ? { syncOptions } : {}) } } });
}

/** A boolean flag always carries its value after `=`: the plugin reads `--watch false` as `--watch` plus an argument. */
export function booleanFlag(name: string, value: boolean): string {
  return `--${name}=${value}`;
}

/** `kubectl get rollout NAME --namespace NS --output json --context CTX`. */
export function getRolloutArgs(rollout: RolloutRef, context: string): string[] {
  return ['get', 'rollout', rollout.name, '--namespace', rollout.namespace, '--output', 'json', '--context', context];
}

/** `kubectl get crd NAME --output json --context CTX`. */
export function getCrdArgs(crd: string, context: string): string[] {
  return ['get', 'crd', crd, '--output', 'json', '--context', context];
}

/** `kubectl get application NAME --namespace argocd --output json --context CTX`. */
export function getApplicationArgs(application: string, context: string): string[] {
  return ['get', 'application', application, '--namespace', ARGOCD_NAMESPACE, '--output', 'json', '--context', context];
}

/** `kubectl annotate application NAME KEY=VALUE --namespace argocd --overwrite --context CTX`. */
export function annotateApplicationArgs(application: string, annotation: string, context: string): string[] {
  return ['annotate', 'application', application, annotation, '--namespace', ARGOCD_NAMESPACE, '--overwrite', '--context', context];
}

/** `kubectl patch application NAME --namespace argocd --type merge --patch '{"operation":...}' --context CTX`. */
export function syncApplicationArgs(application: string, context: string, syncOptions: readonly string[] = []): string[] {
  return [
    'patch',
    'application',
    application,
    '--namespace',
    ARGOCD_NAMESPACE,
    '--type',
    'merge',
    '--patch',
    syncOperationPatch(syncOptions),
    '--context',
    context,
  ];
}

/**
 * `kubectl argo rollouts --context CTX <subcommand> NAME --namespace NS [flags]`: the plugin's
 * flags, `--context` included, come after the plugin's name.
 */
export function rolloutsPluginArgs(context: string, subcommand: string, rollout: RolloutRef, flags: readonly string[] = []): string[] {
  return ['argo', 'rollouts', '--context', context, subcommand, rollout.name, '--namespace', rollout.namespace, ...flags];
}

/** `kubectl argo rollouts --context CTX retry rollout NAME --namespace NS`: starts an aborted update again. */
export function retryRolloutArgs(context: string, rollout: RolloutRef): string[] {
  return ['argo', 'rollouts', '--context', context, 'retry', 'rollout', rollout.name, '--namespace', rollout.namespace];
}

/** `kubectl version --client`: kubectl's own version, without reaching a cluster. */
export function kubectlVersionArgs(): string[] {
  return ['version', '--client'];
}

/** `kubectl argo rollouts version`: fails when the plugin is not installed. */
export function pluginVersionArgs(): string[] {
  return ['argo', 'rollouts', 'version'];
}

/** `kubectl get analysisruns --namespace NS --selector rollouts-pod-template-hash=HASH --output json --context CTX`: a revision's analysis runs. */
export function getAnalysisRunsArgs(rollout: RolloutRef, podTemplateHash: string, context: string): string[] {
  return [
    'get',
    'analysisruns',
    '--namespace',
    rollout.namespace,
    '--selector',
    `rollouts-pod-template-hash=${podTemplateHash}`,
    '--output',
    'json',
    '--context',
    context,
  ];
}
