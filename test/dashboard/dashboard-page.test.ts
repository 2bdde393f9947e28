import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { dashboardCommand } from '../../lib/dashboard/dashboard-command.js';
import type { RunCommand } from '../../lib/operator/run-command.js';
import { locateChromium } from '../support/chromium.js';
import { FakeKubeApi } from '../support/fake-kube-api.js';
import { makeTempDir, PROJECT_ROOT } from '../support/synth-process.js';
import { COLLECTIONS, putCluster, recordedCluster, writeProject } from './recorded-cluster.js';
import { FIXTURE_WORKLOADS } from '../support/fixture-project.js';

const SCREENSHOT = join(PROJECT_ROOT, 'test-output', 'dashboard-paused.png');
const PAUSED = { stable: 'continuous', canary: 'e2e-canary' };

/** What the page-side callbacks read: the DOM types are not part of the Node program. */
interface PageGlobals {
  dashboardLoads?: number;
}

const row = (page: Page, id: string) => page.locator(`tr[data-row="${id}"]`);

/** The workload's Argo CD Application on `cluster`, as Argo CD reports it. */
function putApplication(api: FakeKubeApi, cluster: string, health: string): void {
  api.put(cluster, COLLECTIONS.applications, {
    metadata: { name: `trinity-mandelbrot-${cluster}`, namespace: 'argocd' },
    status: { sync: { status: 'Synced' }, health: { status: health } },
  });
}

