'use strict';
// The Mandelbrot service. Plain Node.js with no dependencies: its files are mounted from a
// ConfigMap into the stock node image and run as `node /app/server.js`.
//
// The main thread parses requests, routes them, answers probes and writes replies; bands
// render in a pool of worker threads behind admission control. Environment: see settings.js.
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { jsonPieces } = require('./json-reply.js');
const { createMetrics } = require('./metrics.js');
const { normalizeRenderRequest, normalizeStageRequest, WORK_BUDGET, workOf } = require('./render.js');
const { createRenderPool } = require('./render-pool.js');
const { settingsFrom } = require('./settings.js');
const { CLIENT_GONE, DEADLINE_PASSED, createStageRenderer, readStageUrls } = require('./stages.js');

/** Larger request bodies are refused with 413 before they are parsed. */
const MAX_BODY_BYTES = 1024 * 1024;
/** Request body bytes held at once, across all connections; past it, renders get 503. */
const MAX_BUFFERED_BODY_BYTES = 32 * 1024 * 1024;
/** Open connections to the probe listener: the kubelet opens one per probe. */
const MAX_PROBE_CONNECTIONS = 64;
/**
 * Requests that may wait on a connection behind the one being answered. The next one is refused
 * with 503 and the connection closes after it; past twice as many, it is dropped at once.
 */
const PIPELINE_DEPTH = 16;
/** What a 503 asks the client to wait, in seconds. */
const RETRY_AFTER_SECONDS = 2;

function log(fields) {
  console.log(JSON.stringify({ time: new Date().toISOString(), ...fields }));
}

let settings;
try {
  settings = settingsFrom(process.env);
} catch (error) {
  console.error(`error: ${error.message}`);
  process.exit(1);
}
const identity = { cloud: settings.cloud, region: settings.region, release: settings.release, pod: os.hostname() };
const metrics = createMetrics(identity);
const pool = createRenderPool({ size: settings.workers });
const stageUrls = readStageUrls(settings.stageUrlsDir);
const stages = createStageRenderer(identity, {
  route: settings.route,
  stageUrls,
  stageToken: settings.stageToken,
  errorRate: settings.errorRate,
  metrics,
  pool,
  log,
  random: Math.random,
});

/** Renders admitted and not yet answered: at most one per worker plus the queue. */
const capacity = settings.workers + settings.queue;
let admitted = 0;
let admissions = 0;
let bufferedBodyBytes = 0;
let pendingReplyBytes = 0;
let openConnections = 0;
let draining = false;
/** Responses started and not yet closed: the drain waits for these. */
const inFlight = new Set();

/** The page's files, read once: they are immutable for the life of the pod. */
const pageFiles = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
};
for (const entry of Object.values(pageFiles)) entry.body = fs.readFileSync(path.join(__dirname, entry.file));

class HttpError extends Error {
  /** `close`: the connection cannot be reused, as when a body was left unread. */
  constructor(status, message, { headers = {}, close = false } = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
    this.close = close;
  }
}

/**
 * Writes a whole reply. Its bytes count as pending until the socket has taken them; a client
 * that does not take them within the write timeout loses its connection, which frees them.
 */
