/**
 * `npm run bench -- dashboard`: the time from a status change in an API server to the page's event
 * stream, and the dashboard's memory, with the fleet's 3 clusters and with 50 simulated clusters
 * of 3 workloads each. The API servers are the list-and-watch stand-in the unit tests use; the
 * dashboard runs in a process of its own (bench/dashboard-fleet.ts).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { Page } from 'playwright-core';
import type { WorkloadRow } from '../lib/dashboard/fleet-view.js';
import { entryPointCommand } from '../lib/util/entry-point.js';
import { locateChromium } from '../test/support/chromium.js';
import { COLLECTIONS, pod, recordedCluster, replicaSet } from '../test/dashboard/recorded-cluster.js';
import { FakeKubeApi, type FakeObject } from '../test/support/fake-kube-api.js';
import { benchCluster, benchRollout } from './dashboard-fleet.js';
import { formatMiB, median } from './measure.js';
import type { BenchTable } from './report.js';

/** Status changes timed per fleet: sequential, each bounded. */
const CHANGES = 40;
const CHANGE_TIMEOUT_MS = 10_000;

/** The release drill's paused Rollout, renamed, with its ReplicaSets and pods. */
function seed(api: FakeKubeApi, cluster: string, workload: number): FakeObject {
  const recorded = recordedCluster('release-paused', { stable: 'continuous', canary: 'e2e-canary' });
  const name = benchRollout(workload);
  const rollout = { ...(recorded.rollouts[0] as FakeObject) };
  const renamed = { ...rollout, metadata: { ...rollout.metadata, name } } as FakeObject;
  api.put(cluster, COLLECTIONS.rollouts, renamed);
  for (const set of recorded.replicaSets) {
    const hash = set.metadata?.labels?.['rollouts-pod-template-hash'] ?? '';
    const own = replicaSet(hash, 'continuous');
    api.put(cluster, COLLECTIONS.replicaSets, {
      ...own,
      metadata: { ...own.metadata, name: `${name}-${hash}`, ownerReferences: [{ kind: 'Rollout', name }] },
    });
    api.put(cluster, COLLECTIONS.pods, pod(`${name}-${hash}-p`, hash, true) as FakeObject);
  }
  return renamed;
}

/** The events of the page's stream, as views, in order. */
async function* views(url: string, signal: AbortSignal): AsyncGenerator<WorkloadRow[]> {
  const response = await fetch(`${url}events`, { signal });
  const lines = createInterface(Readable.fromWeb(response.body!));
  let event = '';
  try {
    for await (const line of lines) {
      if (line.startsWith('event: ')) event = line.slice('event: '.length);
      else if (line.startsWith('data: ') && event === 'fleet') yield JSON.parse(line.slice('data: '.length)) as WorkloadRow[];
    }
  } catch (error) {
    // The bench ends the stream by aborting it.
    if (!signal.aborted) throw error;
  }
}

function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

async function startFleet(
  kubeconfig: string,
  clusters: number,
  workloads: number,
): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  const { command, args } = entryPointCommand(resolve('.'), 'bench/dashboard-fleet.ts', [kubeconfig, String(clusters), String(workloads)]);
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`the dashboard did not start in 60 s:\n${errors}`)), 60_000);
    child.stdout.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      resolveUrl(chunk.toString().trim());
    });
    child.once('exit', (code) => reject(new Error(`the dashboard exited ${code}:\n${errors}`)));
  });
  return { child, url };
}

/** What the page-side callback reads: the DOM types are not part of the Node program. */
interface PageDocument {
  readonly document: { querySelector(selector: string): { readonly textContent: string | null } | null };
}

/** The page in headless Chromium, once it shows every row. */
async function openPage(url: string, rows: number): Promise<Page> {
  const { executablePath, args } = await locateChromium();
  // Loaded here: every other bench, and the bench's tests, run without a browser.
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, args: [...args] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(url);
  await page
    .locator('#rows tr')
    .nth(rows - 1)
    .waitFor({ timeout: 30_000 });
  return page;
}

