'use strict';
// A render's route: one horizontal band per stage, each rendered here or by its cloud's cluster.
const fs = require('node:fs');
const path = require('node:path');
const { encodeIterations, renderRows, splitBands } = require('./render.js');

/** How long a remote stage may take before its band counts as failed. */
const REMOTE_STAGE_TIMEOUT_MS = 10_000;

/**
 * Escape iterations rendered between turns of the event loop, some tens of milliseconds: the
 * largest band allowed takes seconds, and health probes must be answered meanwhile.
 */
const ITERATIONS_PER_TURN = 10_000_000;

/**
 * Base URLs of other clusters, by cloud, from a mounted ConfigMap: one file per cloud holding
 * the URL. A missing folder means every band is rendered here. Kubernetes' own `..data`
 * entries start with a dot and are skipped.
 */
function readStageUrls(directory) {
  if (!directory || !fs.existsSync(directory)) return {};
  const urls = {};
  for (const name of fs.readdirSync(directory)) {
    if (name.startsWith('.')) continue;
    const file = path.join(directory, name);
    if (!fs.statSync(file).isFile()) continue;
    const url = fs.readFileSync(file, 'utf8').trim().replace(/\/+$/, '');
    if (/^https?:\/\/\S+$/.test(url)) urls[name] = url;
  }
  return urls;
}

/** An error a stage failed with, as one line for the tile and the log. */
function describeError(error) {
  if (error && error.name === 'TimeoutError') return `timed out after ${REMOTE_STAGE_TIMEOUT_MS} ms`;
  const cause = error && error.cause && error.cause.code ? ` (${error.cause.code})` : '';
  return `${error && error.message ? error.message : String(error)}${cause}`;
}

/** Rows [rowStart, rowEnd) of `frame`, a few rows per turn of the event loop. */
async function renderBand(frame, band) {
  const rowsPerTurn = Math.max(1, Math.floor(ITERATIONS_PER_TURN / (frame.width * frame.maxIterations)));
  const iterations = new Uint16Array(frame.width * (band.rowEnd - band.rowStart));
  for (let row = band.rowStart; row < band.rowEnd; row += rowsPerTurn) {
    await new Promise((resolve) => setImmediate(resolve));
    iterations.set(renderRows(frame, row, Math.min(row + rowsPerTurn, band.rowEnd)), (row - band.rowStart) * frame.width);
  }
  return iterations;
}

/**
 * Renders stages: bands of a frame, here or remotely, with the failures `ERROR_RATE` injects.
 *
 * @param identity this instance: cloud, region, release, pod
 * @param options  route (clouds in order), stageUrls (cloud to base URL), errorRate (0..1),
 *                 metrics, random (for the injected failures)
 */
function createStageRenderer(identity, options) {
  const { route, stageUrls, errorRate, metrics, random } = options;

  /** Renders rows of `frame` on this instance; may fail on purpose. */
  async function renderLocal(frame, band, stage) {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    const milliseconds = () => Math.round(seconds() * 1e6) / 1e3;
    const tile = { stage, rowStart: band.rowStart, rowEnd: band.rowEnd, renderedBy: identity };
    if (errorRate > 0 && random() < errorRate) {
      metrics.observeStageRender('error', seconds());
      return { ...tile, status: 'failed', error: `injected failure (ERROR_RATE=${errorRate})`, durationMs: milliseconds() };
    }
    const iterations = await renderBand(frame, band);
    metrics.observeStageRender('ok', seconds());
    return { ...tile, status: 'ok', durationMs: milliseconds(), iterations: encodeIterations(iterations) };
  }

  /** Asks `baseUrl`'s `/internal/render-stage` for a band; a failure becomes a failed tile. */
  async function renderRemote(frame, band, stage, baseUrl) {
    const started = Date.now();
    const failed = (error) => ({ stage, rowStart: band.rowStart, rowEnd: band.rowEnd, status: 'failed', error, durationMs: Date.now() - started });
    try {
      const response = await fetch(`${baseUrl}/internal/render-stage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...frame, ...band, stage }),
        signal: AbortSignal.timeout(REMOTE_STAGE_TIMEOUT_MS),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok || !body.tile) return failed(`${baseUrl} answered ${response.status}${body.error ? `: ${body.error}` : ''}`);
      return { ...body.tile, stage, rowStart: band.rowStart, rowEnd: band.rowEnd, durationMs: Date.now() - started };
    } catch (error) {
      return failed(`${baseUrl}: ${describeError(error)}`);
    }
  }

  /**
   * All bands of a render request, in route order. In `stages` mode a band whose cloud has a
   * stage URL goes to that cluster; everything else, and every band in `local` mode, is
   * rendered here, one band after another. Remote requests start first, so they run meanwhile.
   */
  async function renderRoute(request) {
    const stages = route.length > 0 ? route : [identity.cloud];
    const bands = splitBands(request.height, stages.length);
    const frame = { width: request.width, height: request.height, maxIterations: request.maxIterations, view: request.view };
    const remoteUrl = (stage) => (request.routeMode === 'stages' && stage !== identity.cloud ? stageUrls[stage] : undefined);
    const tiles = stages.map((stage, index) => {
      const url = remoteUrl(stage);
      return url ? renderRemote(frame, bands[index], stage, url) : undefined;
    });
    for (const [index, stage] of stages.entries()) {
      if (!tiles[index]) tiles[index] = await renderLocal(frame, bands[index], stage);
    }
    return Promise.all(tiles);
  }

  return { renderLocal, renderRoute };
}

module.exports = { createStageRenderer, readStageUrls };
