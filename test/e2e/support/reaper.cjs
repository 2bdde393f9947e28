'use strict';
// The supervisor's reaper: a process of its own that stops the supervisor's components when the
// supervisor's process ends without stopping them (killed, interrupted, or the test runner
// exiting before teardown). It reads "pid <n>" lines on stdin; "done" means the components were
// stopped. Its stdin closing without "done" means its parent is gone: it sends SIGTERM to every
// PID, then SIGKILL to any still running after the grace period, by PID only.
const pids = new Set();
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
      process.exit(0);
    }
  }, 100);
});
