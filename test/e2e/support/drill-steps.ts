/**
 * The steps of a drill, which depend on each other: once one fails, each later one fails at once
 * naming it, instead of running against a state it does not expect.
 */
export class DrillSteps {
  /** The name of the step that failed, if one did. */
  public failed: string | undefined;

  /**
   * @param where what a failure adds to its message: the run folder and the tails of the logs
   * @param timeoutMs each step's deadline
   */
  constructor(
    private readonly where: () => string,
    private readonly timeoutMs: number,
  ) {}

  /** One step as a test; its failure names the step, and adds {@link where}. */
  public step(name: string, body: () => Promise<void>): void {
    test(name, async () => {
      if (this.failed) throw new Error(`not run: step "${this.failed}" failed before it`);
      try {
        await body();
      } catch (error) {
        this.failed = name;
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`e2e step "${name}" failed: ${message}${this.where()}`);
      }
    }, this.timeoutMs);
  }
}
