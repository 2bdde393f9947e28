import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';

export interface ManifestChartProps {
  /** Folder of the output tree the chart's objects are written to, such as `aws/mandelbrot`. */
  readonly folder: string;

  /**
   * Namespace of every namespaced object in the chart.
   *
   * @default - objects carry no namespace
   */
  readonly namespace?: string;
}

/**
 * A chart that knows which folder of `dist/` it is written to: one folder is one Argo CD
 * directory source. Resource names are kept as given, with no construct-path hashes.
 */
export class ManifestChart extends Chart {
  /** True when `chart` is a ManifestChart. */
  public static isManifestChart(chart: Chart): chart is ManifestChart {
    return chart instanceof ManifestChart;
  }

  public readonly folder: string;

  constructor(scope: Construct, id: string, props: ManifestChartProps) {
    super(scope, id, { namespace: props.namespace, disableResourceNameHashes: true });
    if (!/^[a-z0-9][-a-z0-9]*(\/[a-z0-9][-a-z0-9]*)*$/.test(props.folder)) {
      throw new Error(`chart ${id}: folder "${props.folder}" must be lower-case path segments separated by "/"`);
    }
    this.folder = props.folder;
  }
}
