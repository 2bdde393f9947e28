/**
 * Starts a drill cluster on the real node, prints "ready" and waits to be stopped: the host hygiene
 * test interrupts this process as a user or a test runner would, then looks at what is left.
 */
import { startDrillCluster } from './drill-cluster.js';

const log = (line: string) => process.stderr.write(`${line}\n`);
await startDrillCluster({ namespaces: [], installRollouts: false, log });
process.stdout.write('ready\n');
setInterval(() => {}, 60_000);
