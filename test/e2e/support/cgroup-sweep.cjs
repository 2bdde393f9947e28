'use strict';
// Removes a real node's cgroups from every hierarchy: each process in them (containerd's shims,
// the pods' containers, whatever outlived the node's own processes) is killed by the PID its cgroup
// lists, then the cgroups are removed, the deepest first. Shared by the reaper and the node's stop.
const fs = require('node:fs');
const path = require('node:path');

const CGROUP_FS = '/sys/fs/cgroup';

/** The cgroup named `name` at the root of every hierarchy (cgroup v1) or of the unified one (v2). */
function cgroupPaths(name) {
  const roots = [CGROUP_FS];
  try {
    for (const entry of fs.readdirSync(CGROUP_FS)) roots.push(path.join(CGROUP_FS, entry));
  } catch {
    return [];
  }
  return roots.map((root) => path.join(root, name)).filter((dir) => fs.existsSync(dir));
}

/** Every cgroup folder under `dir`, children before their parents. */
function depthFirst(dir) {
  const found = [];
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) if (entry.isDirectory()) found.push(...depthFirst(path.join(dir, entry.name)));
  found.push(dir);
  return found;
}

function pidsIn(dir) {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Kills every process in the cgroups named `name` and removes them; bounded to about 10 s.
 * Returns what is left (cgroup folders that could not be removed), empty when all is gone.
 */
function sweepCgroups(name) {
  const roots = cgroupPaths(name);
  for (let round = 0; round < 50; round++) {
    const pids = [...new Set(roots.flatMap((root) => depthFirst(root).flatMap(pidsIn)))];
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    pause(100);
  }
  const left = [];
  for (const root of roots) {
    for (const dir of depthFirst(root)) {
      let removed = false;
      for (let attempt = 0; attempt < 50 && !removed; attempt++) {
        try {
          fs.rmdirSync(dir);
          removed = true;
        } catch (error) {
          if (error.code === 'ENOENT') removed = true;
          else pause(100);
        }
      }
      if (!removed) left.push(dir);
    }
  }
  return left;
}

module.exports = { cgroupPaths, sweepCgroups };
