import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { SERVICE_DIR, startLocalService } from './service-process.js';

const { containerCpus, settingsFrom } = createRequire(join(SERVICE_DIR, 'package.json'))('./settings.js');

/** A file reader that knows only `files`; any other path does not exist. */
const cgroup = (files: Record<string, string>) => (file: string) => {
  if (!(file in files)) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
  return files[file];
};

describe('render workers', () => {
  test('one per whole CPU of the cgroup quota, at least one, at most the CPUs there are', () => {
    expect(containerCpus(cgroup({ '/sys/fs/cgroup/cpu.max': '75000 100000\n' }))).toBe(1);
    expect(containerCpus(cgroup({ '/sys/fs/cgroup/cpu.max': `${200000 * availableParallelism()} 100000` }))).toBe(availableParallelism());
    expect(containerCpus(cgroup({ '/sys/fs/cgroup/cpu.max': 'max 100000' }))).toBe(availableParallelism());
    // cgroup v1
    expect(
      containerCpus(cgroup({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '50000', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' })),
    ).toBe(1);
    expect(containerCpus(cgroup({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' }))).toBe(
      availableParallelism(),
    );
    expect(containerCpus(cgroup({}))).toBe(availableParallelism());
  });

  test('RENDER_WORKERS overrides the count, and the queue defaults to four renders per worker', () => {
    const settings = settingsFrom({ RENDER_WORKERS: '3' }, () => 1);
    expect([settings.workers, settings.queue]).toEqual([3, 12]);
    expect(settingsFrom({}, () => 2).queue).toBe(8);
  });

  test('the drain waits for the render deadline plus the write timeout, unless DRAIN_TIMEOUT_MS says otherwise', () => {
    expect(settingsFrom({}, () => 1).drainTimeoutMs).toBe(20_000);
    expect(settingsFrom({ RENDER_DEADLINE_MS: '5000', WRITE_TIMEOUT_MS: '2000' }, () => 1).drainTimeoutMs).toBe(7_000);
    expect(settingsFrom({ DRAIN_TIMEOUT_MS: '1500' }, () => 1).drainTimeoutMs).toBe(1_500);
  });

  test('the public listener keeps 2048 connections open, unless MAX_CONNECTIONS says otherwise', () => {
    expect(settingsFrom({}, () => 1).maxConnections).toBe(2048);
    expect(settingsFrom({ MAX_CONNECTIONS: '200' }, () => 1).maxConnections).toBe(200);
    expect(() => settingsFrom({ MAX_CONNECTIONS: '0' }, () => 1)).toThrow(/^MAX_CONNECTIONS="0": expected a whole number from 1 to 65536/);
  });

  test('fails if a limit is not a whole number in range: one line naming the variable', async () => {
    expect(() => settingsFrom({ RENDER_WORKERS: '0' }, () => 1)).toThrow(
      /^RENDER_WORKERS="0": expected a whole number from 1 to 64 \(render worker threads\)$/,
    );
    expect(() => settingsFrom({ WRITE_TIMEOUT_MS: '1.5' }, () => 1)).toThrow(/^WRITE_TIMEOUT_MS="1\.5": expected a whole number/);
    await expect(startLocalService({ RENDER_QUEUE: 'lots' })).rejects.toThrow(
      /exited with 1 before listening:\nerror: RENDER_QUEUE="lots": expected a whole number from 0 to 1024 \(renders admitted beyond one per worker\)\n$/,
    );
  });
});

describe('ports', () => {
  test('the probes listen on a port of their own, 8081 unless PROBE_PORT says otherwise', () => {
    expect([settingsFrom({}, () => 1).port, settingsFrom({}, () => 1).probePort]).toEqual([8080, 8081]);
    expect(settingsFrom({ PORT: '9000', PROBE_PORT: '9001' }, () => 1).probePort).toBe(9001);
  });

  test('fails if PROBE_PORT is the public port: one line naming the variable', () => {
    expect(() => settingsFrom({ PORT: '8081' }, () => 1)).toThrow(
      /^PROBE_PORT="8081": expected a port other than PORT's \(8081\), so public clients cannot starve the probes$/,
    );
  });
});
