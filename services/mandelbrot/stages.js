'use strict';
// A render's route: one horizontal band per stage, each rendered here or by its cloud's cluster.
const fs = require('node:fs');
const path = require('node:path');
const { RawJsonString } = require('./json-reply.js');
const { RenderCancelled } = require('./render-pool.js');
const { splitBands } = require('./render.js');

/** Bytes of a failed stage's reply that are read, for the log. */
const ERROR_TEXT_BYTES = 300;
/** A stage's reply beyond its band's iterations: the JSON around them. */
const REPLY_OVERHEAD_BYTES = 64 * 1024;

/** Why a request's work stopped early: its signal's `reason`, and a tile's `error`. */
const CLIENT_GONE = 'cancelled';
const DEADLINE_PASSED = 'timeout';

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

/** A short reason for a failed remote request, fit for the public caller: never a URL or a remote's text. */
function reasonOf(error, signal) {
  if (signal.aborted) return signal.reason;
  const code = error && error.cause && error.cause.code;
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  return 'unreachable';
}

/** The length of a band's iterations in base64: two bytes a pixel. */
const iterationsLength = (width, rows) => 4 * Math.ceil((width * rows * 2) / 3);

/**
 * At most `limit` bytes of `response`'s body: `{ bytes, complete }`, where `complete` is false
 * when there was more. The rest is never read: the request is cancelled, and its connection with it.
 */
async function readCapped(response, limit) {
  if (!response.body) return { bytes: Buffer.alloc(0), complete: true };
  const reader = response.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: Buffer.concat(chunks, size), complete: true };
    chunks.push(value);
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return { bytes: Buffer.concat(chunks, size).subarray(0, limit), complete: false };
    }
  }
}

/**
 * Renders stages: bands of a frame, here (in the worker pool) or remotely, with the failures
 * `ERROR_RATE` injects. Every call takes the request's ticket: `order`, its admission number,
 * and `signal`, which aborts with {@link CLIENT_GONE} when the client leaves and
 * {@link DEADLINE_PASSED} at the deadline, and stops local bands at their next slice and
 * remote requests at once (which the remote sees as its client leaving).
 *
 * @param identity this instance: cloud, region, release, pod
 * @param options  route (clouds in order), stageUrls (cloud to base URL), stageToken (sent to
 *                 remote stages, '' for none), errorRate (0..1), metrics, pool, log, random
 */
function createStageRenderer(identity, options) {
  const { route, stageUrls, stageToken, errorRate, metrics, pool, log, random } = options;

  /** Renders rows of `frame` on this instance, its place in the pool's queue by `ticket.order`; may fail on purpose. */
  async function renderLocal(frame, band, stage, ticket) {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    const milliseconds = () => Math.round(seconds() * 1e6) / 1e3;
    const tile = { stage, rowStart: band.rowStart, rowEnd: band.rowEnd, renderedBy: identity };
    if (errorRate > 0 && random() < errorRate) {
      metrics.observeStageRender('error', seconds());
      return { ...tile, status: 'failed', error: `injected failure (ERROR_RATE=${errorRate})`, durationMs: milliseconds() };
    }
    try {
      const iterations = await pool.run(frame, band, ticket.signal, ticket.order);
      metrics.observeStageRender('ok', seconds());
      return { ...tile, status: 'ok', durationMs: milliseconds(), iterations: new RawJsonString(iterations) };
    } catch (error) {
      if (!(error instanceof RenderCancelled)) throw error;
      metrics.observeStageRender(error.reason);
      return { ...tile, status: 'failed', error: error.reason, durationMs: milliseconds() };
    }
  }

  /**
   * Asks `baseUrl`'s `/internal/render-stage` for a band; a failure becomes a failed tile whose
   * error is a short reason, while the log gets the URL and what the remote said. A redirect is
   * a failure, not followed.
   */
  async function renderRemote(frame, band, stage, baseUrl, signal) {
    const started = Date.now();
    const url = `${baseUrl}/internal/render-stage`;
    const failed = (reason, detail) => {
      log({ msg: 'stage failed', stage, url, reason, detail });
      return { stage, rowStart: band.rowStart, rowEnd: band.rowEnd, status: 'failed', error: reason, durationMs: Date.now() - started };
    };
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(stageToken ? { authorization: `Bearer ${stageToken}` } : {}) },
        body: JSON.stringify({ ...frame, ...band, stage }),
        redirect: 'manual',
        signal,
      });
      if (!response.ok) {
        const text = await readCapped(response, ERROR_TEXT_BYTES).then(
          ({ bytes }) => bytes.toString('utf8'),
          (error) => String(error),
        );
        return failed(`HTTP ${response.status}`, text);
      }
      // A reply is a band's iterations and a little JSON: a stage that sends more is not read to the end.
      const limit = iterationsLength(frame.width, band.rowEnd - band.rowStart) + REPLY_OVERHEAD_BYTES;
      const tooLarge = () => failed('reply too large', `more than ${limit} bytes`);
      if (Number(response.headers.get('content-length')) > limit) {
        await response.body?.cancel().catch(() => {});
        return tooLarge();
      }
      const reply = await readCapped(response, limit);
      if (!reply.complete) return tooLarge();
      let body;
      try {
        body = JSON.parse(reply.bytes.toString('utf8'));
      } catch {
        body = {};
      }
      if (!body || !body.tile || typeof body.tile.iterations !== 'string') return failed('invalid reply', 'no tile with iterations');
      return { ...body.tile, stage, rowStart: band.rowStart, rowEnd: band.rowEnd, durationMs: Date.now() - started };
    } catch (error) {
      return failed(reasonOf(error, signal), String((error && error.cause) || error));
    }
  }

  /**
   * All bands of a render request, in route order. In `stages` mode a band whose cloud has a
   * stage URL goes to that cluster; everything else, and every band in `local` mode, is
   * rendered here, one band after another. Remote requests start first, so they run meanwhile.
   */
  async function renderRoute(request, ticket) {
    const { signal } = ticket;
    const stages = route.length > 0 ? route : [identity.cloud];
    const bands = splitBands(request.height, stages.length);
    const frame = { width: request.width, height: request.height, maxIterations: request.maxIterations, view: request.view };
    const remoteUrl = (stage) => (request.routeMode === 'stages' && stage !== identity.cloud ? stageUrls[stage] : undefined);
    const tiles = stages.map((stage, index) => {
      const url = remoteUrl(stage);
      return url ? renderRemote(frame, bands[index], stage, url, signal) : undefined;
    });
    for (const [index, stage] of stages.entries()) {
      if (tiles[index]) continue;
      // A request that was cancelled or timed out starts no further band.
      tiles[index] = signal.aborted
        ? { stage, ...bands[index], status: 'failed', error: signal.reason, durationMs: 0 }
        : await renderLocal(frame, bands[index], stage, ticket);
    }
    return Promise.all(tiles);
  }

  return { renderLocal, renderRoute };
}

module.exports = { CLIENT_GONE, DEADLINE_PASSED, createStageRenderer, readStageUrls };