function send(res, status, body, type = 'application/json', headers = {}) {
  const pieces = type === 'application/json' ? jsonPieces(body) : [Buffer.from(body)];
  const length = pieces.reduce((sum, piece) => sum + piece.length, 0);
  // Draining: close each connection after its last reply; requests already waiting on it are answered first.
  if (draining && !(connections.get(res.socket) || { waiting: [] }).waiting.length) res.shouldKeepAlive = false;
  res.writeHead(status, {
    'content-type': type,
    'content-length': length,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  pendingReplyBytes += length;
  const timer = setTimeout(() => {
    metrics.countDroppedConnection('write_timeout');
    log({ msg: 'reply not taken', path: res.req.url, bytes: length, timeoutMs: settings.writeTimeoutMs });
    res.destroy();
  }, settings.writeTimeoutMs);
  res.once('close', () => {
    clearTimeout(timer);
    pendingReplyBytes -= length;
  });
  for (const piece of pieces) res.write(piece);
  res.end();
}

/**
 * 503 with Retry-After, counted under `reason`: the client should come back later. `close`: the
 * connection closes after it; without, it closes after the last request waiting on it.
 */
function refused(reason, message, close = true) {
  metrics.countRefusal(reason);
  return new HttpError(503, message, { headers: { 'retry-after': String(RETRY_AFTER_SECONDS) }, close });
}

/** Turns a render away unless the pool, the queue and the reply buffers have room. */
function refuseUnlessRoom() {
  // Draining, requests waiting behind this one on its connection are still answered.
  if (draining) throw refused('draining', 'the service is shutting down', false);
  if (admitted >= capacity) throw refused('queue_full', 'too many renders in flight');
  if (pendingReplyBytes > settings.replyBufferBytes) throw refused('reply_bytes', 'too many replies waiting for their clients');
}

/**
 * The request's JSON object body; 413 past {@link MAX_BODY_BYTES}, 400 for anything but an
 * object, 408 when it takes longer than the body timeout, and 503 when the bodies buffered
 * across all connections would pass {@link MAX_BUFFERED_BODY_BYTES}.
 */
function readJsonBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    let held = 0;
    let refusedWith;
    const release = () => {
      bufferedBodyBytes -= held;
      held = 0;
      chunks.length = 0;
    };
    // Answer at once and discard what still arrives: memory stays bounded, and a client
    // that is still sending gets the answer instead of a broken pipe.
    const refuse = (error) => {
      if (refusedWith) return;
      refusedWith = error;
      release();
      // A connection that will close gets no more reading: its bytes would only be thrown away.
      if (error.close) req.pause();
      reject(error);
    };
    const timer = setTimeout(() => {
      if (refusedWith) {
        // Still discarding a refused body: stop reading it.
        metrics.countDroppedConnection('body_timeout');
        req.socket.destroy();
      } else {
        refuse(new HttpError(408, `request body not received within ${settings.bodyTimeoutMs} ms`, { close: true }));
      }
    }, settings.bodyTimeoutMs);
    req.once('close', () => {
      clearTimeout(timer);
      release();
    });
    const tooLarge = () => new HttpError(413, `request body is larger than ${MAX_BODY_BYTES} bytes`);
    if (Number(req.headers['content-length']) > MAX_BODY_BYTES) refuse(tooLarge());
    req.on('data', (chunk) => {
      if (refusedWith) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return refuse(tooLarge());
      if (bufferedBodyBytes + chunk.length > MAX_BUFFERED_BODY_BYTES) {
        return refuse(refused('body_bytes', 'too many request bytes buffered'));
      }
      chunks.push(chunk);
      held += chunk.length;
      bufferedBodyBytes += chunk.length;
    });
    // A client that goes away mid-body is not a failure of this service.
    req.on('error', (error) => refuse(new HttpError(400, `request body incomplete: ${error.message}`)));
    req.on('end', () => {
      clearTimeout(timer);
      if (refusedWith) return;
      const text = Buffer.concat(chunks).toString('utf8');
      release();
      let body;
      try {
        body = JSON.parse(text);
      } catch (error) {
        return reject(new HttpError(400, `malformed JSON: ${error.message}`));
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        return reject(new HttpError(400, 'expected a JSON object'));
      }
      resolve(body);
    });
  });
}

/**
 * Admission control for both render endpoints: room is checked before the body is read and
 * again after, the body is parsed by `normalize`, and its work (pixels x iterations of
 * `rowsOf(request)` rows) must fit {@link WORK_BUDGET}. `work(request, ticket)` then runs with
 * the request's admission number (`order`) and a `signal` that aborts when the client leaves or
 * the render deadline passes.
 */
