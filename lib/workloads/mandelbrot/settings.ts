import * as v from 'valibot';
import {
  canaryWeights,
  checkedString,
  CLOUDS,
  cloudName,
  DNS_LABEL,
  imageReferenceProblem,
  MAX_REPLICAS,
  releaseName,
} from '../../core/fields.js';
import type { WorkloadClusterSettings } from '../workload.js';

/** Another cluster's Mandelbrot service: an http(s) base URL, stored without a trailing slash. */
const stageURL = v.pipe(
  v.string('expected a base URL (a string)'),
  v.url('expected a base URL such as https://mandelbrot.gcp.example.com'),
  v.check((url) => /^https?:\/\/[^?#]+$/.test(url), 'expected an http:// or https:// base URL without query or fragment'),
  // The URL lands in a ConfigMap anyone who can read the namespace sees.
  v.check(
    (url) => !URL.canParse(url) || (new URL(url).username === '' && new URL(url).password === ''),
    'expected a base URL without user or password',
  ),
  v.transform((url) => url.replace(/\/+$/, '')),
);

/** `workloads.mandelbrot` in platform.yaml: what every cluster shares. */
export const mandelbrotPlatformSettings = v.strictObject({
  // MANDELBROT_RELEASE for every cluster whose overlay does not set its own.
  release: v.optional(releaseName, 'continuous'),
  // STAGE_ROUTE: the clouds a render passes through, one band each, in order.
  stageRoute: v.optional(
    v.pipe(
      v.array(cloudName, 'expected a list of clouds'),
      v.minLength(1, 'expected at least one cloud'),
      v.check((route) => new Set(route).size === route.length, 'expected each cloud at most once: a render passes each cloud once'),
    ),
    ['aws', 'gcp', 'azure'],
  ),
  // The canary's weights, each followed by a pause; an overlay may set its own.
  canaryWeights: v.optional(canaryWeights, [50]),
});

/** `workloads.mandelbrot` in an overlay: this cluster's image and service settings. */
export const mandelbrotClusterSettings = v.strictObject({
  image: checkedString('a container image', imageReferenceProblem),
  release: v.optional(releaseName),
  canaryWeights: v.optional(canaryWeights),
  replicas: v.optional(
    v.pipe(
      v.number(`expected a whole number from 2 to ${MAX_REPLICAS}`),
      v.integer(`expected a whole number from 2 to ${MAX_REPLICAS}`),
      v.minValue(2, 'expected at least 2: with fewer, a 50% canary has no stable pod beside it'),
      v.maxValue(MAX_REPLICAS, `expected at most ${MAX_REPLICAS}`),
    ),
  ),
  // The Secrets live in the workload's namespace, so they are the workload's.
  imagePullSecrets: v.optional(
    v.array(v.pipe(v.string('expected a Secret name'), v.regex(DNS_LABEL, 'expected a Secret name')), 'expected a list of Secret names'),
  ),
  stageURLs: v.optional(
    v.record(v.picklist(CLOUDS, `expected a cloud (${CLOUDS.join(', ')}) as the key`), stageURL, 'expected a mapping of cloud to base URL'),
  ),
  stageTokenSecret: v.optional(
    v.pipe(v.string('expected a Secret name'), v.regex(DNS_LABEL, 'expected a Secret name (a lower-case DNS label)')),
  ),
});

export type MandelbrotPlatformSettings = v.InferOutput<typeof mandelbrotPlatformSettings>;
export type MandelbrotClusterSettings = v.InferOutput<typeof mandelbrotClusterSettings>;

/** The stage route against the clouds the overlays name, and each overlay's stage URLs against the route. */
export function stageRouteProblems(
  platform: MandelbrotPlatformSettings,
  clusters: readonly WorkloadClusterSettings<MandelbrotClusterSettings>[],
  platformFile: string,
  allClusters: boolean,
): string[] {
  const problems: string[] = [];
  const { stageRoute } = platform;
  const clouds = new Set(clusters.map((cluster) => cluster.cloud));
  stageRoute.forEach((cloud, index) => {
    if (allClusters && !clouds.has(cloud)) {
      problems.push(
        `${platformFile}: field "workloads.mandelbrot.stageRoute[${index}]": no cluster runs on ${cloud}; expected clouds that overlays name (${[...clouds].sort().join(', ')})`,
      );
    }
  });
  for (const cluster of clusters) {
    for (const cloud of Object.keys(cluster.settings.stageURLs ?? {})) {
      if (cloud === cluster.cloud) {
        problems.push(
          `${cluster.file}: field "workloads.mandelbrot.stageURLs.${cloud}": the cluster's own cloud; its band is rendered locally, so leave it out`,
        );
      } else if (!stageRoute.includes(cloud as never)) {
        problems.push(
          `${cluster.file}: field "workloads.mandelbrot.stageURLs.${cloud}": ${cloud} is not on the stage route (${platformFile}, workloads.mandelbrot.stageRoute: ${stageRoute.join(', ')})`,
        );
      }
    }
  }
  return problems;
}
