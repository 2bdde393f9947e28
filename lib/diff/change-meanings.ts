import { apiGroupOf, formatKind } from '../argocd/resource-kinds.js';
import { ROLLOUTS_CHART_KINDS } from '../argocd/rollouts-chart-kinds.js';
import { analysisMeanings } from './analysis-changes.js';
import { appProjectPermissionChanges } from './app-project-permissions.js';
import { type ApplicationIndex, type ApplicationInfo, isApplication } from './application-index.js';
import type { Meaning } from './diff-model.js';
import { type FieldChange, touches, valueAt } from './field-changes.js';
import { isKind, type ManifestData, type ManifestObject } from './manifest-tree.js';
import {
  isDestinationPermitted,
  isNamespacedKind,
  isPermitted,
  type ProjectPolicy,
  refusalMessage,
  type ResourceRef,
} from './project-policy.js';
import { isSecret } from './secret-masking.js';

/** An object on one side of the diff, with where it belongs. */
export interface PlacedObject {
  readonly object: ManifestObject;
  readonly cluster: string;
  readonly owners: readonly ApplicationInfo[];
}

/** One object that differs, before classification. */
export interface ObjectChange {
  readonly base?: PlacedObject;
  readonly head?: PlacedObject;
  /** Leaf changes; empty unless the object exists on both sides. */
  readonly fields: readonly FieldChange[];
}

/** What the rules may look up besides the change itself. */
export interface ChangeContext {
  /** The tree's folder in the repository, for messages. */
  readonly distPath: string;
  readonly baseApplications: ApplicationIndex;
  readonly headApplications: ApplicationIndex;
  /** Workloads with a pod template (Rollouts, Deployments) after the change, in one cluster and namespace. */
  workloadsIn(cluster: string, namespace: string): readonly PlacedObject[];
  /** Whether the pod template of this workload (after the change) changed. */
  podTemplateChanged(workload: PlacedObject): boolean;
  /** The objects an Application syncs from the tree, on one side. */
  ownedBy(side: 'base' | 'head', cluster: string, application: string): readonly PlacedObject[];
  /** The AppProject `name` of a cluster on one side; Argo CD's built-in one for an undefined `default`. */
  project(side: 'base' | 'head', cluster: string, name: string): ProjectPolicy | undefined;
  /** An object of the tree after the change, by API group, kind, namespace and name. */
  headObject(cluster: string, apiGroup: string, kind: string, namespace: string, name: string): PlacedObject | undefined;
  /** Every copy of an object defined more than once after the change; empty when it is defined once. */
  duplicatesOf(placed: PlacedObject): readonly PlacedObject[];
  /** Whether the tree after the change has any file under `folder` (a path inside dist/). */
  headHasFolder(folder: string): boolean;
}

const ARGO_ROLLOUTS_CHART = 'argo-rollouts';
const SYNC_ANNOTATIONS = ['argocd.argoproj.io/sync-wave', 'argocd.argoproj.io/sync-options'];
const POD_TEMPLATE = ['spec', 'template'];
const SYNC_POLICY = ['spec', 'syncPolicy'];

const isRollout = (object: ManifestObject) => isKind(object, 'argoproj.io', 'Rollout');
export const isWorkload = (object: ManifestObject) => isRollout(object) || isKind(object, 'apps', 'Deployment');
const isConfigMap = (object: ManifestObject) => isKind(object, '', 'ConfigMap');
export const isAppProject = (object: ManifestObject) => isKind(object, 'argoproj.io', 'AppProject');

const spec = (data: ManifestData): Record<string, any> => (data.spec ?? {}) as Record<string, any>;
const show = (value: unknown): string => (value === undefined ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value));

