import * as v from 'valibot';
import { analysisSchema } from './analysis-settings.js';
import { trafficRoutingSchema } from './traffic-routing-settings.js';
import type { Workload } from '../workloads/workload.js';
import { checkedString, DNS_LABEL, gitRepoURLProblem, gitRevisionProblem, nonEmptyString, repositoryPathProblem } from '../core/fields.js';
import { workloadsSchema } from './workload-settings.js';
import { readYamlFile } from './yaml-file.js';

const httpsURL = (what: string) =>
  v.pipe(nonEmptyString(what), v.url(`expected ${what}`), v.startsWith('https://', `expected ${what} starting with https://`));

/** `releaseTrain:`, the clusters a release passes through one at a time; whether each is a cluster is checked against the overlays. */
const releaseTrainSchema = v.pipe(
  v.array(
    v.pipe(nonEmptyString('a cluster name'), v.regex(DNS_LABEL, 'expected a cluster name, such as "aws"')),
    'expected a list of cluster names, such as [aws, gcp, azure]',
  ),
  v.minLength(1, 'expected at least one cluster; leave releaseTrain out for no train'),
  v.check((names) => new Set(names).size === names.length, 'expected each cluster once; a cluster is named twice'),
);

/** A Helm chart Argo CD installs: its repository and exact version, each with a default. */
const helmChart = (repoURL: string, version: string) =>
  v.optional(
    v.strictObject({
      repoURL: v.optional(httpsURL('the https URL of the Helm repository'), repoURL),
      version: v.optional(
        v.pipe(nonEmptyString('a chart version'), v.regex(/^\d+\.\d+\.\d+$/, `expected an exact chart version such as ${version}`)),
        version,
      ),
    }),
    {},
  );

/** platform.yaml's schema: `workloads:` has a field for each of `workloads`. */
const platformSchema = (workloads: readonly Workload[]) =>
  v.strictObject({
    environment: v.optional(
      v.pipe(nonEmptyString('the environment name'), v.regex(DNS_LABEL, 'expected a lower-case DNS label, such as "dev"')),
      'dev',
    ),
    repository: v.optional(
      v.strictObject({
        // No default: every adopter's Argo CD pulls their own repository.
        repoURL: checkedString('the URL of the Git repository Argo CD pulls', gitRepoURLProblem),
        revision: v.optional(checkedString('a branch, tag or commit', gitRevisionProblem), 'main'),
        distPath: v.optional(checkedString('the path of dist/ inside that repository', repositoryPathProblem), 'dist'),
      }),
      // Parsed like a written one, so a file without `repository` is told of `repository.repoURL`.
      {} as { repoURL: string },
    ),
    rolloutsChart: helmChart('https://argoproj.github.io/argo-helm', '2.40.9'),
    // The Traefik chart clusters with `trafficRouting.provider: traefik` install.
    traefikChart: helmChart('https://traefik.github.io/charts', '39.0.7'),
    // Each workload's settings shared by every cluster: workloads.<name>.
    workloads: workloadsSchema(workloads, 'platform'),
    // Automated canary analysis, off unless set; an overlay may override it per cluster.
    analysis: v.optional(analysisSchema),
    // The clusters a release train moves a release through, in order; none unless set.
    releaseTrain: v.optional(releaseTrainSchema),
    // What applies the canary weights, `none` unless set; an overlay may override it per cluster.
    trafficRouting: v.optional(trafficRoutingSchema),
  });

/** Settings shared by every cluster. Each one but `repository.repoURL` has a default. */
export type PlatformSettings = v.InferOutput<ReturnType<typeof platformSchema>>;

/** The platform settings with every default applied to the one field without a default, `repository.repoURL`. */
export function defaultPlatformSettings(repoURL: string, workloads: readonly Workload[]): PlatformSettings {
  return v.parse(platformSchema(workloads), { repository: { repoURL } });
}

/** Reads and validates the platform settings file. */
export function loadPlatformSettings(path: string, displayPath: string, workloads: readonly Workload[]): PlatformSettings {
  return readYamlFile(path, displayPath, platformSchema(workloads));
}
