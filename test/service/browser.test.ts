import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { locateChromium } from '../support/chromium.js';
import { PROJECT_ROOT } from '../support/synth-process.js';
import { type RunningService, startLocalService } from './service-process.js';

const SCREENSHOT = join(PROJECT_ROOT, 'test-output', 'mandelbrot-page.png');
const RELEASE = 'browser-check';

/**
 * What the page-side callbacks below read: the canvas, through the page's `document`. The DOM
 * types are not part of the Node program, so a lib/ file cannot use `document` by mistake; these
 * callbacks run in the browser, which is why each one names `globalThis` itself.
 */
interface PageGlobals {
  readonly document: { getElementById(id: 'canvas'): PageCanvas };
}

interface PageCanvas {
  readonly width: number;
  readonly height: number;
  /** `data-frames`: how many frames the page has drawn. */
  readonly dataset: { readonly frames?: string };
  getContext(kind: '2d'): { getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray } } | null;
}

/**
 * The frames drawn so far and a short fingerprint of the canvas pixels (equal pictures, equal
 * fingerprints), read together: a frame is drawn in one task, so both belong to the same frame.
 */
function canvasState(page: Page): Promise<{ frames: number; fingerprint: string }> {
  return page.evaluate(() => {
    const canvas = (globalThis as unknown as PageGlobals).document.getElementById('canvas');
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let hash = 2166136261;
    for (const byte of data) hash = Math.imul(hash ^ byte, 16777619);
    return { frames: Number(canvas.dataset.frames ?? 0), fingerprint: (hash >>> 0).toString(16) };
  });
}

const framesDrawn = (page: Page) =>
  page.evaluate(() => Number((globalThis as unknown as PageGlobals).document.getElementById('canvas').dataset.frames ?? 0));

describe('the page in a real browser', () => {
  let service: RunningService;
  let browser: Browser;

  beforeAll(async () => {
    const { executablePath, args } = await locateChromium();
    service = await startLocalService({ CLOUD: 'azure', REGION: 'eastus', MANDELBROT_RELEASE: RELEASE, STAGE_ROUTE: 'aws,gcp,azure' });
    browser = await chromium.launch({ executablePath, args: [...args] });
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  test('renders continuously once started: the canvas changes from frame to frame, and the release is shown', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(service.url);

    await page.locator('#release', { hasText: RELEASE }).waitFor();
    expect(await page.textContent('#cloud')).toBe('azure');
    expect(await page.textContent('#region')).toBe('eastus');
    expect(await page.textContent('#route')).toBe('aws → gcp → azure');
    expect(await framesDrawn(page)).toBe(0);

    await page.click('#toggle');
    expect(await page.textContent('#toggle')).toBe('Stop');
    const fingerprints = new Set<string>();
    let seen = 0;
    for (let sample = 1; sample <= 5; sample++) {
      // Wait for a frame after the last one sampled: a slow machine may draw several between samples.
      await page.waitForFunction(
        (n) => Number((globalThis as unknown as PageGlobals).document.getElementById('canvas').dataset.frames ?? 0) > n,
        seen,
      );
      const state = await canvasState(page);
      seen = state.frames;
      fingerprints.add(state.fingerprint);
    }
    // The view moves and zooms: every sample is a later frame, and a different picture (one repeat is tolerated).
    expect(fingerprints.size).toBeGreaterThanOrEqual(4);
    expect(await page.textContent('#frame-status')).toMatch(/^frame \d+ · ok · \d+ ms$/);
    expect(await page.locator('#bands tr').count()).toBe(3);

    mkdirSync(join(PROJECT_ROOT, 'test-output'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await page.click('#toggle');
    await page.locator('#frame-status', { hasText: /^stopped after frame \d+$/ }).waitFor();
    const stoppedAt = await framesDrawn(page);
    await page.waitForTimeout(400);
    expect(await framesDrawn(page)).toBe(stoppedAt);
    expect(errors).toEqual([]);
  });
});
