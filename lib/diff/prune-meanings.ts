import { type ApplicationInfo, isApplication } from './application-index.js';
import type { ChangeContext, PlacedObject } from './change-context.js';
import type { Meaning } from './diff-model.js';

// What pruning does to an object that leaves the tree: who deletes it, if anyone.

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

export function pruneMeaning(base: PlacedObject, context: ChangeContext): Meaning {
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
