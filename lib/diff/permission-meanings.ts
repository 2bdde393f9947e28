import { apiGroupOf, formatKind } from '../core/resource-kinds.js';
import { ROLLOUTS_CHART_KINDS } from '../argocd/rollouts-chart-kinds.js';
import { TRAEFIK_CHART_KINDS } from '../argocd/traefik-chart-kinds.js';
import { appProjectPermissionChanges } from './app-project-permissions.js';
import type { ApplicationInfo } from './application-index.js';
import { ARGO_ROLLOUTS_CHART, type ChangeContext, TRAEFIK_CHART, type ObjectChange } from './change-context.js';
import type { Meaning } from './diff-model.js';
import type { ManifestData } from './manifest-tree.js';
import { isDestinationPermitted, isPermitted, refusalMessage, type ResourceRef } from './project-policy.js';

/** A changed AppProject: what it now allows or refuses, and which syncs it breaks. */
export function permissionMeanings(change: ObjectChange, context: ChangeContext): Meaning[] {
  const meanings = describePermissionChanges(change.base?.object.data, change.head?.object.data, 'permissions');
  if (!change.head) return meanings;
  // A narrowing can take away a kind an Application of this project still deploys.
  const { cluster, object } = change.head;
  for (const application of context.headApplications.all()) {
    if (application.cluster !== cluster || application.project !== object.name) continue;
    const before = context.baseApplications.application(cluster, application.name);
    const refusedBefore = new Set(before ? refusedKinds(before, 'base', context).map(formatKind) : []);
    const refused = refusedKinds(application, 'head', context).filter((kind) => !refusedBefore.has(formatKind(kind)));
    if (refused.length > 0)
      meanings.push({
        code: 'sync-refused',
        severity: 'danger',
        message: refusalMessage(application.name, object.name, refused, 'will fail'),
      });
    const { server, namespace } = application.destination;
    const destination = (side: 'base' | 'head') => context.project(side, cluster, object.name);
    const [was, is] = [destination('base'), destination('head')];
    if (is && !isDestinationPermitted(is, server, namespace) && (!was || isDestinationPermitted(was, server, namespace))) {
      meanings.push({
        code: 'sync-refused',
        severity: 'danger',
        message: `the sync of ${application.name} will fail: destination namespace ${namespace} on ${server} is not permitted in project ${object.name}`,
      });
    }
  }
  return meanings;
}

/** The widened and narrowed permissions from one project spec to another, `what` naming the change. */
export function describePermissionChanges(base: ManifestData | undefined, head: ManifestData | undefined, what: string): Meaning[] {
  const { widened, narrowed } = appProjectPermissionChanges(base, head);
  const meanings: Meaning[] = [];
  if (widened.length > 0)
    meanings.push({ code: 'permissions-widened', severity: 'danger', message: `${what} widened: ${widened.join('; ')}` });
  if (narrowed.length > 0)
    meanings.push({ code: 'permissions-narrowed', severity: 'notice', message: `${what} narrowed: ${narrowed.join('; ')}` });
  return meanings;
}

/** The kinds an Application deploys: its objects in the tree, the kinds of the charts the program knows, its namespace. */
function deployedKinds(application: ApplicationInfo, side: 'base' | 'head', context: ChangeContext): ResourceRef[] {
  const kinds: ResourceRef[] = context
    .ownedBy(side, application.cluster, application.name)
    .map(({ object }) => ({ group: apiGroupOf(object.apiVersion), kind: object.kind, name: object.name }));
  const chartKinds = { [ARGO_ROLLOUTS_CHART]: ROLLOUTS_CHART_KINDS, [TRAEFIK_CHART]: TRAEFIK_CHART_KINDS };
  for (const chart of application.charts) {
    const known = Object.hasOwn(chartKinds, chart.name) ? chartKinds[chart.name as keyof typeof chartKinds][chart.version] : undefined;
    kinds.push(...(known ?? []).map((kind) => ({ ...kind, name: '' })));
  }
  if (application.createsNamespace && application.destination.namespace !== '')
    kinds.push({ group: '', kind: 'Namespace', name: application.destination.namespace });
  return kinds;
}

/** The kinds an Application deploys that its project refuses; none when the project is not in the tree. */
export function refusedKinds(application: ApplicationInfo, side: 'base' | 'head', context: ChangeContext): ResourceRef[] {
  const project = context.project(side, application.cluster, application.project);
  if (!project) return [];
  return deployedKinds(application, side, context).filter((kind) => !isPermitted(project, kind));
}
