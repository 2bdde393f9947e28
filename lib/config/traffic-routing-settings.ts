import * as v from 'valibot';

/** The traffic routers a cluster may run: `none` leaves the weight to the share of pods. */
export const TRAFFIC_ROUTING_PROVIDERS = ['traefik', 'none'] as const;
export type TrafficRoutingProvider = (typeof TRAFFIC_ROUTING_PROVIDERS)[number];

/**
 * `trafficRouting:` in `platform.yaml` and in an overlay: the overlay's fields replace the
 * platform's one by one, like `analysis`.
 */
export const trafficRoutingSchema = v.strictObject({
  provider: v.optional(v.picklist(TRAFFIC_ROUTING_PROVIDERS, `expected one of ${TRAFFIC_ROUTING_PROVIDERS.join(', ')}`)),
});

/** `trafficRouting:` as written in one file. */
export type TrafficRoutingFields = v.InferOutput<typeof trafficRoutingSchema>;

/** The router of a cluster whose canary weights a data plane applies. */
export type ClusterTrafficRouter = Exclude<TrafficRoutingProvider, 'none'>;

/**
 * A cluster's traffic router: the overlay's fields over the platform's.
 *
 * @returns `undefined` when neither file names a provider, or the merged one is `none`
 */
export function resolveTrafficRouter(
  platform: TrafficRoutingFields | undefined,
  overlay: TrafficRoutingFields | undefined,
): ClusterTrafficRouter | undefined {
  const provider = { ...platform, ...overlay }.provider ?? 'none';
  return provider === 'none' ? undefined : provider;
}
