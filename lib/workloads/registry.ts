// The registry: one line per workload every cluster runs. all-workloads.ts lists them by name.
export { mandelbrot } from './mandelbrot/mandelbrot.js';
