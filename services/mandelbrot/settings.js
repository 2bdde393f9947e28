'use strict';
// The service's settings, from its environment: identity, route, and the limits that keep it up.
const fs = require('node:fs');
const os = require('node:os');

/**
 * Whole CPUs the container may use: the cgroup's CPU quota (v2 `cpu.max`, or v1's
 * `cpu.cfs_quota_us` / `cpu.cfs_period_us`), rounded down, at least 1 and at most what
 * `os.availableParallelism()` reports. A 750m limit gives 1.
 */
function containerCpus(readFile = (file) => fs.readFileSync(file, 'utf8')) {
  const parallelism = os.availableParallelism();
  const read = (file) => {
    try {
      return readFile(file).trim();
    } catch {
      return undefined;
    }
  };
  let quota;
  const v2 = read('/sys/fs/cgroup/cpu.max');
  if (v2 !== undefined) {
    const [max, period] = v2.split(/\s+/);
    if (max !== 'max') quota = Number(max) / Number(period);
  } else {
    const max = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'));
    const period = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_period_us'));
    if (max > 0 && period > 0) quota = max / period;
  }
  if (!(quota > 0)) return parallelism;
  return Math.max(1, Math.min(parallelism, Math.floor(quota)));
}

/** Settings an operator may override, with their bounds: a value outside them stops the service. */
const TUNABLES = {
  RENDER_WORKERS: { min: 1, max: 64, what: 'render worker threads' },
  RENDER_QUEUE: { min: 0, max: 1024, what: 'renders admitted beyond one per worker' },
  RENDER_DEADLINE_MS: { min: 100, max: 600_000, what: 'milliseconds an admitted render may take, queue and remote bands included' },
  HEADERS_TIMEOUT_MS: { min: 100, max: 600_000, what: 'milliseconds to receive request headers' },
  BODY_TIMEOUT_MS: { min: 100, max: 600_000, what: 'milliseconds to receive a request body' },
  WRITE_TIMEOUT_MS: { min: 100, max: 600_000, what: 'milliseconds to hand a reply to a client' },
  DRAIN_TIMEOUT_MS: { min: 100, max: 600_000, what: 'milliseconds SIGTERM waits for requests in flight' },
  REPLY_BUFFER_MIB: { min: 1, max: 1024, what: 'MiB of replies waiting for their clients past which renders are refused' },
  MAX_CONNECTIONS: { min: 1, max: 65_536, what: 'connections the public listener keeps open' },
};

/**
 * The settings in `env`, or throws an Error whose message is one line naming the variable and
 * what is expected.
 */
function settingsFrom(env, cpus = containerCpus) {
  const errorRate = Number(env.ERROR_RATE || 0);
  const tunable = (name, fallback) => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const { min, max, what } = TUNABLES[name];
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${name}=${JSON.stringify(text)}: expected a whole number from ${min} to ${max} (${what})`);
    }
    return value;
  };
  const workers = tunable('RENDER_WORKERS', cpus());
  const renderDeadlineMs = tunable('RENDER_DEADLINE_MS', 10_000);
  const writeTimeoutMs = tunable('WRITE_TIMEOUT_MS', 10_000);
  const port = Number(env.PORT || 8080);
  const probePort = Number(env.PROBE_PORT || 8081);
  if (probePort !== 0 && probePort === port) {
    throw new Error(`PROBE_PORT=${JSON.stringify(env.PROBE_PORT || '8081')}: expected a port other than PORT's (${port}), so public clients cannot starve the probes`);
  }
  return {
    cloud: env.CLOUD || 'local',
    region: env.REGION || 'local',
    release: env.MANDELBROT_RELEASE || 'dev',
    route: (env.STAGE_ROUTE || '').split(',').map((stage) => stage.trim()).filter(Boolean),
    stageUrlsDir: env.STAGE_URLS_DIR,
    // Empty means off: /internal/render-stage is then open to any caller, like /api/render.
    stageToken: env.STAGE_TOKEN || '',
    errorRate: Number.isFinite(errorRate) ? Math.min(1, Math.max(0, errorRate)) : 0,
    failReady: env.FAIL_READY === 'true',
    port,
    // Probes have a listener of their own, which the public Service does not reach.
    probePort,
    workers,
    queue: tunable('RENDER_QUEUE', 4 * workers),
    renderDeadlineMs,
    headersTimeoutMs: tunable('HEADERS_TIMEOUT_MS', 10_000),
    bodyTimeoutMs: tunable('BODY_TIMEOUT_MS', 10_000),
    writeTimeoutMs,
    // Every admitted render ends within its deadline, and its reply within the write timeout.
    drainTimeoutMs: tunable('DRAIN_TIMEOUT_MS', renderDeadlineMs + writeTimeoutMs),
    replyBufferBytes: tunable('REPLY_BUFFER_MIB', 64) * 1024 * 1024,
    // Past it, a new connection is closed as soon as it is accepted.
    maxConnections: tunable('MAX_CONNECTIONS', 2048),
  };
}

module.exports = { containerCpus, settingsFrom };
