import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../../service/service-process.js';
import type { Supervisor } from './supervisor.js';
import { waitFor } from './wait.js';

/** What Prometheus scrapes: a port on 127.0.0.1, and the labels the scrape contract gives it. */
export interface ScrapeTarget {
  readonly port: number;
  readonly labels: Readonly<Record<string, string>>;
}

/** Debian's `prometheus` (apt), on 127.0.0.1, scraping only the targets it is given, all on 127.0.0.1. */
export interface LocalPrometheus {
  /** `http://127.0.0.1:<port>`: what the AnalysisTemplate's address is set to. */
  readonly url: string;
  /** Replaces the scraped targets; Prometheus picks the file up within a second or two. */
  setTargets(targets: readonly ScrapeTarget[]): void;
  /** An instant query's vector, as numbers. */
  query(expression: string): Promise<number[]>;
}

/** The binary of Debian's package, found on PATH; a missing one is an error that says how to install it. */
export function prometheusBinary(path = process.env.PATH ?? ''): string {
  const found = path
    .split(delimiter)
    .map((dir) => join(dir, 'prometheus'))
    .find((file) => existsSync(file));
  if (!found)
    throw new Error("no prometheus on PATH: the canary analysis drill scrapes with Debian's package (apt-get install prometheus)");
  return found;
}

/**
 * Starts Prometheus under `supervisor`, which stops it by PID. It scrapes every second, from a
 * file of targets it rereads, so the drill can add the instances it boots as their hashes appear.
 */
export async function startPrometheus(supervisor: Supervisor, runDir: string): Promise<LocalPrometheus> {
  const binary = prometheusBinary();
  const dir = join(runDir, 'prometheus');
  mkdirSync(join(dir, 'data'), { recursive: true });
  const targetsFile = join(dir, 'targets.json');
  const setTargets = (targets: readonly ScrapeTarget[]) => {
    const groups = targets.map((target) => ({ targets: [`127.0.0.1:${target.port}`], labels: target.labels }));
    writeFileSync(`${targetsFile}.tmp`, JSON.stringify(groups));
    renameSync(`${targetsFile}.tmp`, targetsFile);
  };
  setTargets([]);
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(
    configFile,
    stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s' },
      scrape_configs: [{ job_name: 'mandelbrot', file_sd_configs: [{ files: [targetsFile], refresh_interval: '1s' }] }],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  supervisor.start('prometheus', binary, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.retention.time=1h',
  ]);
  await waitFor(
    'prometheus',
    `Prometheus ready on ${url}`,
    async () => {
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
      return { done: response.ok, seen: `HTTP ${response.status}` };
    },
    { timeoutMs: 60_000 },
  );
  return {
    url,
    setTargets,
    query: async (expression) => {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expression)}`, { signal: AbortSignal.timeout(5_000) });
      const body = (await response.json()) as { data?: { result?: { value: [number, string] }[] } };
      return (body.data?.result ?? []).map((sample) => Number(sample.value[1]));
    },
  };
}