/** Every meaning of one change, most important first. */
export function meaningsOf(change: ObjectChange, context: ChangeContext): Meaning[] {
  const meanings: Meaning[] = [];
  const object = (change.head ?? change.base)!.object;
  if (!change.head) meanings.push(pruneMeaning(change.base!, context));
  if (isRollout(object)) meanings.push(...rolloutMeanings(change));
  else if (isKind(object, 'apps', 'Deployment') && change.base && change.head && touches(change.fields, POD_TEMPLATE)) {
    meanings.push({
      code: 'rolling-update',
      severity: 'notice',
      message: 'pod template changed: a rolling update replaces the pods, without a canary',
    });
  }
  meanings.push(...analysisMeanings(change));
  if (isConfigMap(object) || isSecret(object)) meanings.push(...configMeanings(change, context));
  if (isApplication(object)) meanings.push(...applicationMeanings(change, context));
  if (isAppProject(object)) meanings.push(...permissionMeanings(change, context));
  if (change.head) meanings.push(...admissionMeanings(change.head, context));
  if (isSecret(object) && change.base && change.head) {
    meanings.push({ code: 'secret-changed', severity: 'info', message: 'Secret changed; its values are masked here' });
  }
  if (change.head) meanings.push(...ownershipMeanings(change));
  if (meanings.length === 0) {
    meanings.push(
      change.base
        ? { code: 'updated', severity: 'info', message: 'Argo CD applies the change in place' }
        : { code: 'created', severity: 'info', message: 'Argo CD creates it' },
    );
  }
  const order = { danger: 0, warning: 1, notice: 2, info: 3 };
  return meanings.sort((a, b) => order[a.severity] - order[b.severity]);
}

/** What becomes of an Application that leaves the tree, as its parents decide. */
type Fate =
  | { readonly kind: 'kept'; readonly application: ApplicationInfo }
  /** Its parent deletes it (automated prune, or its own resources finalizer). */
  | { readonly kind: 'deleted'; readonly how: string }
  /** It stays in the cluster: nothing deletes it. */
  | { readonly kind: 'stays'; readonly why: string };

function fateOf(application: ApplicationInfo, context: ChangeContext, depth = 0): Fate {
  const kept = context.headApplications.application(application.cluster, application.name);
  if (kept) return { kind: 'kept', application: kept };
  const parent = context.baseApplications.ownersOf(application.file)[0];
  if (!parent) return { kind: 'stays', why: 'it is applied by hand and nothing deletes it' };
  const parentFate: Fate = depth > 8 ? { kind: 'stays', why: '' } : fateOf(parent, context, depth + 1);
  if (parentFate.kind === 'kept') {
    return parentFate.application.automatedPrune
      ? { kind: 'deleted', how: `Application ${parent.name} prunes it (automated prune)` }
      : { kind: 'stays', why: `Application ${parent.name} shows it OutOfSync and deletes it only in a sync with prune` };
  }
  if (parentFate.kind === 'deleted' && parent.cascades)
    return { kind: 'deleted', how: `it goes with Application ${parent.name}, whose resources finalizer deletes what it synced` };
  if (parentFate.kind === 'deleted')
    return { kind: 'stays', why: `Application ${parent.name} is deleted without a resources finalizer, which orphans it` };
  return {
    kind: 'stays',
    why: `Application ${parent.name}, which synced it, stays too and cannot prune it${pathGoneNote(parent, context)}`,
  };
}

/** The folders an Application syncs that no longer exist after the change. */
function goneFolders(application: ApplicationInfo, context: ChangeContext): string[] {
  return application.folders.filter((folder) => !context.headHasFolder(folder));
}

function pathGoneNote(application: ApplicationInfo, context: ChangeContext): string {
  const gone = goneFolders(application, context);
  if (gone.length === 0 || gone.length < application.folders.length) return '';
  return `; the source path of ${application.name}, ${gone.map((folder) => `${context.distPath}/${folder}`).join(', ')}, no longer exists, so Argo CD reports a ComparisonError for it and it stops syncing`;
}