async function admit(req, res, normalize, rowsOf, work) {
  refuseUnlessRoom();
  const request = normalize(await readJsonBody(req));
  const cost = workOf(request, rowsOf(request));
  if (cost > WORK_BUDGET) {
    metrics.countRefusal('work_budget');
    throw new HttpError(422, `work budget exceeded: ${request.width} x ${rowsOf(request)} pixels x ${request.maxIterations} iterations is ${cost}; at most ${WORK_BUDGET}`);
  }
  refuseUnlessRoom();
  admitted++;
  const controller = new AbortController();
  const clientGone = () => {
    if (!res.writableFinished) controller.abort(CLIENT_GONE);
  };
  res.once('close', clientGone);
  if (res.destroyed) clientGone();
  const deadline = setTimeout(() => controller.abort(DEADLINE_PASSED), settings.renderDeadlineMs);
  try {
    await work(request, { order: ++admissions, signal: controller.signal });
  } finally {
    clearTimeout(deadline);
    res.removeListener('close', clientGone);
    admitted--;
  }
}

const wasCancelled = (signal) => signal.aborted && signal.reason === CLIENT_GONE;

async function render(req, res) {
  try {
    await admit(req, res, normalizeRenderRequest, (request) => request.height, async (request, ticket) => {
      const started = Date.now();
      const tiles = await stages.renderRoute(request, ticket);
      const durationMs = Date.now() - started;
      if (wasCancelled(ticket.signal)) {
        metrics.countRenderRequest('cancelled');
        log({ msg: 'render', status: 'cancelled', width: request.width, height: request.height, durationMs });
        return;
      }
      const failures = tiles.filter((tile) => tile.status !== 'ok').map(({ stage, error }) => ({ stage, error }));
      const strict = request.failureMode === 'strict';
      const status = failures.length === 0 ? 'ok' : strict ? 'failed' : 'degraded';
      metrics.countRenderRequest(status);
      log({ msg: 'render', status, width: request.width, height: request.height, durationMs, failures });
      // Strict: the request fails, carrying the bands that did complete.
      send(res, status === 'failed' ? 502 : 200, {
        status,
        ...request,
        durationMs,
        tiles: status === 'failed' ? tiles.filter((tile) => tile.status === 'ok') : tiles,
        failures,
      });
    });
  } catch (error) {
    if (error instanceof HttpError) metrics.countRenderRequest(error.status === 503 ? 'refused' : 'invalid');
    throw error;
  }
}

/** With STAGE_TOKEN set, `/internal/render-stage` wants it as a bearer token. */
function checkStageToken(req) {
  if (!settings.stageToken) return;
  const digest = (text) => crypto.createHash('sha256').update(text).digest();
  const given = /^Bearer (.+)$/.exec(req.headers.authorization || '');
  if (!given || !crypto.timingSafeEqual(digest(given[1]), digest(settings.stageToken))) {
    throw new HttpError(401, 'a stage token is required', { headers: { 'www-authenticate': 'Bearer' }, close: true });
  }
}

async function renderStage(req, res) {
  checkStageToken(req);
  await admit(req, res, normalizeStageRequest, (request) => request.rowEnd - request.rowStart, async (request, ticket) => {
    const band = { rowStart: request.rowStart, rowEnd: request.rowEnd };
    /** @type {{ status: string, error?: string }} */
    const tile = await stages.renderLocal(request, band, request.stage || identity.cloud, ticket);
    if (wasCancelled(ticket.signal)) return;
    if (tile.status === 'ok') send(res, 200, { tile });
    else send(res, tile.error === DEADLINE_PASSED ? 504 : 500, { error: tile.error, tile });
  });
}

function gauges() {
  const { busy, queued } = pool.stats();
  return [
    ['mandelbrot_render_workers', 'Worker threads that render bands.', settings.workers],
    ['mandelbrot_render_workers_busy', 'Workers rendering a band now.', busy],
    ['mandelbrot_render_queue_length', 'Bands waiting for a worker.', queued],
    ['mandelbrot_renders_admitted', `Renders admitted and not yet answered; at most ${capacity}.`, admitted],
    ['mandelbrot_request_body_bytes', `Request body bytes buffered; at most ${MAX_BUFFERED_BODY_BYTES}.`, bufferedBodyBytes],
    ['mandelbrot_pending_reply_bytes', `Reply bytes not yet taken by clients; renders are refused past ${settings.replyBufferBytes}.`, pendingReplyBytes],
    ['mandelbrot_open_connections', `Connections open to the public listener; at most ${settings.maxConnections}.`, openConnections],
    ['mandelbrot_resident_memory_bytes', 'Resident set size of the process.', process.memoryUsage.rss()],
  ];
}

