import { isMapping, listAt, type Mapping, mappingAt, scalarText, stringAt, valueAt } from '../util/parsed-data.js';
import { apiGroupOf } from '../argocd/resource-kinds.js';
import { isKind, type ManifestData, type ManifestObject, topFolderOf } from './manifest-tree.js';
import { isNamespacedKind } from './project-policy.js';

/** The Argo CD finalizer that makes deleting an Application delete its resources too. */
const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/** An Argo CD Application of a tree, as far as ownership and pruning go. */
export interface ApplicationInfo {
  readonly name: string;
  /** The tree file that holds the Application. */
  readonly file: string;
  /** Tree folders the Application syncs (its source paths inside dist/). */
  readonly folders: readonly string[];
  /** Whether its sources recurse into sub-folders. */
  readonly recurse: boolean;
  /** Whether Argo CD deletes removed objects on its own (`syncPolicy.automated.prune`). */
  readonly automatedPrune: boolean;
  /** Whether deleting the Application deletes its resources (the resources finalizer). */
  readonly cascades: boolean;
  /** True when no Application of the tree syncs this one's file: it is applied by hand. */
  readonly root: boolean;
  /** The cluster it belongs to (see {@link ApplicationIndex.clusterOf}). */
  readonly cluster: string;
  /** `spec.project`; Argo CD reads an empty one as `default`. */
  readonly project: string;
  /** `spec.destination`: the server (URL or name) and the namespace for objects that name none. */
  readonly destination: { readonly server: string; readonly namespace: string };
  /** The Helm charts its sources install, by name and version. */
  readonly charts: readonly { readonly name: string; readonly version: string }[];
  /** Whether it creates its destination namespace (`CreateNamespace=true`). */
  readonly createsNamespace: boolean;
  /** Whether it syncs with server-side apply (`ServerSideApply=true`), which stores no last-applied annotation. */
  readonly serverSideApply: boolean;
}

export const isApplication = (object: { apiVersion: string; kind: string }): boolean => isKind(object, 'argoproj.io', 'Application');

/** The folder of a tree path: `aws/argocd` for `aws/argocd/appproject-trinity.yaml`. */
function folderOf(file: string): string {
  const slash = file.lastIndexOf('/');
  return slash < 0 ? '' : file.slice(0, slash);
}

/**
 * Who owns which folder of a tree, read from the Application objects in the tree itself: an
 * Application owns the folders its `spec.source(s).path` points at inside dist/.
 */
export class ApplicationIndex {
  private readonly applications: ApplicationInfo[] = [];
  private readonly byClusterAndName = new Map<string, ApplicationInfo>();
  private readonly byObject = new Map<ManifestObject, ApplicationInfo>();

  /**
   * @param objects the tree's objects
   * @param distPath where the tree lives in the repository Applications pull from, such as `dist`
   */
  constructor(objects: readonly ManifestObject[], distPath: string) {
    const drafts = objects.filter(isApplication).map((object) => ({ object, ...sourceFolders(object.data, distPath) }));
    for (const draft of drafts) {
      const owned = (file: string) => drafts.some((other) => other !== draft && owns(other, file));
      const spec = mappingAt(draft.object.data, 'spec');
      const finalizers = listAt(draft.object.data, 'metadata', 'finalizers');
      const root = !owned(draft.object.file);
      const target = draft.folders.find((folder) => folder !== '');
      const info: ApplicationInfo = {
        name: draft.object.name,
        file: draft.object.file,
        folders: draft.folders,
        recurse: draft.recurse,
        // Argo CD v3 can keep the block but turn automation off with `enabled: false`.
        automatedPrune:
          valueAt(spec, ['syncPolicy', 'automated', 'prune']) === true && valueAt(spec, ['syncPolicy', 'automated', 'enabled']) !== false,
        cascades: finalizers.some((finalizer) => typeof finalizer === 'string' && finalizer.startsWith(RESOURCES_FINALIZER)),
        root,
        cluster: root && target ? topFolderOf(target) : topFolderOf(folderOf(draft.object.file)),
        project: stringAt(spec, 'project') || 'default',
        destination: {
          server: scalarText(valueAt(spec, ['destination', 'server']) ?? valueAt(spec, ['destination', 'name'])),
          namespace: scalarText(valueAt(spec, ['destination', 'namespace'])),
        },
        charts: sourcesOf(spec).flatMap((source) =>
          typeof source.chart === 'string' ? [{ name: source.chart, version: scalarText(source.targetRevision) }] : [],
        ),
        createsNamespace: listAt(spec, 'syncPolicy', 'syncOptions').includes('CreateNamespace=true'),
        serverSideApply: listAt(spec, 'syncPolicy', 'syncOptions').includes('ServerSideApply=true'),
      };
      this.applications.push(info);
      this.byClusterAndName.set(`${info.cluster}\0${info.name}`, info);
      this.byObject.set(draft.object, info);
    }
  }

  /** The Application named `name` in `cluster`, if the tree has it. */
  public application(cluster: string, name: string): ApplicationInfo | undefined {
    return this.byClusterAndName.get(`${cluster}\0${name}`);
  }

  /** Every Application of the tree. */
  public all(): readonly ApplicationInfo[] {
    return this.applications;
  }

  /** The Applications that sync `file`: usually one; none for files applied by hand. */
  public ownersOf(file: string): ApplicationInfo[] {
    return this.applications.filter((application) => owns(application, file));
  }

  /**
   * The cluster a tree object belongs to: the first folder of its path, except for objects no
   * Application syncs (the bootstrap root Applications), which belong to the cluster whose folder
   * they point at.
   */
  public clusterOf(object: ManifestObject): string {
    return this.byObject.get(object)?.cluster ?? topFolderOf(folderOf(object.file));
  }

  /**
   * The namespace Argo CD puts an object in: its own, or, for a namespaced kind written without
   * one, the destination namespace of the Application that syncs it.
   */
  public namespaceOf(object: ManifestObject): string {
    if (object.namespace !== '' || !isNamespacedKind(apiGroupOf(object.apiVersion), object.kind)) return object.namespace;
    return this.ownersOf(object.file)[0]?.destination.namespace ?? '';
  }
}

function owns(application: { folders: readonly string[]; recurse: boolean }, file: string): boolean {
  const folder = folderOf(file);
  return application.folders.some((owned) => owned === folder || (application.recurse && (owned === '' || folder.startsWith(`${owned}/`))));
}

/** Folders inside the tree that an Application's sources point at. */
function sourceFolders(data: ManifestData, distPath: string): { folders: string[]; recurse: boolean } {
  const sources = sourcesOf(mappingAt(data, 'spec'));
  const prefix = normalizePath(distPath);
  const folders: string[] = [];
  let recurse = false;
  for (const source of sources) {
    if (typeof source.path !== 'string') continue;
    const path = normalizePath(source.path);
    if (path === prefix) folders.push('');
    else if (prefix === '' || path.startsWith(`${prefix}/`)) folders.push(prefix === '' ? path : path.slice(prefix.length + 1));
    else continue;
    if (valueAt(source, ['directory', 'recurse']) === true) recurse = true;
  }
  return { folders, recurse };
}

/** An Application spec's `source` and each of its `sources` that is a mapping. */
function sourcesOf(spec: Mapping): Mapping[] {
  return [spec.source, ...listAt(spec, 'sources')].filter(isMapping);
}

function normalizePath(path: string): string {
  return path
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '')
    .replace(/^\.$/, '');
}