function pruneMeaning(base: PlacedObject, context: ChangeContext): Meaning {
  const { object } = base;
  if (base.owners.length === 0) {
    const root = isApplication(object) ? context.baseApplications.application(base.cluster, object.name) : undefined;
    if (root) return rootRemovalMeaning(root, context);
    return {
      code: 'prune',
      severity: 'warning',
      message: `no Application syncs ${object.file}, so nothing prunes it: delete it from the cluster by hand (kubectl delete)`,
    };
  }
  let automatic = true;
  const messages = base.owners.map((owner) => {
    const fate = fateOf(owner, context);
    if (fate.kind === 'kept') {
      automatic &&= fate.application.automatedPrune;
      return fate.application.automatedPrune
        ? `Argo CD prunes it: Application ${owner.name} syncs with automated prune`
        : `Application ${owner.name} shows it OutOfSync; it is deleted only by a sync with prune`;
    }
    if (fate.kind === 'deleted' && owner.cascades)
      return `Application ${owner.name} is removed too (${fate.how}); its resources finalizer deletes this with it`;
    automatic = false;
    if (fate.kind === 'deleted')
      return `Application ${owner.name} is removed too (${fate.how}) and has no resources finalizer: this object is left running (orphaned)`;
    return `Application ${owner.name} leaves Git but stays in the cluster: ${fate.why}${pathGoneNote(owner, context)}; nothing deletes this object, it keeps running`;
  });
  return { code: 'prune', severity: automatic ? 'notice' : 'warning', message: messages.join('; ') };
}

/** A root Application (applied by hand) leaves the tree: usually a cluster being removed. */
function rootRemovalMeaning(root: ApplicationInfo, context: ChangeContext): Meaning {
  const children = context.ownedBy('base', root.cluster, root.name).map((placed) => `${placed.object.kind} ${placed.object.name}`);
  const synced = children.length > 0 ? children.join(', ') : 'the objects it synced';
  const gone = goneFolders(root, context).length === root.folders.length && root.folders.length > 0;
  const state = gone
    ? `Its source path ${root.folders.map((folder) => `${context.distPath}/${folder}`).join(', ')} no longer exists, so Argo CD reports a ComparisonError for it and stops syncing: nothing is pruned, and ${synced} and their workloads keep running.`
    : `It keeps syncing ${root.folders.map((folder) => `${context.distPath}/${folder}`).join(', ')}.`;
  const finalizer = root.cascades
    ? 'Deleting it deletes what it synced (it has the resources finalizer).'
    : `Deleting it with plain kubectl delete orphans ${synced}: it has no resources finalizer.`;
  return {
    code: 'prune',
    severity: 'danger',
    message: `nothing deletes the live Application ${root.name}: it is applied by hand. ${state} ${finalizer} Remove the cluster as docs/operating.md says under "Removing a cluster": cascade-delete its Applications before this change is merged.`,
  };
}

function rolloutMeanings(change: ObjectChange): Meaning[] {
  if (!change.base) {
    return [
      {
        code: 'rollout-created',
        severity: 'info',
        message: 'new Rollout: with no stable ReplicaSet before it, it goes straight to healthy, without a canary',
      },
    ];
  }
  if (!change.head) return [];
  const meanings: Meaning[] = [];
  const before = spec(change.base.object.data);
  const after = spec(change.head.object.data);
  if (touches(change.fields, POD_TEMPLATE)) {
    meanings.push({ code: 'canary-started', severity: 'notice', message: `pod template changed: ${describeUpdate(after)}` });
  }
  if (touches(change.fields, ['spec', 'strategy'])) {
    meanings.push({
      code: 'canary-steps-changed',
      severity: 'notice',
      message: `rollout strategy changed: ${describeStrategy(before)} → ${describeStrategy(after)}`,
    });
  }
  if (touches(change.fields, ['spec', 'replicas'])) {
    const tail = touches(change.fields, POD_TEMPLATE) ? '' : ': the current ReplicaSet scales, no canary';
    meanings.push({
      code: 'replicas-changed',
      severity: 'notice',
      message: `replicas ${show(before.replicas ?? 1)} → ${show(after.replicas ?? 1)}${tail}`,
    });
  }
  return meanings;
}

