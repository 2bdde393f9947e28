import { isMapping, listAt, type Mapping, mappingAt, scalarText } from '../util/parsed-data.js';
import { parseYaml, YamlParseError } from '../util/yaml-parse.js';
import { normalizePath, sourcesOf } from './application-index.js';
import { isControllerWeightEntry } from './traffic-routing-meanings.js';
import { ARGO_ROLLOUTS_CHART, type ChangeContext, type ObjectChange, type ReviewedSources, show } from './change-context.js';
import type { Meaning } from './diff-model.js';
import type { ManifestData } from './manifest-tree.js';

// What an Application deploys that the diff of dist/ cannot show: sources outside the reviewed
// repository, branch or folder, tools that render the folder, and fields Argo CD stops comparing.

const UNSHOWN = 'Argo CD deploys files this diff does not show';

const revisionOf = (source: Mapping) => scalarText(source.targetRevision) || 'HEAD';
const chartKey = (source: Mapping) => `${scalarText(source.repoURL)} ${scalarText(source.chart)}`;
const isChartSource = (source: Mapping) => typeof source.chart === 'string';

/** The sources the Applications of a tree use, from their objects. */
export function reviewedSources(applications: readonly ManifestData[]): ReviewedSources {
  const repositories = new Set<string>();
  const revisions = new Set<string>();
  const charts = new Set<string>();
  for (const data of applications)
    for (const source of sourcesOf(mappingAt(data, 'spec'))) {
      if (isChartSource(source)) charts.add(chartKey(source));
      else if (typeof source.path === 'string') {
        repositories.add(scalarText(source.repoURL));
        revisions.add(revisionOf(source));
      }
    }
  return { repositories, revisions, charts };
}

/**
 * Dangers of an added or changed Application that leave its objects out of the review: a source
 * outside the reviewed repository, branch or folder, a directory source rendered by Helm,
 * Kustomize or a plugin, a chart the tree did not use, and `ignoreDifferences`. Each is named
 * when the change brings it: one the Application had before is not repeated.
 */
export function sourceMeanings(change: ObjectChange, context: ChangeContext): Meaning[] {
  if (!change.head) return [];
  const { cluster, object } = change.head;
  const controllerOwned = (side: 'base' | 'head') => (entry: unknown) =>
    isControllerWeightEntry(entry, context.ownedBy(side, cluster, object.name));
  const before = new Set(change.base ? sourceDangers(change.base.object.data, context, controllerOwned('base')) : []);
  return sourceDangers(change.head.object.data, context, controllerOwned('head'))
    .filter((message) => !before.has(message))
    .map((message) => ({ code: 'unreviewed-source', severity: 'danger', message }));
}

