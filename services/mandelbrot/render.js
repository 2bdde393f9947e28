'use strict';
// Mandelbrot rendering and request parameters: pure functions, no I/O.
const os = require('node:os');

/** Bounds every render request is clamped to: a request can never cost more than this. */
const LIMITS = {
  width: { min: 1, max: 1280, default: 480 },
  height: { min: 1, max: 960, default: 300 },
  maxIterations: { min: 1, max: 2000, default: 180 },
  // The complex plane beyond ±4 holds nothing but escaping points.
  coordinate: { min: -4, max: 4 },
  // Below this span, double precision shows blocks instead of detail.
  minSpan: 1e-13,
};

/**
 * The most work one request may ask for, in pixels x maxIterations: about a second of one CPU
 * when no pixel escapes. The page's 480x300 frame at the 2000-iteration maximum (288 M) fits;
 * 1280x960 fits up to 244 iterations. Larger requests are refused, not clamped.
 */
const WORK_BUDGET = 300_000_000;

const DEFAULT_VIEW = { xMin: -2.5, xMax: 1, yMin: -1.09375, yMax: 1.09375 };
const ROUTE_MODES = ['stages', 'local'];
const FAILURE_MODES = ['degraded', 'strict'];

function clampNumber(value, min, max, fallback) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, value));
}

function clampInteger(value, limit) {
  return Math.round(clampNumber(value, limit.min, limit.max, limit.default));
}

/** A window of the complex plane, clamped to the plane's interesting part and a usable span. */
function normalizeView(view) {
  const source = view !== null && typeof view === 'object' ? view : {};
  const { min, max } = LIMITS.coordinate;
  const axis = (low, high, defaultLow, defaultHigh) => {
    let a = clampNumber(source[low], min, max, defaultLow);
    let b = clampNumber(source[high], min, max, defaultHigh);
    if (a > b) [a, b] = [b, a];
    if (b - a < LIMITS.minSpan) {
      const center = (a + b) / 2;
      a = center - LIMITS.minSpan / 2;
      b = center + LIMITS.minSpan / 2;
    }
    return [a, b];
  };
  const [xMin, xMax] = axis('xMin', 'xMax', DEFAULT_VIEW.xMin, DEFAULT_VIEW.xMax);
  const [yMin, yMax] = axis('yMin', 'yMax', DEFAULT_VIEW.yMin, DEFAULT_VIEW.yMax);
  return { xMin, xMax, yMin, yMax };
}

function oneOf(value, allowed) {
  return allowed.includes(value) ? value : allowed[0];
}

/** The frame a client asks for, every field clamped or defaulted: never throws. */
function normalizeFrame(body) {
  return {
    width: clampInteger(body.width, LIMITS.width),
    height: clampInteger(body.height, LIMITS.height),
    maxIterations: clampInteger(body.maxIterations, LIMITS.maxIterations),
    view: normalizeView(body.view),
  };
}

/** `POST /api/render` parameters: the frame, how to route its bands, and what a failed band does. */
function normalizeRenderRequest(body) {
  return {
    ...normalizeFrame(body),
    routeMode: oneOf(body.routeMode, ROUTE_MODES),
    failureMode: oneOf(body.failureMode, FAILURE_MODES),
  };
}

/** `POST /internal/render-stage` parameters: a frame and the rows of it to render. */
function normalizeStageRequest(body) {
  const frame = normalizeFrame(body);
  const rowStart = Math.round(clampNumber(body.rowStart, 0, frame.height - 1, 0));
  const rowEnd = Math.round(clampNumber(body.rowEnd, rowStart + 1, frame.height, frame.height));
  return { ...frame, rowStart, rowEnd, stage: typeof body.stage === 'string' ? body.stage.slice(0, 32) : '' };
}

/** The worst-case cost of rendering `rows` rows of `frame`: pixels x maxIterations. */
function workOf(frame, rows = frame.height) {
  return frame.width * rows * frame.maxIterations;
}

/** Splits `height` rows into `count` horizontal bands, as even as whole rows allow. */
function splitBands(height, count) {
  const bands = [];
  for (let index = 0; index < count; index++) {
    const rowStart = Math.floor((height * index) / count);
    const rowEnd = Math.floor((height * (index + 1)) / count);
    bands.push({ rowStart, rowEnd });
  }
  return bands;
}

/**
 * Escape iterations of rows [rowStart, rowEnd) of the frame, row-major; `maxIterations` means
 * the point did not escape. Row 0 is the top of the view (yMax). Written into `iterations` from
 * `offset` on when given (so a caller can reuse one array), into a new array otherwise.
 */
function renderRows(frame, rowStart, rowEnd, iterations = new Uint16Array(frame.width * (rowEnd - rowStart)), offset = 0) {
  const { width, height, maxIterations, view } = frame;
  const dx = (view.xMax - view.xMin) / width;
  const dy = (view.yMax - view.yMin) / height;
  for (let row = rowStart; row < rowEnd; row++) {
    const cy = view.yMax - (row + 0.5) * dy;
    const cy2 = cy * cy;
    for (let column = 0; column < width; column++) {
      const cx = view.xMin + (column + 0.5) * dx;
      // Points in the main cardioid and the period-2 bulb never escape: skip the loop.
      const q = (cx - 0.25) * (cx - 0.25) + cy2;
      if (q * (q + (cx - 0.25)) <= 0.25 * cy2 || (cx + 1) * (cx + 1) + cy2 <= 0.0625) {
        iterations[offset++] = maxIterations;
        continue;
      }
      let zx = 0;
      let zy = 0;
      let zx2 = 0;
      let zy2 = 0;
      let n = 0;
      while (n < maxIterations && zx2 + zy2 <= 4) {
        zy = 2 * zx * zy + cy;
        zx = zx2 - zy2 + cx;
        zx2 = zx * zx;
        zy2 = zy * zy;
        n++;
      }
      iterations[offset++] = n;
    }
  }
  return iterations;
}

const BASE64_DIGITS = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 'latin1');
const PAD = 0x3d;

/**
 * Iterations as base64 of little-endian 16-bit integers, what a tile carries: the ASCII in a
 * buffer of its own. Encoded straight into that buffer, because a megabyte-sized string per band
 * would be garbage that a worker's heap holds on to until its next full collection.
 */
function encodeIterations(iterations) {
  const view = Buffer.from(iterations.buffer, iterations.byteOffset, iterations.byteLength);
  const bytes = os.endianness() === 'LE' ? view : Buffer.from(view).swap16();
  const out = Buffer.allocUnsafeSlow(Math.ceil(bytes.length / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[o++] = BASE64_DIGITS[n >> 18];
    out[o++] = BASE64_DIGITS[(n >> 12) & 63];
    out[o++] = BASE64_DIGITS[(n >> 6) & 63];
    out[o++] = BASE64_DIGITS[n & 63];
  }
  const left = bytes.length - i;
  if (left > 0) {
    const n = (bytes[i] << 16) | (left === 2 ? bytes[i + 1] << 8 : 0);
    out[o++] = BASE64_DIGITS[n >> 18];
    out[o++] = BASE64_DIGITS[(n >> 12) & 63];
    out[o++] = left === 2 ? BASE64_DIGITS[(n >> 6) & 63] : PAD;
    out[o++] = PAD;
  }
  return out;
}

module.exports = {
  WORK_BUDGET,
  workOf,
  normalizeRenderRequest,
  normalizeStageRequest,
  splitBands,
  renderRows,
  encodeIterations,
};