/** What Argo Rollouts does when the pod template of a Rollout with `rolloutSpec` changes. */
function describeUpdate(rolloutSpec: Record<string, any>): string {
  const strategy = rolloutSpec.strategy ?? {};
  if (strategy.blueGreen) {
    return strategy.blueGreen.autoPromotionEnabled === false
      ? 'a new ReplicaSet starts as the blue-green preview and waits for an operator to promote it'
      : 'a new ReplicaSet starts as the blue-green preview and is promoted automatically';
  }
  const steps: Record<string, any>[] = Array.isArray(strategy.canary?.steps) ? strategy.canary.steps : [];
  const firstWeight = steps.findIndex((step) => typeof step.setWeight === 'number');
  if (firstWeight < 0) return 'a new ReplicaSet replaces the pods without pausing (no canary steps)';
  const weight: number = steps[firstWeight].setWeight;
  const replicas = typeof rolloutSpec.replicas === 'number' ? rolloutSpec.replicas : 1;
  const canaryPods = Math.ceil((replicas * weight) / 100);
  let text = `a new ReplicaSet and a ${weight}% canary (${canaryPods} of ${replicas} pods)`;
  const pause = steps.slice(firstWeight + 1).find((step) => 'pause' in step || typeof step.setWeight === 'number');
  if (pause && 'pause' in pause) {
    const duration = pause.pause?.duration;
    text +=
      duration === undefined
        ? ' that pauses for an operator to promote or abort'
        : ` that pauses ${show(duration)}, then continues on its own`;
  }
  return text;
}

function describeStrategy(rolloutSpec: Record<string, any>): string {
  const strategy = rolloutSpec.strategy ?? {};
  if (strategy.blueGreen) return 'blue-green';
  const steps: Record<string, any>[] = Array.isArray(strategy.canary?.steps) ? strategy.canary.steps : [];
  if (!strategy.canary) return '(none)';
  if (steps.length === 0) return 'canary with no steps';
  return steps
    .map((step) => {
      if (typeof step.setWeight === 'number') return `setWeight ${step.setWeight}`;
      if ('pause' in step) return step.pause?.duration === undefined ? 'pause' : `pause ${show(step.pause.duration)}`;
      return Object.keys(step).join('+');
    })
    .join(', ');
}

/** Which ConfigMaps and Secrets a pod spec reads: volumes, projected volumes, envFrom and env. */
function configReferences(podSpec: Record<string, any>): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  const add = (set: Set<string>, name: unknown) => typeof name === 'string' && set.add(name);
  for (const volume of podSpec.volumes ?? []) {
    add(configMaps, volume?.configMap?.name);
    add(secrets, volume?.secret?.secretName);
    for (const source of volume?.projected?.sources ?? []) {
      add(configMaps, source?.configMap?.name);
      add(secrets, source?.secret?.name);
    }
  }
  for (const container of [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? [])]) {
    for (const from of container?.envFrom ?? []) {
      add(configMaps, from?.configMapRef?.name);
      add(secrets, from?.secretRef?.name);
    }
    for (const env of container?.env ?? []) {
      add(configMaps, env?.valueFrom?.configMapKeyRef?.name);
      add(secrets, env?.valueFrom?.secretKeyRef?.name);
    }
  }
  return { configMaps, secrets };
}

function configMeanings(change: ObjectChange, context: ChangeContext): Meaning[] {
  if (!change.base || !change.head) return [];
  const { object, cluster } = change.head;
  const contentChanged = ['data', 'binaryData', 'stringData'].some((field) => touches(change.fields, [field]));
  if (!contentChanged) return [];
  const meanings: Meaning[] = [];
  if (change.base.object.data.immutable === true) {
    // Nothing reaches running pods: the API server rejects the edit.
    return [
      {
        code: 'immutable-changed',
        severity: 'warning',
        message: `${object.kind} ${object.name} is immutable: the API server rejects the change and the sync fails; give the new content a new name`,
      },
    ];
  }
  const secret = isSecret(object);
  for (const workload of context.workloadsIn(cluster, object.namespace)) {
    const podSpec = valueAt(workload.object.data, [...POD_TEMPLATE, 'spec']);
    if (!podSpec || typeof podSpec !== 'object') continue;
    const references = configReferences(podSpec as Record<string, any>);
    if (!(secret ? references.secrets : references.configMaps).has(object.name)) continue;
    const user = `${workload.object.kind} ${workload.object.name}`;
    meanings.push(
      context.podTemplateChanged(workload)
        ? {
            code: 'config-with-canary',
            severity: 'info',
            message: `${user} uses it and its pod template changed too: the new pods carry the change`,
          }
        : {
            code: 'config-without-canary',
            severity: 'warning',
            message: `${user} uses it but its pod template did not change: running pods change without a canary (mounted files update in place; environment variables only on restart)`,
          },
    );
  }
  return meanings;
}

