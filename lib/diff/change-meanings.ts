import { analysisMeanings } from './analysis-changes.js';
import { appProjectPermissionChanges } from './app-project-permissions.js';
import { ApplicationIndex, ApplicationInfo, isApplication } from './application-index.js';
import { Meaning } from './diff-model.js';
import { FieldChange, touches, valueAt } from './field-changes.js';
import { isKind, ManifestData, ManifestObject } from './manifest-tree.js';
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
  readonly baseApplications: ApplicationIndex;
  readonly headApplications: ApplicationIndex;
  /** Workloads with a pod template (Rollouts, Deployments) after the change, in one cluster and namespace. */
  workloadsIn(cluster: string, namespace: string): readonly PlacedObject[];
  /** Whether the pod template of this workload (after the change) changed. */
  podTemplateChanged(workload: PlacedObject): boolean;
}

const ARGO_ROLLOUTS_CHART = 'argo-rollouts';
const SYNC_ANNOTATIONS = ['argocd.argoproj.io/sync-wave', 'argocd.argoproj.io/sync-options'];
const POD_TEMPLATE = ['spec', 'template'];
const SYNC_POLICY = ['spec', 'syncPolicy'];

const isRollout = (object: ManifestObject) => isKind(object, 'argoproj.io', 'Rollout');
export const isWorkload = (object: ManifestObject) => isRollout(object) || isKind(object, 'apps', 'Deployment');
const isConfigMap = (object: ManifestObject) => isKind(object, '', 'ConfigMap');
const isAppProject = (object: ManifestObject) => isKind(object, 'argoproj.io', 'AppProject');

const spec = (data: ManifestData): Record<string, any> => (data.spec ?? {}) as Record<string, any>;
const show = (value: unknown): string => (value === undefined ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value));

/** Every meaning of one change, most important first. */
export function meaningsOf(change: ObjectChange, context: ChangeContext): Meaning[] {
  const meanings: Meaning[] = [];
  const object = (change.head ?? change.base)!.object;
  if (!change.head) meanings.push(pruneMeaning(change.base!, context));
  if (isRollout(object)) meanings.push(...rolloutMeanings(change));
  else if (isKind(object, 'apps', 'Deployment') && change.base && change.head && touches(change.fields, POD_TEMPLATE)) {
    meanings.push({ code: 'rolling-update', severity: 'notice', message: 'pod template changed: a rolling update replaces the pods, without a canary' });
  }
  meanings.push(...analysisMeanings(change));
  if (isConfigMap(object) || isSecret(object)) meanings.push(...configMeanings(change, context));
  if (isApplication(object)) meanings.push(...applicationMeanings(change, context));
  if (isAppProject(object)) meanings.push(...permissionMeanings(change));
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

function pruneMeaning(base: PlacedObject, context: ChangeContext): Meaning {
  const { object } = base;
  if (base.owners.length === 0) {
    return {
      code: 'prune',
      severity: 'warning',
      message: `no Application syncs ${object.file}, so nothing prunes it: delete it from the cluster by hand (kubectl delete)`,
    };
  }
  const messages = base.owners.map((owner) => {
    const remaining = context.headApplications.application(base.cluster, owner.name);
    if (remaining) {
      return remaining.automatedPrune
        ? `Argo CD prunes it: Application ${owner.name} syncs with automated prune`
        : `Application ${owner.name} shows it OutOfSync; it is deleted only by a sync with prune`;
    }
    if (owner.cascades) return `Application ${owner.name} is removed too; its resources finalizer deletes it with the Application`;
    return owner.root
      ? `Application ${owner.name} is removed too, but it is applied by hand (no Application syncs it): nothing prunes this until someone deletes ${owner.name} with cascade`
      : `Application ${owner.name} is removed too and has no resources finalizer: Argo CD deletes the Application and leaves this object running (orphaned)`;
  });
  const automatic = base.owners.every((owner) => context.headApplications.application(base.cluster, owner.name)?.automatedPrune || owner.cascades);
  return { code: 'prune', severity: automatic ? 'notice' : 'warning', message: messages.join('; ') };
}

function rolloutMeanings(change: ObjectChange): Meaning[] {
  if (!change.base) {
    return [{ code: 'rollout-created', severity: 'info', message: 'new Rollout: with no stable ReplicaSet before it, it goes straight to healthy, without a canary' }];
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
    meanings.push({ code: 'replicas-changed', severity: 'notice', message: `replicas ${show(before.replicas ?? 1)} → ${show(after.replicas ?? 1)}${tail}` });
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
    text += duration === undefined ? ' that pauses for an operator to promote or abort' : ` that pauses ${show(duration)}, then continues on its own`;
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
    meanings.push({
      code: 'immutable-changed',
      severity: 'warning',
      message: `${object.kind} ${object.name} is immutable: the API server rejects the change and the sync fails; give the new content a new name`,
    });
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
        ? { code: 'config-with-canary', severity: 'info', message: `${user} uses it and its pod template changed too: the new pods carry the change` }
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
    const changed = change.fields.filter((field) => path.every((segment, index) => field.path[index] === segment)).map((field) => String(field.path[path.length]));
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
      meanings.push({ code: 'controller-settings-changed', severity: 'notice', message: 'Argo Rollouts controller Helm values changed: the controller restarts with them' });
    }
    // For the controller's source, only a change other than its version and values moves the source.
    if (!controller || changed.some((field) => field !== 'targetRevision' && field !== 'helm')) sourceChanged = true;
  }
  if (sourceChanged || touches(change.fields, ['spec', 'destination']) || touches(change.fields, ['spec', 'project'])) {
    meanings.push({ code: 'application-source-changed', severity: 'notice', message: `${application} now syncs ${describeSource(after)} into ${describeDestination(after)} (project ${show(after.project)})` });
  }
  const syncChanges = describeSyncChanges(change.base.object.data, change.head.object.data, change.fields);
  if (syncChanges.length > 0) {
    meanings.push({ code: 'sync-settings-changed', severity: 'notice', message: `sync settings of ${application} changed: ${syncChanges.join('; ')}` });
  }
  return meanings;
}

