import type { ClusterSource } from './cluster-watch.js';
import { buildFleetView, type FleetTrain, type WatchedWorkload, type WorkloadRow } from './fleet-view.js';

/** One cluster the dashboard shows. */
export interface MonitoredCluster {
  readonly name: string;
  readonly cloud: string;
  readonly workloads: readonly WatchedWorkload[];
  /** Makes the cluster's source; it calls `onChange` whenever what it holds changes. */
  readonly watch: (onChange: () => void) => ClusterSource;
}

export interface FleetMonitorProps {
  readonly clusters: readonly MonitoredCluster[];

  /**
   * Changes that come within this time of each other are sent as one view: a rollout step
   * changes several objects at once.
   *
   * @default 50
   */
  readonly coalesceMs?: number;

  /**
   * platform.yaml's release train, whose stops the rows show.
   *
   * @default - no train
   */
  readonly releaseTrain?: FleetTrain;
}

/** The fleet's view as JSON, and the time it was built. */
export interface FleetUpdate {
  readonly rows: readonly WorkloadRow[];
  readonly json: string;
}

/** Keeps the fleet's view current and tells every subscriber when it changes. */
export class FleetMonitor {
  private readonly clusters: { readonly cluster: MonitoredCluster; readonly source: ClusterSource }[];
  private readonly coalesceMs: number;
  private readonly releaseTrain?: FleetTrain;
  private readonly subscribers = new Set<(update: FleetUpdate) => void>();
  private pending?: NodeJS.Timeout;
  private latest: FleetUpdate;

  constructor(props: FleetMonitorProps) {
    this.coalesceMs = props.coalesceMs ?? 50;
    this.releaseTrain = props.releaseTrain;
    this.clusters = props.clusters.map((cluster) => ({ cluster, source: cluster.watch(() => this.changed()) }));
    this.latest = this.build();
  }

  /** The view now. */
  public get current(): FleetUpdate {
    return this.latest;
  }

  public start(): void {
    for (const { source } of this.clusters) source.start();
  }

  public async stop(): Promise<void> {
    clearTimeout(this.pending);
    this.pending = undefined;
    this.subscribers.clear();
    await Promise.all(this.clusters.map(({ source }) => source.stop()));
  }

  /** Calls `listener` with every new view; returns the call that ends the subscription. */
  public subscribe(listener: (update: FleetUpdate) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  private changed(): void {
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      const update = this.build();
      if (update.json === this.latest.json) return;
      this.latest = update;
      for (const listener of this.subscribers) listener(update);
    }, this.coalesceMs);
  }

  private build(): FleetUpdate {
    const rows = buildFleetView(
      this.clusters.map(({ cluster, source }) => ({
        name: cluster.name,
        cloud: cluster.cloud,
        workloads: cluster.workloads,
        objects: source.objects,
        unreachableSince: source.unreachableSince,
      })),
      this.releaseTrain,
    );
    return { rows, json: JSON.stringify(rows) };
  }
}
