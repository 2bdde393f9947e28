import type { IConstruct } from 'constructs';
import type { ResourceKind } from '../core/resource-kinds.js';
import { CREATE_NAMESPACE } from './argo-application.js';

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
export const CHART_SYNC_OPTIONS: readonly string[] = [CREATE_NAMESPACE, 'ApplyOutOfSyncOnly=true', 'ServerSideApply=true'];

/**
 * Fails synth when nobody listed what `chart` installs at `version`: the project's whitelists
 * follow from the list, so a chart upgrade starts there.
 */
export function requireChartKinds(
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
