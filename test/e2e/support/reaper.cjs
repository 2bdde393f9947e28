'use strict';
// The supervisor's reaper: a process of its own that stops the supervisor's components when the
// supervisor's process ends without stopping them (killed, interrupted, or the test runner
// exiting before teardown). It reads "pid <n>" lines on stdin; "done" means the components were
// stopped. Its stdin closing without "done" means its parent is gone: it sends SIGTERM to every
// PID, then SIGKILL to any still running after the grace period, by PID only. "cgroup <name>"
// lines name a real node's cgroups, whose processes are then killed by the PIDs the cgroups list
// and the cgroups removed; "dir <path>" lines name folders removed last.
const fs = require('node:fs');
const { sweepCgroups } = require('./cgroup-sweep.cjs');

const pids = new Set();
const cgroups = new Set();
const dirs = new Set();
let done = false;
let buffer = '';
const GRACE_MS = Number(process.argv[2] || 10000);

// An interrupt of the whole process group must not stop the reaper before it has reaped.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {});

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let newline;
  while ((newline = buffer.indexOf('\n')) >= 0) {
    const line = buffer.slice(0, newline).trim();
    buffer = buffer.slice(newline + 1);
    if (line === 'done') done = true;
    else if (/^pid \d+$/.test(line)) pids.add(Number(line.slice(4)));
    else if (/^cgroup [\w.-]+$/.test(line)) cgroups.add(line.slice(7));
    else if (/^dir \/.+$/.test(line)) dirs.add(line.slice(4));
  }
});
process.stdin.on('end', () => {
  if (done) process.exit(0);
  const alive = (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const signal = (name) => {
    for (const pid of pids) if (alive(pid)) process.kill(pid, name);
  };
  signal('SIGTERM');
  const deadline = Date.now() + GRACE_MS;
  const timer = setInterval(() => {
    const left = [...pids].filter(alive);
    if (left.length === 0 || Date.now() >= deadline) {
      signal('SIGKILL');
      clearInterval(timer);
      for (const name of cgroups) sweepCgroups(name);
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    }
  }, 100);
});
