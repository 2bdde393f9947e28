/** The operations, in the order the workflow offers them. */
export const OPERATIONS = ['status', 'sync', 'promote', 'promote-full', 'abort', 'undo', 'restart'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The operations kubectl alone carries out (reading the Rollout, patching the Application): they need no plugin. */
const KUBECTL_ONLY_OPERATIONS: ReadonlySet<Operation> = new Set(['status', 'sync']);

/** Whether `operation` runs the kubectl-argo-rollouts plugin. */
export function needsRolloutsPlugin(operation: Operation): boolean {
  return !KUBECTL_ONLY_OPERATIONS.has(operation);
}

/** The kubectl-argo-rollouts release whose behaviour the operations guard against. */
export const SUPPORTED_PLUGIN_VERSION = 'v1.9.0';
