import { isMapping, listAt, type Mapping, mappingAt, scalarText, stringAt, valueAt } from '../util/parsed-data.js';
import { apiGroupOf } from '../core/resource-kinds.js';
import { posix } from 'node:path';
import { directoryGlobMatches } from './directory-glob.js';
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
  /** Its sources inside dist/, each with its `directory` options. */
  readonly sources: readonly DirectorySource[];
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

/** A source path inside dist/ and the files Argo CD reads there (`spec.source.directory`). */
export interface DirectorySource {
  /** The folder inside dist/; `''` for dist/ itself. */
  readonly folder: string;
  /** `directory.recurse`: sub-folders are read too. */
  readonly recurse: boolean;
  /** `directory.include`: only files whose path relative to the folder matches are read. */
  readonly include: string;
  /** `directory.exclude`: files whose path relative to the folder matches are not read. */
  readonly exclude: string;
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
  private readonly sources: SourceIndex<ApplicationInfo>;

  /**
   * @param objects the tree's objects
   * @param distPath where the tree lives in the repository Applications pull from, such as `dist`
   */
  constructor(objects: readonly ManifestObject[], distPath: string) {
    const drafts = objects.filter(isApplication).map((object) => {
      const sources = directorySources(object.data, distPath);
      return { object, sources, folders: sources.map((source) => source.folder) };
    });
    const draftSources = new SourceIndex(drafts);
    for (const draft of drafts) {
      const owned = (file: string) => draftSources.owners(file).some((other) => other !== draft);
      const spec = mappingAt(draft.object.data, 'spec');
      const finalizers = listAt(draft.object.data, 'metadata', 'finalizers');
      const root = !owned(draft.object.file);
      const target = draft.folders.find((folder) => folder !== '');
      const info: ApplicationInfo = {
        name: draft.object.name,
        file: draft.object.file,
        folders: draft.folders,
        sources: draft.sources,
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
    this.sources = new SourceIndex(this.applications);
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
    return this.sources.owners(file);
  }

  /**
   * Whether Argo CD leaves `file` out although it lies where an Application reads: every
   * Application whose folder holds it drops it by `directory.include` or `exclude`.
   */
  public drops(file: string): boolean {
    return this.sources.reading(file).length > 0 && this.sources.owners(file).length === 0;
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

/**
 * The sources of some Applications by the folder they read, so that finding who reads a file looks
 * only at its folder and the folders above it: a diff of many clusters has hundreds of them.
 */
class SourceIndex<Owner extends { readonly sources: readonly DirectorySource[] }> {
  private readonly byFolder = new Map<string, { owner: Owner; order: number; source: DirectorySource }[]>();

  constructor(owners: readonly Owner[]) {
    owners.forEach((owner, order) => {
      for (const source of owner.sources) {
        const entries = this.byFolder.get(source.folder) ?? [];
        entries.push({ owner, order, source });
        this.byFolder.set(source.folder, entries);
      }
    });
  }

  /** Each source that reads where `file` lies, with `file`'s path relative to the source's folder. */
  public reading(file: string): { owner: Owner; order: number; source: DirectorySource; path: string }[] {
    const folder = folderOf(file);
    const found: { owner: Owner; order: number; source: DirectorySource; path: string }[] = [];
    for (let above = folder; ; above = folderOf(above)) {
      for (const entry of this.byFolder.get(above) ?? []) {
        if (above === folder || entry.source.recurse) found.push({ ...entry, path: above === '' ? file : file.slice(above.length + 1) });
      }
      if (above === '') return found;
    }
  }

  /** The owners that sync `file`, in the order they were given. */
  public owners(file: string): Owner[] {
    const owning = this.reading(file).filter(({ source, path }) => {
      // As Argo CD v3.3.7's findManifests: exclude first, then include, on the path relative to the source.
      if (source.exclude !== '' && directoryGlobMatches(source.exclude, path)) return false;
      return source.include === '' || directoryGlobMatches(source.include, path);
    });
    return [...new Map(owning.sort((a, b) => a.order - b.order).map(({ owner }) => [owner, owner])).values()];
  }
}

/** The sources of an Application whose path lies inside dist/, with their directory options. */
function directorySources(data: ManifestData, distPath: string): DirectorySource[] {
  const prefix = normalizePath(distPath);
  const sources: DirectorySource[] = [];
  for (const source of sourcesOf(mappingAt(data, 'spec'))) {
    if (typeof source.path !== 'string' || typeof source.chart === 'string') continue;
    const path = normalizePath(source.path);
    let folder: string;
    if (path === prefix) folder = '';
    else if (prefix === '' || path.startsWith(`${prefix}/`)) folder = prefix === '' ? path : path.slice(prefix.length + 1);
    else continue;
    const directory = mappingAt(source, 'directory');
    sources.push({
      folder,
      recurse: directory.recurse === true,
      include: scalarText(directory.include),
      exclude: scalarText(directory.exclude),
    });
  }
  return sources;
}

/** An Application spec's `source` and each of its `sources` that is a mapping. */
export function sourcesOf(spec: Mapping): Mapping[] {
  return [spec.source, ...listAt(spec, 'sources')].filter(isMapping);
}

/**
 * A source path as Argo CD joins it to the repository's top: `./`, `//` and `..` resolved, no
 * trailing `/`; `''` for the top itself. A path that leaves the repository keeps its leading `..`.
 */
export function normalizePath(path: string): string {
  const normalized = posix.normalize(path === '' ? '.' : path).replace(/\/+$/, '');
  return normalized === '.' ? '' : normalized;
}
