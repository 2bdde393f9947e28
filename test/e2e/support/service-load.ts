import type { DrillCluster } from './drill-cluster.js';
import { type Answered, requestsThroughService, type ServiceRequests } from './real-pods.js';

/** Small Mandelbrot renders, one at a time, counted by the answer's `status`: bounded in count and time. */
export const SMALL_RENDERS: ServiceRequests = {
  path: '/api/render',
  field: 'status',
  body: { width: 48, height: 24, maxIterations: 40 },
  intervalMs: 100,
  count: 4_000,
  deadlineMs: 5 * 60_000,
};

/**
 * Requests through a Service from inside the real node while a drill waits for something else:
 * started, then stopped, and what was answered meanwhile counted. At most one run at a time.
 */
export class ServiceLoad {
  private running: { readonly controller: AbortController; readonly done: Promise<Answered> } | undefined;

  constructor(
    private readonly cluster: DrillCluster,
    private readonly namespace: string,
    private readonly service: string,
    private readonly requests: ServiceRequests,
    private readonly log: (line: string) => void,
  ) {}

  public start(): void {
    if (this.running) throw new Error(`requests to ${this.namespace}/${this.service} already run`);
    const controller = new AbortController();
    const done = requestsThroughService(this.cluster, this.namespace, this.service, { ...this.requests, signal: controller.signal });
    done.catch(() => undefined);
    this.running = { controller, done };
  }

  /** Ends the requests after the one in flight; resolves with what was answered, or undefined if none ran or they failed. */
  public async stop(): Promise<Answered | undefined> {
    if (!this.running) return undefined;
    const { controller, done } = this.running;
    this.running = undefined;
    controller.abort();
    const answered = await done.catch((error: Error) => {
      this.log(`load: ${error.message}`);
      return undefined;
    });
    if (answered)
      this.log(
        `load: ${answered.sent} renders, answers by status ${JSON.stringify(answered.answers)}, failures ${JSON.stringify(answered.failures)}`,
      );
    return answered;
  }
}