const routes = {
  '/': { GET: (req, res) => send(res, 200, pageFiles['/'].body, pageFiles['/'].type) },
  '/app.js': { GET: (req, res) => send(res, 200, pageFiles['/app.js'].body, pageFiles['/app.js'].type) },
  '/api/meta': { GET: (req, res) => send(res, 200, { ...identity, route: settings.route }) },
  '/api/render': { POST: render },
  '/internal/render-stage': { POST: renderStage },
  '/healthz': { GET: (req, res) => send(res, 200, { status: 'ok' }) },
  '/readyz': {
    GET: (req, res) => {
      if (draining) send(res, 503, { status: 'not ready', reason: 'shutting down' });
      else if (settings.failReady) send(res, 503, { status: 'not ready', reason: 'FAIL_READY=true' });
      else send(res, 200, { status: 'ready' });
    },
  },
  '/metrics': { GET: (req, res) => send(res, 200, metrics.text(gauges()), 'text/plain; version=0.0.4; charset=utf-8') },
};

/** What the probe listener serves: the kubelet's probes and nothing else. */
const probeRoutes = { '/healthz': routes['/healthz'], '/readyz': routes['/readyz'] };

async function handle(req, res, served) {
  const connection = connections.get(req.socket);
  if (connection && connection.refused === req) {
    metrics.countDroppedConnection('pipeline_depth');
    throw new HttpError(503, `at most ${PIPELINE_DEPTH} requests may wait on a connection`, {
      headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
      close: true,
    });
  }
  // The target's path as it is: URL parsing would read `//x/y` as host x and path /y, or fail.
  const pathname = req.url.split('?', 1)[0];
  const methods = served[pathname];
  if (!methods) throw new HttpError(404, `no such path: ${pathname}`);
  const handler = methods[req.method];
  if (!handler) throw new HttpError(405, `${req.method} is not allowed on ${pathname}`, { headers: { allow: Object.keys(methods).join(', ') } });
  await handler(req, res);
}

/** @param {Record<string, Record<string, (req: any, res: any) => unknown>>} [served] */
function answer(req, res, served = routes) {
  inFlight.add(res);
  res.once('close', () => {
    inFlight.delete(res);
    if (draining && inFlight.size === 0) exitDrained();
  });
  handle(req, res, served).catch((error) => {
    const status = error instanceof HttpError ? error.status : 500;
    if (status === 500) log({ msg: 'request failed', path: req.url, error: String(error && error.stack) });
    if (res.headersSent || res.destroyed) return res.destroy();
    if (error.close) res.shouldKeepAlive = false;
    send(res, status, { error: error.message }, 'application/json', error.headers);
  });
}

/**
 * Each connection's requests, one at a time: pipelined requests wait for the one before them
 * (their replies would wait anyway), so a connection can never have more than one render in
 * flight. At most {@link PIPELINE_DEPTH} wait: the next one (`refused`) gets 503 in its turn,
 * and what arrives after it is never answered. Garbage after a request is answered with 400
 * once the replies before it are written.
 */
const connections = new WeakMap();

function connectionOf(socket) {
  let connection = connections.get(socket);
  if (!connection) {
    connection = { busy: false, waiting: [], badRequest: false, refused: undefined, ignored: 0 };
    connections.set(socket, connection);
  }
  return connection;
}

/** After a reply that closed the connection, nothing more is started on it: its client was told. */
function startNext(socket, connection, res) {
  connection.busy = false;
  const next = socket.destroyed || !res.shouldKeepAlive ? undefined : connection.waiting.shift();
  if (next) return start(socket, connection, ...next);
  connection.waiting.length = 0;
  if (connection.badRequest) endConnection(socket);
}

function start(socket, connection, req, res) {
  connection.busy = true;
  connection.request = req;
  res.once('close', () => startNext(socket, connection, res));
  answer(req, res);
}

