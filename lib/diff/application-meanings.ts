import { DERIVED_PROJECT_NAME } from '../core/application-names.js';
import type { FieldPathSegment } from '../util/field-path.js';
import { listAt, type Mapping, mappingAt, stringAt, valueAt } from '../util/parsed-data.js';
import { ARGO_ROLLOUTS_CHART, type ChangeContext, type ObjectChange, show } from './change-context.js';
import type { Meaning } from './diff-model.js';
import { type FieldChange, touches } from './field-changes.js';
import type { ManifestData } from './manifest-tree.js';
import { describePermissionChanges, refusedKinds } from './permission-meanings.js';
import { isDestinationPermitted, type ProjectPolicy, refusalMessage } from './project-policy.js';
import type { ApplicationInfo } from './application-index.js';
import { controllerValueMeanings } from './source-meanings.js';

const SYNC_ANNOTATIONS = ['argocd.argoproj.io/sync-wave', 'argocd.argoproj.io/sync-options'];
const SYNC_POLICY = ['spec', 'syncPolicy'];

/** A changed Application: what it syncs, from where, into where, under which project and sync settings. */
export function applicationMeanings(change: ObjectChange, context: ChangeContext): Meaning[] {
  if (!change.head) return [];
  if (!change.base) return newApplicationMeanings(change, context);
  const { object, cluster } = change.head;
  const before = mappingAt(change.base.object.data, 'spec');
  const after = mappingAt(change.head.object.data, 'spec');
  const application = `${context.headApplications.application(cluster, object.name)?.root ? 'root ' : ''}Application ${object.name}`;
  const meanings: Meaning[] = [];
  let sourceChanged = false;
  for (const { path, old, next } of sourcesOf(before, after)) {
    const changed = change.fields
      .filter((field) => path.every((segment, index) => field.path[index] === segment))
      .map((field) => String(field.path[path.length]));
    if (changed.length === 0) continue;
    const controller = old.chart === ARGO_ROLLOUTS_CHART && next.chart === ARGO_ROLLOUTS_CHART;
    if (controller && changed.includes('targetRevision')) {
      meanings.push({
        code: 'controller-chart-changed',
        severity: 'notice',
        message: `Argo Rollouts controller chart ${ARGO_ROLLOUTS_CHART} ${show(old.targetRevision)} → ${show(next.targetRevision)}: Argo CD upgrades the controller (and its CRDs) in cluster ${cluster}`,
      });
    }
    if (controller && changed.includes('helm')) {
      meanings.push(...controllerValueMeanings(old, next));
      meanings.push({
        code: 'controller-settings-changed',
        severity: 'notice',
        message: 'Argo Rollouts controller Helm values changed: the controller restarts with them',
      });
    }
    // For the controller's source, only a change other than its version and values moves the source.
    if (!controller || changed.some((field) => field !== 'targetRevision' && field !== 'helm')) sourceChanged = true;
  }
  if (touches(change.fields, ['spec', 'project'])) meanings.push(...projectChangeMeanings(change, context));
  if (sourceChanged || touches(change.fields, ['spec', 'destination']) || touches(change.fields, ['spec', 'project'])) {
    meanings.push({
      code: 'application-source-changed',
      severity: 'notice',
      message: `${application} now syncs ${describeSource(after)} into ${describeDestination(after)} (project ${show(after.project)})`,
    });
  }
  const syncChanges = describeSyncChanges(change.base.object.data, change.head.object.data, change.fields);
  if (syncChanges.length > 0) {
    meanings.push({
      code: 'sync-settings-changed',
      severity: 'notice',
      message: `sync settings of ${application} changed: ${syncChanges.join('; ')}`,
    });
  }
  return meanings;
}

const BUILT_IN_DEFAULT = " (Argo CD's built-in default: every repository, destination and kind)";

/**
 * A new Application: in a project that grants more than the derived one, it widens what the
 * pull request can deploy; its destination is judged against its project. Roots are applied
 * by hand, by an operator, and are left to the applied-by-hand notice.
 */
function newApplicationMeanings(change: ObjectChange, context: ChangeContext): Meaning[] {
  const { cluster, object } = change.head!;
  const application = context.headApplications.application(cluster, object.name);
  if (!application || application.root) return [];
  const project = context.project('head', cluster, application.project);
  if (!project) return [missingProject(application)];
  const meanings = beyondDerivedProject(application, project, `new Application ${object.name}`, context);
  const destination = refusedDestination(application, project);
  if (destination) meanings.push(destination);
  return meanings;
}

/** The project's grants beyond the derived project's, as a widening; none when the tree has no derived project. */
function beyondDerivedProject(application: ApplicationInfo, project: ProjectPolicy, what: string, context: ChangeContext): Meaning[] {
  const derived = context.project('head', application.cluster, DERIVED_PROJECT_NAME);
  if (!derived || project.name === derived.name) return [];
  return describePermissionChanges(
    { spec: derived.spec },
    { spec: project.spec },
    `${what} is in project ${project.name}${project.builtIn ? BUILT_IN_DEFAULT : ''}, which grants more than ${derived.name}: permissions`,
  ).filter((meaning) => meaning.code === 'permissions-widened');
}

function missingProject(application: ApplicationInfo): Meaning {
  return {
    code: 'sync-refused',
    severity: 'danger',
    message: `the sync of ${application.name} fails: project ${application.project} does not exist in cluster ${application.cluster}`,
  };
}