/** One fleet: the latency of `CHANGES` status changes, one at a time, and the dashboard's memory after them. */
async function measureFleet(clusters: number, workloads: number): Promise<string[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'trinity-bench-dashboard-'));
  const api = new FakeKubeApi();
  await api.start();
  const names = Array.from({ length: clusters }, (_, index) => benchCluster(index));
  const rollouts = new Map<string, FakeObject>();
  for (const name of names)
    for (let workload = 0; workload < workloads; workload++) rollouts.set(`${name}/w${workload}`, seed(api, name, workload));
  const { child, url } = await startFleet(api.writeKubeconfig(join(scratch, 'kubeconfig'), names), clusters, workloads);
  const stream = new AbortController();
  try {
    const events = views(url, stream.signal);
    const next = async (what: string, until: (rows: WorkloadRow[]) => boolean) => {
      const deadline = setTimeout(() => stream.abort(), CHANGE_TIMEOUT_MS);
      try {
        for (;;) {
          const view = await events.next();
          if (view.done) throw new Error(`the page's stream ended before ${what}`);
          if (until(view.value)) return;
        }
      } finally {
        clearTimeout(deadline);
      }
    };
    await next('every row was read', (rows) => rows.length === rollouts.size && rows.every((row) => row.rollout?.status === 'Paused'));
    const startup = memoryMiB(child.pid!);
    const page = await openPage(url, rollouts.size);
    const latencies: number[] = [];
    const shown: number[] = [];
    for (let change = 0; change < CHANGES; change++) {
      const id = [...rollouts.keys()][(change * 7919) % rollouts.size]!;
      const [cluster, workload] = id.split('/') as [string, string];
      const before = rollouts.get(id)!;
      const revision = String(1000 + change);
      const changed = {
        ...before,
        metadata: { ...before.metadata, annotations: { 'rollout.argoproj.io/revision': revision } },
      } as FakeObject;
      const drawn = page.waitForFunction(
        ([row, text]) =>
          (globalThis as unknown as PageDocument).document.querySelector(`tr[data-row="${row}"]`)?.textContent?.includes(text) === true,
        [id, `revision ${revision}`] as const,
        { polling: 'raf', timeout: CHANGE_TIMEOUT_MS },
      );
      const sentAt = performance.now();
      api.put(cluster, COLLECTIONS.rollouts, changed);
      await next(`change ${change} reached the page`, (rows) =>
        rows.some((row) => row.id === `${cluster}/${workload}` && row.rollout?.revision === revision),
      );
      latencies.push(performance.now() - sentAt);
      await drawn;
      shown.push(performance.now() - sentAt);
    }
    await page.context().browser()?.close();
    const after = memoryMiB(child.pid!);
    return [
      `${clusters} × ${workloads}`,
      String(rollouts.size),
      `${median(latencies).toFixed(0)} ms`,
      `${Math.max(...latencies).toFixed(0)} ms`,
      `${median(shown).toFixed(0)} ms`,
      `${Math.max(...shown).toFixed(0)} ms`,
      formatMiB(startup.rss),
      formatMiB(after.peak),
    ];
  } finally {
    stream.abort();
    child.kill('SIGTERM');
    await new Promise((resolveExit) => child.once('exit', resolveExit));
    await api.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchTable[]> {
  const rows = [await measureFleet(3, 1), await measureFleet(50, 3)];
  return [
    {
      id: 'dashboard',
      title: `\`npm run bench -- dashboard\`: a status change in an API server to the page's event stream and to the row drawn in headless Chromium, ${CHANGES} changes one at a time`,
      headings: [
        'clusters × workloads',
        'rows',
        'to the stream, median',
        'slowest',
        'to the page, median',
        'slowest',
        'RSS once every row is read',
        'peak RSS',
      ],
      rows,
      notes: [
        'The dashboard gathers changes for 50 ms before it sends a view, so one rollout step that changes several objects is one update.',
      ],
    },
  ];
}
