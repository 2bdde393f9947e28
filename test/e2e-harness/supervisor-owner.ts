/**
 * A process that runs a Supervisor with one component that ignores SIGTERM and a socket folder,
 * prints the component's PID and the folder and waits: the supervisor tests signal or kill it.
 * Arguments: the run folder.
 */
import { Supervisor } from '../e2e/support/supervisor.js';

const [runFolder] = process.argv.slice(2);
if (runFolder === undefined) throw new Error('usage: supervisor-owner.ts <run folder>');
const supervisor = new Supervisor(runFolder, 500);
const child = supervisor.start('child', process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);"]);
console.log(`${child.pid} ${supervisor.socketDir()}`);
setInterval(() => {}, 1000);
