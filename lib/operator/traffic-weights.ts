/**
 * The canary weight a Rollout wants beside the one its traffic router applies. The Rollouts
 * controller v1.9.0 never checks Traefik (its `VerifyWeight` returns nil), so the applied weight
 * is read from Traefik's own API, through the API server's pod proxy, not from the Rollout.
 */
import { TRAEFIK_API_PORT, TRAEFIK_NAMESPACE } from '../argocd/traefik-application.js';
import type { KubectlClient } from './kubectl-client.js';
import type { Clock } from './poll-until.js';
import type { RolloutRef } from './kubectl-commands.js';
import type { RolloutObject, TrafficWeights } from './rollout-summary.js';

/** How long a mismatch may last before it is a warning: Traefik reloads a changed TraefikService within a second or two. */
export const WEIGHT_MISMATCH_GRACE_MS = 5_000;
const LOOK_INTERVAL_MS = 1_000;

/** Traefik's view of one weighted service (`GET /api/http/services/<name>`). */
interface TraefikServiceInfo {
  readonly weighted?: { readonly services?: readonly { readonly name?: string; readonly weight?: number }[] };
}

/**
 * The Rollout's desired and Traefik's applied canary weight, when the Rollout routes through
 * Traefik. A mismatch is looked at again for {@link WEIGHT_MISMATCH_GRACE_MS} before it counts.
 */
export async function readTrafficWeights(
  kubectl: KubectlClient,
  clock: Clock,
  context: string,
  rollout: RolloutRef,
  object: RolloutObject,
  graceMs = WEIGHT_MISMATCH_GRACE_MS,
): Promise<TrafficWeights | undefined> {
  const canary = object.spec?.strategy?.canary;
  const traefikService = canary?.trafficRouting?.traefik?.weightedTraefikServiceName;
  if (traefikService === undefined || canary?.canaryService === undefined) return undefined;
  const desired = object.status?.canary?.weights?.canary?.weight ?? 0;
  const started = clock.now();
  for (;;) {
    const applied = await readAppliedWeight(kubectl, context, rollout.namespace, traefikService, canary.canaryService);
    if (typeof applied !== 'number') return { traefikService, desired, unreadable: applied.unreadable, mismatch: false };
    if (applied === desired) return { traefikService, desired, applied, mismatch: false };
    if (clock.now() - started >= graceMs) return { traefikService, desired, applied, mismatch: true };
    await clock.sleep(LOOK_INTERVAL_MS);
  }
}

/** The canary Service's share of the weighted TraefikService in Traefik's API, in whole percent. */
async function readAppliedWeight(
  kubectl: KubectlClient,
  context: string,
  namespace: string,
  traefikService: string,
  canaryService: string,
): Promise<number | { unreadable: string }> {
  const podsArgs = [
    'get',
    'pods',
    '--namespace',
    TRAEFIK_NAMESPACE,
    '--selector',
    'app.kubernetes.io/name=traefik',
    '--output',
    'json',
    '--context',
    context,
  ];
  const pods = await kubectl.run(podsArgs);
  const items = parsed<{ items?: { metadata?: { name?: string }; status?: { phase?: string } }[] }>(pods.stdout)?.items ?? [];
  const pod = items.find((item) => item.status?.phase === 'Running')?.metadata?.name;
  if (pods.exitCode !== 0 || pod === undefined) return { unreadable: `no running Traefik pod in namespace ${TRAEFIK_NAMESPACE}` };
  // Traefik names a TraefikService `<namespace>-<name>@kubernetescrd`, and a Service in it `<namespace>-<name>-<port>`.
  const path = `/api/v1/namespaces/${TRAEFIK_NAMESPACE}/pods/${pod}:${TRAEFIK_API_PORT}/proxy/api/http/services/${namespace}-${traefikService}@kubernetescrd`;
  const result = await kubectl.run(['get', '--raw', path, '--context', context]);
  const info = parsed<TraefikServiceInfo>(result.stdout);
  const services = info?.weighted?.services ?? [];
  if (result.exitCode !== 0 || services.length === 0) {
    return { unreadable: `Traefik's API has no weighted service ${namespace}-${traefikService}@kubernetescrd` };
  }
  const weight = (service: { weight?: number }) => service.weight ?? 1;
  const total = services.reduce((sum, service) => sum + weight(service), 0);
  const canary = services.filter((service) => service.name?.startsWith(`${namespace}-${canaryService}-`));
  return total === 0 ? 0 : Math.round((100 * canary.reduce((sum, service) => sum + weight(service), 0)) / total);
}

function parsed<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** One line per Rollout routed through Traefik: desired against applied, and a warning for a lasting mismatch. */
export function describeTrafficWeights(cluster: string, weights: TrafficWeights): string {
  const where = `TraefikService ${weights.traefikService}`;
  if (weights.applied === undefined)
    return `${cluster}: traffic: canary weight ${weights.desired} desired, applied unknown: ${weights.unreadable}`;
  if (weights.mismatch) {
    return `warning: ${cluster}: Traefik applies canary weight ${weights.applied}, the Rollout wants ${weights.desired} (${where}), still after ${WEIGHT_MISMATCH_GRACE_MS / 1000} s: the weights were changed outside the controller, or Traefik does not read them`;
  }
  return `${cluster}: traffic: canary weight ${weights.desired} desired, ${weights.applied} applied by Traefik (${where})`;
}