function refusedDestination(application: ApplicationInfo, project: ProjectPolicy): Meaning | undefined {
  const { server, namespace } = application.destination;
  if (isDestinationPermitted(project, server, namespace)) return undefined;
  return {
    code: 'sync-refused',
    severity: 'danger',
    message: `the sync of ${application.name} fails: destination namespace ${namespace || '(none)'} on ${server} is not permitted in project ${project.name}`,
  };
}

/** An Application moves to another AppProject: a permission change, compared project to project and with the derived project. */
function projectChangeMeanings(change: ObjectChange, context: ChangeContext): Meaning[] {
  const { cluster, object } = change.head!;
  const projectName = (data: ManifestData) => stringAt(data, 'spec', 'project') || 'default';
  const [oldName, newName] = [projectName(change.base!.object.data), projectName(object.data)];
  const [before, after] = [context.project('base', cluster, oldName), context.project('head', cluster, newName)];
  const application = context.headApplications.application(cluster, object.name);
  if (!after) return application ? [missingProject(application)] : [];
  if (!before) return [];
  const meanings = describePermissionChanges(
    { spec: before.spec },
    { spec: after.spec },
    `moves from project ${oldName} to ${newName}${after.builtIn ? BUILT_IN_DEFAULT : ''}: permissions`,
  );
  if (!application) return meanings;
  if (!meanings.some((meaning) => meaning.code === 'permissions-widened'))
    meanings.push(...beyondDerivedProject(application, after, `Application ${object.name}`, context));
  const refused = refusedKinds(application, 'head', context);
  if (refused.length > 0)
    meanings.push({ code: 'sync-refused', severity: 'danger', message: refusalMessage(object.name, newName, refused, 'will fail') });
  const destination = refusedDestination(application, after);
  if (destination) meanings.push(destination);
  return meanings;
}

/** `spec.source` and each `spec.sources[i]`, before and after (empty where absent), with their field paths. */
function sourcesOf(before: Mapping, after: Mapping): { path: FieldPathSegment[]; old: Mapping; next: Mapping }[] {
  const sources: { path: FieldPathSegment[]; old: Mapping; next: Mapping }[] = [
    { path: ['spec', 'source'], old: mappingAt(before, 'source'), next: mappingAt(after, 'source') },
  ];
  const count = Math.max(listAt(before, 'sources').length, listAt(after, 'sources').length);
  for (let index = 0; index < count; index++)
    sources.push({ path: ['spec', 'sources', index], old: mappingAt(before, 'sources', index), next: mappingAt(after, 'sources', index) });
  return sources;
}

function describeSource(applicationSpec: Mapping): string {
  const sources = applicationSpec.source ? [applicationSpec.source] : listAt(applicationSpec, 'sources');
  return sources
    .map((source) => {
      const { chart, path, repoURL, targetRevision } = mappingAt(source);
      return `${chart ? `chart ${show(chart)}` : show(path)} from ${show(repoURL)} at ${show(targetRevision)}`;
    })
    .join(' + ');
}

function describeDestination(applicationSpec: Mapping): string {
  const destination = mappingAt(applicationSpec, 'destination');
  return `namespace ${show(destination.namespace)} on ${show(destination.server ?? destination.name)}`;
}

/**
 * Readable differences of sync policy, sync options and sync annotations. Blocks shown whole are
 * compared through `fields`, which key order never changes.
 */
function describeSyncChanges(base: ManifestData, head: ManifestData, fields: readonly FieldChange[]): string[] {
  const [before, after] = [mappingAt(base, ...SYNC_POLICY), mappingAt(head, ...SYNC_POLICY)];
  const changes: string[] = [];
  const onOff = (value: boolean) => (value ? 'on' : 'off');
  const automated = (p: Mapping) => p.automated !== undefined && p.automated !== null && valueAt(p, ['automated', 'enabled']) !== false;
  if (automated(before) !== automated(after)) {
    changes.push(automated(after) ? 'automated sync turned on' : 'automated sync turned off: changes wait for a manual sync');
  }
  for (const flag of ['prune', 'selfHeal', 'allowEmpty'] as const) {
    const [old, next] = [valueAt(before, ['automated', flag]) === true, valueAt(after, ['automated', flag]) === true];
    if (old !== next) changes.push(`automated ${flag} ${onOff(old)} → ${onOff(next)}`);
  }
  const options = (p: Mapping) => new Set(listAt(p, 'syncOptions').map((option) => show(option)));
  const [oldOptions, newOptions] = [options(before), options(after)];
  for (const option of newOptions) if (!oldOptions.has(option)) changes.push(`+ syncOption ${option}`);
  for (const option of oldOptions) if (!newOptions.has(option)) changes.push(`- syncOption ${option}`);
  if (touches(fields, [...SYNC_POLICY, 'retry'])) changes.push(`retry ${show(before.retry)} → ${show(after.retry)}`);
  const annotations = (data: ManifestData) => mappingAt(data, 'metadata', 'annotations');
  for (const annotation of SYNC_ANNOTATIONS) {
    const [old, next] = [annotations(base)[annotation], annotations(head)[annotation]];
    if (old !== next) changes.push(`${annotation.slice('argocd.argoproj.io/'.length)} ${show(old)} → ${show(next)}`);
  }
  const handled = new Set(['automated', 'syncOptions', 'retry']);
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (!handled.has(key) && touches(fields, [...SYNC_POLICY, key])) changes.push(`syncPolicy.${key} changed`);
  }
  return changes;
}