/** Queues a pipelined request, refuses it past the depth, and drops a connection that floods. */
function enqueue(socket, connection, req, res) {
  if (connection.refused) {
    // Node keeps every parsed request until the connection closes: a client that goes on
    // sending loses it now, not after its renders.
    if (++connection.ignored > PIPELINE_DEPTH && !socket.destroyed) {
      metrics.countDroppedConnection('pipeline_flood');
      socket.destroy();
    }
    return;
  }
  if (connection.waiting.length >= PIPELINE_DEPTH) connection.refused = req;
  connection.waiting.push([req, res]);
}

/** Answers `status` and closes: destroyed once written, since a client that never closes its side would keep it. */
function endConnection(socket, status = '400 Bad Request') {
  if (!socket.writable) return socket.destroy();
  const timer = setTimeout(() => socket.destroy(), settings.writeTimeoutMs);
  socket.once('close', () => clearTimeout(timer));
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`, () => socket.destroy());
}

const server = http.createServer(
  {
    headersTimeout: settings.headersTimeoutMs,
    // Bodies have their own timeout (readJsonBody), which a pipelined request waiting its turn does not run.
    requestTimeout: 0,
    connectionsCheckingInterval: Math.min(1000, settings.headersTimeoutMs),
  },
  (req, res) => {
    const connection = connectionOf(req.socket);
    if (connection.busy) enqueue(req.socket, connection, req, res);
    else start(req.socket, connection, req, res);
  },
);
server.maxConnections = settings.maxConnections;
server.on('connection', (socket) => {
  openConnections++;
  socket.once('close', () => openConnections--);
});

/**
 * The kubelet's probes on a port of their own, which the LoadBalancer Service does not expose:
 * public clients that fill the public listener's connections cannot starve them.
 */
const probeServer = http.createServer(
  {
    headersTimeout: settings.headersTimeoutMs,
    requestTimeout: settings.headersTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, settings.headersTimeoutMs),
  },
  (req, res) => answer(req, res, probeRoutes),
);
probeServer.maxConnections = MAX_PROBE_CONNECTIONS;

/** @param {NodeJS.ErrnoException} error @param {import('node:stream').Duplex} socket */
function onClientError(error, socket) {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    metrics.countDroppedConnection('headers_timeout');
    return endConnection(socket, '408 Request Timeout');
  }
  // The client closed or reset the connection in the middle of a request: nobody to answer.
  if (error.code === 'ECONNRESET' || error.code === 'HPE_INVALID_EOF_STATE') return socket.destroy();
  const connection = connections.get(socket);
  // Garbage after a whole request: that request's reply goes out first, then the 400.
  if (connection && connection.busy && connection.request.complete) connection.badRequest = true;
  else endConnection(socket);
}
server.on('clientError', onClientError);
probeServer.on('clientError', onClientError);

function exitDrained() {
  log({ msg: 'drained' });
  process.exit(0);
}

/**
 * Kubernetes stops pods with SIGTERM: stop accepting, turn new renders away, let the admitted
 * ones finish (each within its deadline), then exit 0. If the drain timeout passes first,
 * exit 1: requests were cut off.
 */
function drain(signal) {
  if (draining) return;
  draining = true;
  log({ msg: 'draining', signal, inFlight: inFlight.size, timeoutMs: settings.drainTimeoutMs });
  server.close();
  server.closeIdleConnections();
  if (inFlight.size === 0) return exitDrained();
  setTimeout(() => {
    log({ msg: 'drain forced', inFlight: inFlight.size, admitted });
    process.exit(1);
  }, settings.drainTimeoutMs).unref();
}

for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => drain(signal));

probeServer.listen(settings.probePort, () => server.listen(settings.port, () => {
  log({
    msg: 'listening',
    port: /** @type {import('node:net').AddressInfo} */ (server.address()).port,
    probePort: /** @type {import('node:net').AddressInfo} */ (probeServer.address()).port,
    ...identity,
    route: settings.route,
    stages: Object.keys(stageUrls),
    errorRate: settings.errorRate,
    workers: settings.workers,
    queue: settings.queue,
    stageToken: settings.stageToken ? 'required' : 'off',
  });
}));
