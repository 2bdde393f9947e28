/** The operations, in the order the workflow offers them. */
export const OPERATIONS = ['status', 'sync', 'promote', 'promote-full', 'abort', 'undo', 'restart'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The kubectl-argo-rollouts release whose behaviour the operations guard against. */
export const SUPPORTED_PLUGIN_VERSION = 'v1.9.0';
