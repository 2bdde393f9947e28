import type { Construct, IConstruct } from 'constructs';
import type { ResourceKind } from '../core/resource-kinds.js';
import { ArgoApplication, CREATE_NAMESPACE } from './argo-application.js';

/** What an Application that installs a Helm chart the platform reviewed is given. */
export interface ChartApplicationProps {
  /** `metadata.name` of the Application. */
  readonly name: string;
  /** The AppProject the Application belongs to. */
  readonly project: string;
  /** Version of the chart; its kinds must be listed in the chart's kind list. */
  readonly chartVersion: string;
  /** The Helm repository that serves the chart. */
  readonly chartRepoURL: string;
}

/** A chart's CRDs are too large for client-side apply's annotation: applied server-side, into a namespace of their own. */
const CHART_SYNC_OPTIONS: readonly string[] = [CREATE_NAMESPACE, 'ApplyOutOfSyncOnly=true', 'ServerSideApply=true'];

/**
 * Fails synth when nobody listed what `chart` installs at `version`: the project's whitelists
 * follow from the list, so a chart upgrade starts there.
 */
function requireChartKinds(
  scope: IConstruct,
  chart: { readonly name: string; readonly version: string; readonly list: string; readonly file: string },
  kinds: Readonly<Record<string, readonly ResourceKind[]>>,
): readonly ResourceKind[] {
  const listed = kinds[chart.version];
  scope.node.addValidation({
    validate: () =>
      listed
        ? []
        : [
            `${chart.name} chart ${chart.version} has no kind list in ${chart.list} (${chart.file}); ` +
              `render the chart and list the kinds it installs (known: ${Object.keys(kinds).join(', ')})`,
          ],
  });
  return listed ?? [];
}

/** A reviewed chart: its name, its kind lists by version, and where those lists live (for the error). */
export interface ReviewedChart {
  readonly name: string;
  readonly kinds: Readonly<Record<string, readonly ResourceKind[]>>;
  /** The list's constant and file, named when a version has no list. */
  readonly list: string;
  readonly file: string;
}

/** How one chart Application installs its chart. */
export interface ChartInstall {
  /** @default -1: before the workloads, whose kinds the chart may define */
  readonly syncWave?: number;
  readonly releaseName: string;
  readonly namespace: string;
  readonly values: Record<string, unknown>;
}

/**
 * The Application in `scope` that installs `chart` at `props.chartVersion`: its kinds listed (synth
 * fails without a list), applied server-side, and known to the AppProject through `deployedKinds`.
 */
export function chartApplication(
  scope: Construct,
  props: ChartApplicationProps,
  chart: ReviewedChart,
  install: ChartInstall,
): ArgoApplication {
  const deployedKinds = requireChartKinds(
    scope,
    { name: chart.name, version: props.chartVersion, list: chart.list, file: chart.file },
    chart.kinds,
  );
  return new ArgoApplication(scope, 'Application', {
    name: props.name,
    project: props.project,
    syncWave: install.syncWave ?? -1,
    source: {
      repoUrl: props.chartRepoURL,
      chart: chart.name,
      targetRevision: props.chartVersion,
      helm: { releaseName: install.releaseName, valuesObject: install.values },
    },
    destinationNamespace: install.namespace,
    syncOptions: [...CHART_SYNC_OPTIONS],
    deployedKinds,
  });
}