/** `spec.source` and each `spec.sources[i]`, before and after, with their field paths. */
function sourcesOf(before: Record<string, any>, after: Record<string, any>): { path: (string | number)[]; old?: Record<string, any>; next?: Record<string, any> }[] {
  const sources: { path: (string | number)[]; old?: Record<string, any>; next?: Record<string, any> }[] = [{ path: ['spec', 'source'], old: before.source, next: after.source }];
  const count = Math.max(before.sources?.length ?? 0, after.sources?.length ?? 0);
  for (let index = 0; index < count; index++) sources.push({ path: ['spec', 'sources', index], old: before.sources?.[index], next: after.sources?.[index] });
  return sources;
}

function describeSource(applicationSpec: Record<string, any>): string {
  const sources: Record<string, any>[] = applicationSpec.source ? [applicationSpec.source] : (applicationSpec.sources ?? []);
  return sources.map((source) => `${source.chart ? `chart ${source.chart}` : show(source.path)} from ${show(source.repoURL)} at ${show(source.targetRevision)}`).join(' + ');
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
  const annotations = (data: ManifestData) => ((data.metadata as Record<string, any> | undefined)?.annotations ?? {}) as Record<string, unknown>;
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

function permissionMeanings(change: ObjectChange): Meaning[] {
  const { widened, narrowed } = appProjectPermissionChanges(change.base?.object.data, change.head?.object.data);
  const meanings: Meaning[] = [];
  if (widened.length > 0) meanings.push({ code: 'permissions-widened', severity: 'danger', message: `permissions widened: ${widened.join('; ')}` });
  if (narrowed.length > 0) meanings.push({ code: 'permissions-narrowed', severity: 'info', message: `permissions narrowed: ${narrowed.join('; ')}` });
  return meanings;
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
