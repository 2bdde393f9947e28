import { mandelbrot } from './mandelbrot/mandelbrot.js';
import { Workload } from './workload.js';

/** Every workload each cluster runs, one line each, in output order. */
export const WORKLOADS: readonly Workload[] = [
  mandelbrot,
];
