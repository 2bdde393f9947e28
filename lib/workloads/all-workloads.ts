import { compareStrings } from '../util/stable-order.js';
import * as registry from './registry.js';
import type { Workload } from './workload.js';

/** Every registered workload, in name order: the output does not depend on the order of the registry's lines. */
export const WORKLOADS: readonly Workload[] = Object.values(registry).sort((a, b) => compareStrings(a.name, b.name));
