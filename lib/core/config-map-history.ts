/** The history of content-addressed ConfigMaps that synth keeps from one output to the next. */

/**
 * The annotation that orders a family of content-addressed ConfigMaps: the generation in which
 * each one last became the one the pod template mounts.
 */
export const GENERATION_ANNOTATION = 'trinity-delivery/generation';

/** A ConfigMap as an earlier synth wrote it. */
export interface PreviousConfigMap {
  readonly name: string;
  readonly data: Readonly<Record<string, string>>;
  /** Its {@link GENERATION_ANNOTATION}; 0 for one written before generations were recorded. */
  readonly generation: number;
  /** The file it was read from, for messages. */
  readonly file: string;
}

/** The ConfigMaps of an earlier synth output, by output folder such as `aws/mandelbrot`. */
export type PreviousOutput = ReadonlyMap<string, readonly PreviousConfigMap[]>;
