/**
 * `npm run dashboard` against the drill's control plane, with the real Argo Rollouts controller
 * and plugin, in a real headless Chromium: the page shows the release paused at step 1 and both
 * releases; promote, confirmed on the page, drives the Rollout to Healthy, which the page shows
 * within 2 s of the controller writing it, with no reload; forged requests are refused.
 */
import { writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { dashboardCommand } from '../../lib/dashboard/dashboard-command.js';
import type { DashboardServer } from '../../lib/dashboard/dashboard-server.js';
import { runWithTinyexec } from '../../lib/operator/run-command.js';
import { type RolloutObject, summarizeRollout } from '../../lib/operator/rollout-summary.js';
import { locateChromium } from '../support/chromium.js';
import { type DrillCluster, startDrillCluster } from './support/drill-cluster.js';
import { DrillProject } from './support/drill-project.js';
import { awaitLiveRollout, drillSteps, fullyPromoted, pausedAtHalf } from './support/drill-steps.js';
import { LiveRollout } from './support/live-rollout.js';
import { WORKLOADS } from '../../lib/workloads/all-workloads.js';

const CLUSTER = 'aws';
const NAMESPACE = 'mandelbrot';
const ROLLOUT = 'mandelbrot';
const SETUP_TIMEOUT_MS = 80 * 60_000;
const STEP_TIMEOUT_MS = 5 * 60_000;
/** The promise: the page shows what the controller wrote within this. */
const PAGE_LAG_LIMIT_MS = 2000;

const log = (line: string) => process.stderr.write(`e2e ${new Date().toISOString().slice(11, 19)} ${line}\n`);

let cluster: DrillCluster | undefined;
let project: DrillProject;
let live: LiveRollout;
let browser: Browser | undefined;
let page: Page;
let url = '';
let server: DashboardServer;
let output = '';
let stopDashboard: () => void = () => {};
let dashboardExited: Promise<number> | undefined;

beforeAll(async () => {
  cluster = await startDrillCluster({ externalKubeconfig: process.env.E2E_KUBECONFIG, namespaces: [NAMESPACE], log });
  project = DrillProject.create(
    { PATH: `${cluster.pathDir}:${process.env.PATH}`, KUBECONFIG: cluster.kubeconfig },
    join(cluster.runDir, 'bundle-cache'),
  );
  live = new LiveRollout(cluster.api, NAMESPACE, ROLLOUT);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  stopDashboard();
  await dashboardExited;
  if (cluster) {
    writeFileSync(join(cluster.runDir, 'dashboard.log'), output);
    await cluster.stop();
    log(`stopped every process; logs in ${cluster.runDir}`);
  }
  if (!failed()) project?.cleanup();
}, 60_000);

const { step, failed } = drillSteps(() => cluster, STEP_TIMEOUT_MS);

/** A request with exactly these headers, as another local page or a rebound DNS name would send it. */
function send(target: string, method: string, headers: Record<string, string>, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(target, { method, headers }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

step('1. the workload is applied, goes Healthy, then a release pauses it at step 1/3', async () => {
  await cluster!.createNamespaces(['argocd', NAMESPACE]);
  await cluster!.kubectl(['apply', '-f', project.workloadDir(CLUSTER)]);
  await awaitLiveRollout(live, '1. first revision', 'Healthy with every pod on one hash', (snapshot) => fullyPromoted(snapshot));
  await project.release('e2e-canary');
  await cluster!.kubectl(['apply', '-f', project.workloadDir(CLUSTER)]);
  await awaitLiveRollout(live, '1. release', 'Paused at step 1/3, one stable and one canary pod', pausedAtHalf);
});

step('2. npm run dashboard --allow-actions: the page shows the cluster Paused at step 1/3 and both releases', async () => {
  await new Promise<void>((resolve, reject) => {
    dashboardExited = dashboardCommand(['--port', '0', '--allow-actions'], {
      cwd: project.root,
      workloads: WORKLOADS,
      env: { PATH: `${cluster!.pathDir}:${process.env.PATH}`, KUBECONFIG: cluster!.kubeconfig, HOME: process.env.HOME },
      stdout: { write: (text: string) => (output += text) },
      stderr: { write: (text: string) => (output += text) },
      run: runWithTinyexec,
      stopped: new Promise<void>((resolveStop) => (stopDashboard = resolveStop)),
      onListening: (address, running) => {
        url = address;
        server = running;
        resolve();
      },
    });
    void dashboardExited.then((code) => reject(new Error(`the dashboard exited ${code}:\n${output}`)));
  });
  const { executablePath, args } = await locateChromium();
  browser = await chromium.launch({ executablePath, args: [...args] });
  page = await browser.newPage({ viewport: { width: 1400, height: 560 } });
  await page.goto(url);
  const row = page.locator(`tr[data-row="${CLUSTER}/mandelbrot"]`);
  await row.locator('[data-field="status"]', { hasText: 'Paused' }).waitFor({ timeout: 30_000 });
  expect(await row.locator('[data-field="step"]').textContent()).toBe('step 1/3');
  await row.locator('[data-field="releases"] li', { hasText: 'canary: e2e-canary' }).waitFor({ timeout: 10_000 });
  expect(await row.locator('[data-field="releases"] li').allTextContents()).toEqual([
    'stable: continuous',
    'canary: e2e-canary',
    'in Git: e2e-canary',
  ]);
  expect(await row.locator('[data-field="pause"]').textContent()).toMatch(/^waiting for a person/);
  // An API server whose watch cache is still filling answers 429 for a moment; the retry clears it.
  await page.locator('tr.unreachable').first().waitFor({ state: 'detached', timeout: 15_000 });
  await page.screenshot({ path: join(cluster!.runDir, 'dashboard-paused.png'), fullPage: true });
  log(`screenshot: ${join(cluster!.runDir, 'dashboard-paused.png')}`);
});

step('3. a request without the token, or from another origin, is refused', async () => {
  const host = new URL(url).host;
  const body = JSON.stringify({ cluster: CLUSTER, workload: 'mandelbrot', action: 'promote' });
  const json = { host, 'content-type': 'application/json' };
  expect(await send(`${url}api/actions`, 'POST', { ...json, origin: `http://${host}` }, body)).toBe(403);
  expect(
    await send(`${url}api/actions`, 'POST', { ...json, origin: 'http://attacker.example', 'x-dashboard-token': server.token }, body),
  ).toBe(403);
  expect(await send(url, 'GET', { host: 'attacker.example' })).toBe(403);
  expect((await live.snapshot()).rollout.status?.phase).toBe('Paused');
});

step('4. promote, clicked and confirmed: the Rollout goes Healthy and the page shows it within 2 s, with no reload', async () => {
  // When the controller writes Healthy, as a watch of the API server sees it.
  const watching = new AbortController();
  const watch = await fetch(
    `${cluster!.api.baseURL}/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/rollouts?watch=true&fieldSelector=metadata.name%3D${ROLLOUT}`,
    { signal: watching.signal },
  );
  const healthyWritten = new Promise<number>((resolve) => {
    const lines = createInterface(Readable.fromWeb(watch.body!));
    lines.on('error', () => {});
    lines.on('line', (line) => {
      const event = JSON.parse(line) as { object: RolloutObject };
      if (summarizeRollout(event.object).status === 'Healthy') {
        resolve(Date.now());
        watching.abort();
      }
    });
  });
  await page.evaluate((id) => {
    const globals = globalThis as unknown as {
      loads: number;
      healthyShownAt?: number;
      MutationObserver: new (callback: () => void) => { observe(node: unknown, options: unknown): void };
      document: { body: unknown; querySelector(selector: string): { textContent: string } | null };
    };
    globals.loads = 1;
    new globals.MutationObserver(() => {
      const status = globals.document.querySelector(`tr[data-row="${id}"] [data-field="status"]`);
      if (status?.textContent === 'Healthy') globals.healthyShownAt ??= Date.now();
    }).observe(globals.document.body, { subtree: true, childList: true, characterData: true });
  }, `${CLUSTER}/mandelbrot`);

  await page.getByRole('button', { name: `promote ${CLUSTER}/mandelbrot` }).click();
  await page.getByRole('button', { name: 'Confirm' }).click();
  const writtenAt = await healthyWritten;
  const row = page.locator(`tr[data-row="${CLUSTER}/mandelbrot"]`);
  await row.locator('[data-field="status"]', { hasText: 'Healthy' }).waitFor({ timeout: 30_000 });
  const { loads, shownAt } = await page.evaluate(() => {
    const globals = globalThis as unknown as { loads: number; healthyShownAt: number };
    return { loads: globals.loads, shownAt: globals.healthyShownAt };
  });
  log(`the page showed Healthy ${shownAt - writtenAt} ms after a watch of the API server saw it`);
  expect(loads).toBe(1);
  expect(shownAt - writtenAt).toBeLessThan(PAGE_LAG_LIMIT_MS);
  await awaitLiveRollout(live, '4. promote', 'Healthy with every pod on one hash', (snapshot) => fullyPromoted(snapshot));
  expect(output).toMatch(new RegExp(`action: promote on ${CLUSTER}/mandelbrot requested from the page`));
  await page.locator('#announcements', { hasText: `promote on ${CLUSTER}/mandelbrot: done` }).waitFor({ timeout: 60_000 });
  expect(output).toMatch(new RegExp(`action: promote on ${CLUSTER}/mandelbrot done: Healthy`));
});
