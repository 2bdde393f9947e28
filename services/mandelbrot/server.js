'use strict';
// The Mandelbrot service. Plain Node.js with no dependencies: its files are mounted from a
// ConfigMap into the stock node image and run as `node /app/server.js`.
//
// Environment: CLOUD, REGION, MANDELBROT_RELEASE, STAGE_ROUTE (clouds, comma-separated),
// STAGE_URLS_DIR (the mounted stage-URL ConfigMap), ERROR_RATE (0..1), FAIL_READY, PORT.
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { createMetrics } = require('./metrics.js');
const { normalizeRenderRequest, normalizeStageRequest } = require('./render.js');
const { createStageRenderer, readStageUrls } = require('./stages.js');

/** Larger request bodies are refused with 413 before they are parsed. */
const MAX_BODY_BYTES = 1024 * 1024;

function settingsFrom(env) {
  const errorRate = Number(env.ERROR_RATE || 0);
  return {
    cloud: env.CLOUD || 'local',
    region: env.REGION || 'local',
    release: env.MANDELBROT_RELEASE || 'dev',
    route: (env.STAGE_ROUTE || '').split(',').map((stage) => stage.trim()).filter(Boolean),
    stageUrls: readStageUrls(env.STAGE_URLS_DIR),
    errorRate: Number.isFinite(errorRate) ? Math.min(1, Math.max(0, errorRate)) : 0,
    failReady: env.FAIL_READY === 'true',
    port: Number(env.PORT || 8080),
  };
}

const settings = settingsFrom(process.env);
const identity = { cloud: settings.cloud, region: settings.region, release: settings.release, pod: os.hostname() };
const metrics = createMetrics(identity);
const stages = createStageRenderer(identity, {
  route: settings.route,
  stageUrls: settings.stageUrls,
  errorRate: settings.errorRate,
  metrics,
  random: Math.random,
});

/** The page's files, read once: they are immutable for the life of the pod. */
const pageFiles = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
};
for (const entry of Object.values(pageFiles)) entry.body = fs.readFileSync(path.join(__dirname, entry.file));

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function send(res, status, body, type = 'application/json') {
  const payload = type === 'application/json' ? JSON.stringify(body) : body;
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(payload);
}

function log(fields) {
  console.log(JSON.stringify({ time: new Date().toISOString(), ...fields }));
}

/** The request's JSON object body; 413 past {@link MAX_BODY_BYTES}, 400 for anything but an object. */
function readJsonBody(req) {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new HttpError(413, `request body is larger than ${MAX_BODY_BYTES} bytes`);
    if (Number(req.headers['content-length']) > MAX_BODY_BYTES) {
      req.resume();
      return reject(tooLarge());
    }
    const chunks = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES && !refused) {
        // Answer now and discard the rest as it arrives: memory stays bounded, and the
        // client, still sending, gets the 413 instead of a broken pipe.
        refused = true;
        chunks.length = 0;
        reject(tooLarge());
      } else if (!refused) {
        chunks.push(chunk);
      }
    });
    // A client that goes away mid-body is not a failure of this service.
    req.on('error', (error) => reject(new HttpError(400, `request body incomplete: ${error.message}`)));
    req.on('end', () => {
      if (refused) return;
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
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

async function render(req, res) {
  const started = Date.now();
  let request;
  try {
    request = normalizeRenderRequest(await readJsonBody(req));
  } catch (error) {
    metrics.countRenderRequest('invalid');
    throw error;
  }
  const tiles = await stages.renderRoute(request);
  const failures = tiles.filter((tile) => tile.status !== 'ok').map(({ stage, error }) => ({ stage, error }));
  const strict = request.failureMode === 'strict';
  const status = failures.length === 0 ? 'ok' : strict ? 'failed' : 'degraded';
  metrics.countRenderRequest(status);
  const durationMs = Date.now() - started;
  log({ msg: 'render', status, width: request.width, height: request.height, durationMs, failures });
  // Strict: the request fails, carrying the bands that did complete.
  send(res, status === 'failed' ? 502 : 200, {
    status,
    ...request,
    durationMs,
    tiles: status === 'failed' ? tiles.filter((tile) => tile.status === 'ok') : tiles,
    failures,
  });
}

async function renderStage(req, res) {
  const request = normalizeStageRequest(await readJsonBody(req));
  const tile = await stages.renderLocal(request, { rowStart: request.rowStart, rowEnd: request.rowEnd }, request.stage || identity.cloud);
  if (tile.status === 'ok') send(res, 200, { tile });
  else send(res, 500, { error: tile.error, tile });
}

const routes = {
  '/': { GET: (req, res) => send(res, 200, pageFiles['/'].body, pageFiles['/'].type) },
  '/app.js': { GET: (req, res) => send(res, 200, pageFiles['/app.js'].body, pageFiles['/app.js'].type) },
  '/api/meta': { GET: (req, res) => send(res, 200, { ...identity, route: settings.route }) },
  '/api/render': { POST: render },
  '/internal/render-stage': { POST: renderStage },
  '/healthz': { GET: (req, res) => send(res, 200, { status: 'ok' }) },
  '/readyz': {
    GET: (req, res) => (settings.failReady ? send(res, 503, { status: 'not ready', reason: 'FAIL_READY=true' }) : send(res, 200, { status: 'ready' })),
  },
  '/metrics': { GET: (req, res) => send(res, 200, metrics.text(), 'text/plain; version=0.0.4; charset=utf-8') },
};

async function handle(req, res) {
  // The target's path as it is: URL parsing would read `//x/y` as host x and path /y, or fail.
  const pathname = req.url.split('?', 1)[0];
  const methods = routes[pathname];
  if (!methods) throw new HttpError(404, `no such path: ${pathname}`);
  const handler = methods[req.method];
  if (!handler) {
    res.setHeader('allow', Object.keys(methods).join(', '));
    throw new HttpError(405, `${req.method} is not allowed on ${pathname}`);
  }
  await handler(req, res);
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => {
    const status = error instanceof HttpError ? error.status : 500;
    if (status === 500) log({ msg: 'request failed', path: req.url, error: String(error && error.stack) });
    if (!res.headersSent) send(res, status, { error: error.message });
    else res.destroy();
  });
});

server.on('clientError', (error, socket) => {
  if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  else socket.destroy();
});

// Kubernetes stops pods with SIGTERM; node as PID 1 would otherwise ignore it until SIGKILL.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 5000).unref();
  });
}

server.listen(settings.port, () => {
  log({ msg: 'listening', port: server.address().port, ...identity, route: settings.route, stages: Object.keys(settings.stageUrls), errorRate: settings.errorRate });
});