/** @param controllerOwned whether an `ignoreDifferences` entry covers only fields a controller of the Application's own writes */
function sourceDangers(application: ManifestData, context: ChangeContext, controllerOwned: (entry: unknown) => boolean): string[] {
  const spec = mappingAt(application, 'spec');
  const reviewed = context.reviewedSources;
  const dangers: string[] = [];
  const distPath = normalizePath(context.distPath);
  for (const source of sourcesOf(spec)) {
    if (isChartSource(source)) {
      if (reviewed.charts.size > 0 && !reviewed.charts.has(chartKey(source)))
        dangers.push(
          `installs chart ${show(source.chart)} from ${show(source.repoURL)}, which no Application of the reviewed tree installs: ${UNSHOWN}`,
        );
      continue;
    }
    if (typeof source.path !== 'string') continue;
    const path = normalizePath(source.path);
    if (path.startsWith('/') || path === '..' || path.startsWith('../'))
      dangers.push(`its source path ${show(source.path)} leaves the repository: Argo CD refuses it (ComparisonError) and stops syncing`);
    else if (path !== distPath && !path.startsWith(`${distPath}/`))
      dangers.push(
        `its source path ${show(source.path)} is ${path === '' ? 'the repository top' : path}, outside ${distPath}/: ${UNSHOWN}`,
      );
    const repoURL = scalarText(source.repoURL);
    if (reviewed.repositories.size > 0 && !reviewed.repositories.has(repoURL))
      dangers.push(
        `pulls ${show(source.path)} from ${show(repoURL)}, not the reviewed repository (${[...reviewed.repositories].join(', ')}): ${UNSHOWN}`,
      );
    const revision = revisionOf(source);
    if (reviewed.revisions.size > 0 && !reviewed.revisions.has(revision))
      dangers.push(
        `pulls ${show(source.path)} at revision ${revision}, not the reviewed one (${[...reviewed.revisions].join(', ')}): ${UNSHOWN}`,
      );
    for (const tool of ['helm', 'kustomize', 'plugin'] as const)
      if (source[tool] !== undefined && source[tool] !== null)
        dangers.push(
          `renders ${show(source.path)} with ${tool === 'plugin' ? 'a config management plugin' : tool === 'helm' ? 'Helm' : 'Kustomize'} (source.${tool}) instead of reading its manifests: ${UNSHOWN}`,
        );
  }
  const ignored = listAt(spec, 'ignoreDifferences').filter((entry) => !controllerOwned(entry));
  if (ignored.length > 0)
    dangers.push(
      `ignoreDifferences ${JSON.stringify(ignored)}: Argo CD stops comparing those fields, so a change to them in the cluster is neither shown as OutOfSync nor reverted`,
    );
  return dangers;
}

/** Helm values whose change decides what the controller runs and what it may do. */
const SENSITIVE_VALUE = /image|registry|rbac|role|serviceaccount|clusterinstall|securitycontext|valuefiles/i;

/**
 * Changed Helm values of the Argo Rollouts controller's Application that choose its image (and
 * registry) or its RBAC: a warning each, with both values. Values are read as Argo CD merges
 * them: `values`, then `valuesObject`, then `parameters`; `valueFiles` counts as one value.
 */
export function controllerValueMeanings(before: Mapping, after: Mapping): Meaning[] {
  if (before.chart !== ARGO_ROLLOUTS_CHART || after.chart !== ARGO_ROLLOUTS_CHART) return [];
  const [old, next] = [helmValues(mappingAt(before, 'helm')), helmValues(mappingAt(after, 'helm'))];
  const meanings: Meaning[] = [];
  for (const key of [...new Set([...old.keys(), ...next.keys()])].sort()) {
    const [was, is] = [old.get(key), next.get(key)];
    if (was === is || !SENSITIVE_VALUE.test(key)) continue;
    meanings.push({
      code: 'controller-values-changed',
      severity: 'warning',
      message: `Argo Rollouts controller Helm value ${key}: ${was ?? '(none)'} → ${is ?? '(none)'}: it sets the controller's image or its permissions in the cluster`,
    });
  }
  return meanings;
}

/** Every leaf value of a Helm source, by dotted path, as JSON text. */
function helmValues(helm: Mapping): Map<string, string> {
  const values = new Map<string, string>();
  const flatten = (value: unknown, path: string) => {
    if (isMapping(value) && Object.keys(value).length > 0) {
      for (const [key, item] of Object.entries(value)) flatten(item, path === '' ? key : `${path}.${key}`);
    } else if (path !== '') values.set(path, JSON.stringify(value));
  };
  if (typeof helm.values === 'string') {
    try {
      flatten(parseYaml(helm.values), '');
    } catch (error) {
      if (!(error instanceof YamlParseError)) throw error;
      values.set('values', JSON.stringify(helm.values));
    }
  }
  flatten(helm.valuesObject, '');
  for (const parameter of listAt(helm, 'parameters')) {
    const { name, value } = mappingAt(parameter);
    if (typeof name === 'string') values.set(name, JSON.stringify(value));
  }
  if (helm.valueFiles !== undefined) values.set('valueFiles', JSON.stringify(helm.valueFiles));
  return values;
}