function applicationMeanings(change: ObjectChange, context: ChangeContext): Meaning[] {
  if (!change.base || !change.head) return [];
  const { object, cluster } = change.head;
  const before = spec(change.base.object.data);
  const after = spec(change.head.object.data);
  const application = `${context.headApplications.application(cluster, object.name)?.root ? 'root ' : ''}Application ${object.name}`;
  const meanings: Meaning[] = [];
  let sourceChanged = false;
  for (const { path, old, next } of sourcesOf(before, after)) {
    const changed = change.fields
      .filter((field) => path.every((segment, index) => field.path[index] === segment))
      .map((field) => String(field.path[path.length]));
    if (changed.length === 0) continue;
    const controller = old?.chart === ARGO_ROLLOUTS_CHART && next?.chart === ARGO_ROLLOUTS_CHART;
    if (controller && changed.includes('targetRevision')) {
      meanings.push({
        code: 'controller-chart-changed',
        severity: 'notice',
        message: `Argo Rollouts controller chart ${ARGO_ROLLOUTS_CHART} ${show(old.targetRevision)} → ${show(next.targetRevision)}: Argo CD upgrades the controller (and its CRDs) in cluster ${cluster}`,
      });
    }
    if (controller && changed.includes('helm')) {
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

/** An Application moves to another AppProject: a permission change, compared project to project. */
function projectChangeMeanings(change: ObjectChange, context: ChangeContext): Meaning[] {
  const { cluster, object } = change.head!;
  const projectName = (data: ManifestData) =>
    typeof spec(data).project === 'string' && spec(data).project !== '' ? (spec(data).project as string) : 'default';
  const [oldName, newName] = [projectName(change.base!.object.data), projectName(object.data)];
  const [before, after] = [context.project('base', cluster, oldName), context.project('head', cluster, newName)];
  if (!before || !after) return [];
  const meanings = describePermissionChanges(
    { spec: before.spec },
    { spec: after.spec },
    `moves from project ${oldName} to ${newName}${after.builtIn ? " (Argo CD's built-in default: every repository, destination and kind)" : ''}: permissions`,
  );
  const application = context.headApplications.application(cluster, object.name);
  const refused = application ? refusedKinds(application, 'head', context) : [];
  if (refused.length > 0)
    meanings.push({ code: 'sync-refused', severity: 'danger', message: refusalMessage(object.name, newName, refused, 'will fail') });
  return meanings;
}

/** `spec.source` and each `spec.sources[i]`, before and after, with their field paths. */
function sourcesOf(
  before: Record<string, any>,
  after: Record<string, any>,
): { path: (string | number)[]; old?: Record<string, any>; next?: Record<string, any> }[] {
  const sources: { path: (string | number)[]; old?: Record<string, any>; next?: Record<string, any> }[] = [
    { path: ['spec', 'source'], old: before.source, next: after.source },
  ];
  const count = Math.max(before.sources?.length ?? 0, after.sources?.length ?? 0);
  for (let index = 0; index < count; index++)
    sources.push({ path: ['spec', 'sources', index], old: before.sources?.[index], next: after.sources?.[index] });
  return sources;
}

function describeSource(applicationSpec: Record<string, any>): string {
  const sources: Record<string, any>[] = applicationSpec.source ? [applicationSpec.source] : (applicationSpec.sources ?? []);
  return sources
    .map(
      (source) =>
        `${source.chart ? `chart ${source.chart}` : show(source.path)} from ${show(source.repoURL)} at ${show(source.targetRevision)}`,
    )
    .join(' + ');
}

function describeDestination(applicationSpec: Record<string, any>): string {
  const destination = applicationSpec.destination ?? {};
  return `namespace ${show(destination.namespace)} on ${show(destination.server ?? destination.name)}`;
}

/**
 * Readable differences of sync policy, sync options and sync annotations. Blocks shown whole are
 * compared through `fields`, which key order never changes.
 */
function describeSyncChanges(base: ManifestData, head: ManifestData, fields: readonly FieldChange[]): string[] {
  const policy = (data: ManifestData) => (spec(data).syncPolicy ?? {}) as Record<string, any>;
  const [before, after] = [policy(base), policy(head)];
  const changes: string[] = [];
  const onOff = (value: boolean) => (value ? 'on' : 'off');
  const automated = (p: Record<string, any>) => p.automated !== undefined && p.automated !== null && p.automated.enabled !== false;
  if (automated(before) !== automated(after)) {
    changes.push(automated(after) ? 'automated sync turned on' : 'automated sync turned off: changes wait for a manual sync');
  }
  for (const flag of ['prune', 'selfHeal', 'allowEmpty'] as const) {
    const [old, next] = [before.automated?.[flag] === true, after.automated?.[flag] === true];
    if (old !== next) changes.push(`automated ${flag} ${onOff(old)} → ${onOff(next)}`);
  }
  const options = (p: Record<string, any>) => new Set<string>(Array.isArray(p.syncOptions) ? p.syncOptions : []);
  const [oldOptions, newOptions] = [options(before), options(after)];
  for (const option of newOptions) if (!oldOptions.has(option)) changes.push(`+ syncOption ${option}`);
  for (const option of oldOptions) if (!newOptions.has(option)) changes.push(`- syncOption ${option}`);
  if (touches(fields, [...SYNC_POLICY, 'retry'])) changes.push(`retry ${show(before.retry)} → ${show(after.retry)}`);
  const annotations = (data: ManifestData) =>
    ((data.metadata as Record<string, any> | undefined)?.annotations ?? {}) as Record<string, unknown>;
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

function permissionMeanings(change: ObjectChange, context: ChangeContext): Meaning[] {
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

function describePermissionChanges(base: ManifestData | undefined, head: ManifestData | undefined, what: string): Meaning[] {
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
  for (const chart of application.charts) {
    if (chart.name === ARGO_ROLLOUTS_CHART)
      kinds.push(...(ROLLOUTS_CHART_KINDS[chart.version] ?? []).map((kind) => ({ ...kind, name: '' })));
  }
  if (application.createsNamespace && application.destination.namespace !== '')
    kinds.push({ group: '', kind: 'Namespace', name: application.destination.namespace });
  return kinds;
}

/** The kinds an Application deploys that its project refuses; none when the project is not in the tree. */
function refusedKinds(application: ApplicationInfo, side: 'base' | 'head', context: ChangeContext): ResourceRef[] {
  const project = context.project(side, application.cluster, application.project);
  if (!project) return [];
  return deployedKinds(application, side, context).filter((kind) => !isPermitted(project, kind));
}

/**
 * What the cluster's admission makes of an added or changed object: its project's permission
 * for its kind and destination, bindings that grant everything, the size limit, duplicates.
 */
function admissionMeanings(head: PlacedObject, context: ChangeContext): Meaning[] {
  const { object, cluster } = head;
  const meanings: Meaning[] = [];
  const group = apiGroupOf(object.apiVersion);
  for (const owner of head.owners) {
    const project = context.project('head', cluster, owner.project);
    if (!project) continue;
    if (!isPermitted(project, { group, kind: object.kind, name: object.name })) {
      meanings.push({
        code: 'sync-refused',
        severity: 'danger',
        message: refusalMessage(owner.name, project.name, [{ group, kind: object.kind }], 'fails'),
      });
    } else if (isNamespacedKind(group, object.kind)) {
      const namespace = object.namespace || owner.destination.namespace;
      if (!isDestinationPermitted(project, owner.destination.server, namespace)) {
        meanings.push({
          code: 'sync-refused',
          severity: 'danger',
          message: `the sync of ${owner.name} fails: destination namespace ${namespace} on ${owner.destination.server} is not permitted in project ${project.name}`,
        });
      }
    }
  }
  if (group === 'rbac.authorization.k8s.io' && (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding')) {
    const grant = broadGrant(object, cluster, context);
    if (grant) meanings.push({ code: 'broad-binding', severity: 'danger', message: `${object.kind} ${object.name} ${grant}` });
  }
  if (isConfigMap(object) || isSecret(object)) {
    const size = dataSize(object.data);
    if (size > MAX_CONFIG_SIZE) {
      meanings.push({
        code: 'too-large',
        severity: 'danger',
        message: `${object.kind} ${object.name} holds ${size} bytes of data, over the API server's 1 MiB limit (${MAX_CONFIG_SIZE} bytes): the API server rejects it and the sync fails`,
      });
    }
  }
  const copies = context.duplicatesOf(head);
  if (copies.length > 1) {
    meanings.push({
      code: 'duplicate',
      severity: 'danger',
      message: `defined ${copies.length} times in cluster ${cluster} (${copies.map((copy) => copy.object.file).join(', ')}): Argo CD applies only one of them and reports a conflict; keep one`,
    });
  }
  return meanings;
}

/** The API server's limit on a ConfigMap's or Secret's data (`MaxSecretSize`). */
const MAX_CONFIG_SIZE = 1024 * 1024;

/** Bytes of data as the API server counts them: keys and values, binary values decoded. */
function dataSize(data: ManifestData): number {
  let size = 0;
  const add = (values: unknown, decode: boolean) => {
    if (!values || typeof values !== 'object') return;
    for (const [key, value] of Object.entries(values)) {
      const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
      size += Buffer.byteLength(key) + (decode ? Buffer.byteLength(text, 'base64') : Buffer.byteLength(text));
    }
  };
  const secret = data.kind === 'Secret';
  add(data.data, secret);
  add(data.binaryData, true);
  add(data.stringData, false);
  return size;
}

/** What a binding grants when it is everything: `cluster-admin`, or a role whose rules are wildcards; otherwise `undefined`. */
function broadGrant(binding: ManifestObject, cluster: string, context: ChangeContext): string | undefined {
  const roleRef = (binding.data.roleRef ?? {}) as Record<string, unknown>;
  const [kind, name] = [String(roleRef.kind ?? ''), String(roleRef.name ?? '')];
  if (kind === 'ClusterRole' && name === 'cluster-admin')
    return 'binds ClusterRole cluster-admin: its subjects get full control of the cluster';
  const role = context.headObject(cluster, 'rbac.authorization.k8s.io', kind, kind === 'Role' ? binding.namespace : '', name);
  const rules = Array.isArray(role?.object.data.rules) ? (role.object.data.rules as Record<string, unknown>[]) : [];
  const wildcard = (values: unknown) => Array.isArray(values) && values.includes('*');
  const broad = rules.find((rule) => wildcard(rule?.verbs) && (wildcard(rule?.resources) || wildcard(rule?.nonResourceURLs)));
  return broad
    ? `binds ${kind} ${name}, whose rules allow every verb on ${wildcard(broad.resources) ? 'every resource' : 'every URL'}: its subjects get full control${kind === 'Role' ? ' of the namespace' : ''}`
    : undefined;
}

function ownershipMeanings(change: ObjectChange): Meaning[] {
  const head = change.head!;
  const meanings: Meaning[] = [];
  if (head.owners.length === 0) {
    meanings.push({
      code: 'applied-by-hand',
      severity: 'notice',
      message: `no Application syncs ${head.object.file}: the change reaches the cluster only when someone applies it (kubectl apply -f)`,
    });
  }
  if (change.base) {
    const names = (placed: PlacedObject) => placed.owners.map((owner) => owner.name).join(', ') || '(none)';
    if (names(change.base) !== names(head)) {
      meanings.push({
        code: 'owner-changed',
        severity: 'warning',
        message: `moves from Application ${names(change.base)} to ${names(head)}: the old one prunes it (if it prunes) while the new one creates it`,
      });
    }
  }
  return meanings;
}