describe('the dashboard in a real browser', () => {
  let api: FakeKubeApi;
  let folder: { path: string; cleanup: () => void };
  let browser: Browser;
  let stop: () => void = () => {};
  let exited: Promise<number>;
  let url = '';
  let output = '';
  /** When the stand-in plugin's promote wrote the promoted Rollout to the API server. */
  let promotedAt = 0;

  /** kubectl as the operator code runs it, answered from the stand-in API server's objects. */
  const kubectl: RunCommand = async (_file, args) => {
    const context = args[args.indexOf('--context') + 1] ?? '';
    const ok = (stdout: string) => ({ exitCode: 0, stdout, stderr: '' });
    if (args.join(' ') === 'argo rollouts version') return ok('kubectl-argo-rollouts: v1.9.0+838d4e7\n');
    if (args[0] === 'get' && args[1] === 'rollout') return ok(JSON.stringify(api.get(context, COLLECTIONS.rollouts, 'mandelbrot')));
    if (args[0] === 'get' && args[1] === 'analysisruns') return ok('{"items": []}');
    if (args.includes('promote')) {
      setTimeout(() => {
        putCluster(api, context, recordedCluster('promoted-healthy', { stable: 'e2e-canary' }));
        putApplication(api, context, 'Healthy');
        promotedAt = Date.now();
      }, 300);
      return ok(`rollout 'mandelbrot' promoted\n`);
    }
    if (args.includes('status')) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      return ok('Healthy\n');
    }
    return { exitCode: 1, stdout: '', stderr: `unexpected kubectl ${args.join(' ')}` };
  };

  beforeAll(async () => {
    const { executablePath, args } = await locateChromium();
    api = new FakeKubeApi();
    await api.start();
    folder = makeTempDir('dashboard-page');
    // A release train from gcp, whose canary of e2e-canary is paused, to aws.
    writeProject(
      folder.path,
      [
        { name: 'aws', cloud: 'aws' },
        { name: 'gcp', cloud: 'gcp', release: 'e2e-canary' },
      ],
      ['gcp', 'aws'],
    );
    const kubeconfig = api.writeKubeconfig(join(folder.path, 'kubeconfig'), ['aws', 'gcp']);
    putCluster(api, 'aws', recordedCluster('promoted-healthy', { stable: 'continuous' }));
    putCluster(api, 'gcp', recordedCluster('release-paused', PAUSED));
    putApplication(api, 'aws', 'Healthy');
    putApplication(api, 'gcp', 'Suspended');

    const listening = new Promise<void>((resolve) => {
      exited = dashboardCommand(['--port', '0', '--allow-actions'], {
        cwd: folder.path,
        workloads: FIXTURE_WORKLOADS,
        env: { KUBECONFIG: kubeconfig },
        stdout: { write: (text: string) => (output += text) },
        stderr: { write: (text: string) => (output += text) },
        run: kubectl,
        stopped: new Promise<void>((resolveStop) => (stop = resolveStop)),
        onListening: (address) => {
          url = address;
          resolve();
        },
      });
      void exited.then(() => resolve());
    });
    await listening;
    if (url === '') throw new Error(`the dashboard did not start:\n${output}`);
    browser = await chromium.launch({ executablePath, args: [...args] });
  });

  afterAll(async () => {
    await browser?.close();
    stop();
    await exited;
    await api?.stop();
    folder?.cleanup();
  });

  test('shows the paused canary first with both releases, promotes it from the keyboard after a confirmation, and shows it Healthy with no reload', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 500 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);

    const paused = row(page, 'gcp/mandelbrot');
    await paused.locator('[data-field="status"]', { hasText: 'Paused' }).waitFor();
    expect(await page.locator('#rows tr').evaluateAll((rows) => rows.map((tr) => tr.getAttribute('data-row')))).toEqual([
      'gcp/mandelbrot',
      'aws/mandelbrot',
    ]);
    expect(await paused.locator('[data-field="step"]').textContent()).toBe('step 1/3');
    expect(await paused.locator('[data-field="pause"]').textContent()).toMatch(/^waiting for a personfor (\d+h )?(\d+m )?\d+s$/);
    expect(await paused.locator('[data-field="releases"] li').allTextContents()).toEqual([
      'stable: continuous',
      'canary: e2e-canary',
      'in Git: e2e-canary',
    ]);
    expect(await paused.locator('[data-field="weight"]').textContent()).toBe('50 / —');
    expect(await paused.locator('[data-field="application"]').textContent()).toBe('Synced, Suspended');
    expect(await paused.locator('[data-field="weight"]').getAttribute('aria-label')).toBe('desired weight 50, applied weight not routed');
    expect(await paused.locator('[data-field="pods"] li').allTextContents()).toEqual([
      expect.stringMatching(/^stable \w+: 1\/1 ready$/),
      expect.stringMatching(/^canary \w+: 1\/1 ready$/),
    ]);
    expect(await row(page, 'aws/mandelbrot').locator('td').first().textContent()).toBe('Healthy step 3/32/2 ready, revision 2');
    expect(await paused.locator('[data-field="train"]').textContent()).toBe('release train 1/2');
    expect(await row(page, 'aws/mandelbrot').locator('[data-field="train"] > span').textContent()).toBe('release train 2/2, next');
    expect(await row(page, 'aws/mandelbrot').locator('[data-field="train-blocker"]').textContent()).toBe(
      'aws waits for gcp: its canary waits for an operator (npm run rollout -- promote --cluster gcp)',
    );
    mkdirSync(join(PROJECT_ROOT, 'test-output'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.evaluate(() => ((globalThis as unknown as PageGlobals).dashboardLoads = 1));

    // Escape cancels: nothing is sent.
    const promote = page.getByRole('button', { name: 'promote gcp/mandelbrot' });
    await promote.focus();
    await page.keyboard.press('Enter');
    await page.locator('#confirm[open]').waitFor();
    await page.keyboard.press('Escape');
    await page.locator('#confirm:not([open])').waitFor({ state: 'attached' });
    expect(output).not.toContain('action: promote');

    await promote.focus();
    await page.keyboard.press('Enter');
    await page.locator('#confirm[open]').waitFor();
    expect(
      await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id),
    ).toBe('confirm-cancel');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');

    const promoted = row(page, 'gcp/mandelbrot').locator('[data-field="status"]', { hasText: 'Healthy' });
    await promoted.waitFor({ timeout: 10_000 }).catch((error: Error) => {
      throw new Error(`${error.message}\n${output}`);
    });
    const shownAfterMs = Date.now() - promotedAt;
    expect(shownAfterMs).toBeLessThan(2000);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).dashboardLoads)).toBe(1);
    await page.locator('#announcements', { hasText: 'promote on gcp/mandelbrot: done' }).waitFor();
    await row(page, 'aws/mandelbrot')
      .locator('[data-field="train-blocker"]', {
        hasText: 'gcp is Healthy with "e2e-canary"; aws is next: npm run release -- e2e-canary --train --resume',
      })
      .waitFor();
    expect(output).toMatch(/action: promote on gcp\/mandelbrot requested from the page/);
    expect(output).toMatch(/action: promote on gcp\/mandelbrot done: Healthy/);
    expect(errors).toEqual([]);
  });

  test('an unreachable cluster says since when in its row, and the other rows stay live', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 500 } });
    await page.goto(url);
    await row(page, 'aws/mandelbrot').waitFor();
    api.setUnreachable('aws', true);
    try {
      await row(page, 'aws/mandelbrot')
        .getByText(/^unreachable since \d\d:\d\d:\d\d UTC$/)
        .waitFor({ timeout: 10_000 });
      putCluster(api, 'gcp', recordedCluster('release-paused', PAUSED));
      await row(page, 'gcp/mandelbrot').locator('[data-field="status"]', { hasText: 'Paused' }).waitFor({ timeout: 10_000 });
      expect(output).toMatch(/cluster aws \(context aws\) unreachable: /);
    } finally {
      api.setUnreachable('aws', false);
    }
  });
});
