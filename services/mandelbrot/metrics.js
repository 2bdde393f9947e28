'use strict';
// The service's Prometheus metrics, in the text exposition format. Canary analysis queries these.

/** Stage durations the summary's quantiles are computed over: the most recent ones. */
const SUMMARY_WINDOW = 512;
const QUANTILES = [0.5, 0.9, 0.99];

function escapeLabel(value) {
  return String(value).replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels) {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${escapeLabel(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * Counters and a summary, labelled with this instance's cloud and region, so that one query
 * across clusters can compare them.
 */
function createMetrics({ cloud, region }) {
  const base = { cloud, region };
  const renderRequests = new Map();
  const stageRenders = new Map();
  const refusals = new Map();
  const dropped = new Map();
  const durations = [];
  let durationSum = 0;
  let durationCount = 0;

  const increment = (counter, status) => counter.set(status, (counter.get(status) || 0) + 1);

  const counterLines = (name, help, counter, label = 'status') => [
    `# HELP ${name} ${help}`,
    `# TYPE ${name} counter`,
    ...[...counter.keys()].sort().map((key) => `${name}${labelText({ ...base, [label]: key })} ${counter.get(key)}`),
  ];

  return {
    /**
     * One `/api/render` request ended: `ok`, `degraded`, `failed`, `invalid`, `refused`
     * (admission control said no) or `cancelled` (its client left first).
     */
    countRenderRequest(status) {
      increment(renderRequests, status);
    },
    /**
     * This instance rendered a band (`ok`), failed to (`error`), or stopped it because its client
     * left (`cancelled`) or its deadline passed (`timeout`); `seconds` only for the first two.
     */
    observeStageRender(status, seconds) {
      increment(stageRenders, status);
      if (seconds === undefined) return;
      durations.push(seconds);
      if (durations.length > SUMMARY_WINDOW) durations.shift();
      durationSum += seconds;
      durationCount++;
    },
    /** Admission control turned a render away, for `reason`. */
    countRefusal(reason) {
      increment(refusals, reason);
    },
    /** The service closed a connection it gave up on, for `reason`. */
    countDroppedConnection(reason) {
      increment(dropped, reason);
    },
    /** The exposition; `gauges` are current values: [name, help, value]. */
    text(gauges = []) {
      const sorted = [...durations].sort((a, b) => a - b);
      const summary = 'mandelbrot_stage_duration_seconds';
      return [
        ...counterLines('mandelbrot_render_requests_total', 'Render requests answered, by outcome.', renderRequests),
        ...counterLines('mandelbrot_stage_renders_total', 'Bands this instance rendered, by outcome.', stageRenders),
        ...counterLines('mandelbrot_refusals_total', 'Renders admission control turned away, by reason.', refusals, 'reason'),
        ...counterLines('mandelbrot_dropped_connections_total', 'Connections the service closed on a slow or silent client, by reason.', dropped, 'reason'),
        ...gauges.flatMap(([name, help, value]) => [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name}${labelText(base)} ${value}`]),
        `# HELP ${summary} Time this instance took per band, over the last ${SUMMARY_WINDOW} bands.`,
        `# TYPE ${summary} summary`,
        ...QUANTILES.map((q) => `${summary}${labelText({ ...base, quantile: q })} ${quantile(sorted, q)}`),
        `${summary}_sum${labelText(base)} ${durationSum}`,
        `${summary}_count${labelText(base)} ${durationCount}`,
        '',
      ].join('\n');
    },
  };
}

module.exports = { createMetrics };
