'use strict';
// The page: renders frame after frame through POST /api/render while running, zooming into a
// sequence of points of interest, with a short idle pause between frames.
(() => {
  const WIDTH = 480;
  const HEIGHT = 300;
  const IDLE_DELAY_MS = 120;
  const RETRY_DELAY_MS = 1000;
  const FRAMES_PER_DIVE = 48;
  const ZOOM_PER_FRAME = 0.88;
  const START = { x: -0.75, y: 0, span: 3.5 };
  const TARGETS = [
    { x: -0.743643887037151, y: 0.13182590420533 },
    { x: -1.2535, y: 0.3843 },
    { x: 0.2815, y: 0.0108 },
    { x: -0.1011, y: 0.9563 },
  ];

  /** @type {(id: string) => any} */
  const $ = (id) => document.getElementById(id);
  const canvas = $('canvas');
  const context = canvas.getContext('2d');
  const toggle = $('toggle');
  const frameStatus = $('frame-status');
  let running = false;
  let looping;
  let frame = 0;

  // A cyclic cosine palette: neighbouring iteration counts get neighbouring colours.
  const palette = Array.from({ length: 256 }, (_, i) => {
    const t = i / 256;
    const channel = (phase) => Math.round(255 * (0.5 + 0.5 * Math.cos(2 * Math.PI * (t + phase))));
    return [channel(0.55), channel(0.65), channel(0.8)];
  });

  /** The view of frame `n`: each dive zooms from the whole set towards one target. */
  function viewOf(n) {
    const target = TARGETS[Math.floor(n / FRAMES_PER_DIVE) % TARGETS.length];
    const progress = ZOOM_PER_FRAME ** (n % FRAMES_PER_DIVE);
    const span = START.span * progress;
    const x = target.x + (START.x - target.x) * progress;
    const y = target.y + (START.y - target.y) * progress;
    const halfHeight = (span * HEIGHT) / WIDTH / 2;
    return { xMin: x - span / 2, xMax: x + span / 2, yMin: y - halfHeight, yMax: y + halfHeight };
  }

  /** Deeper views need more iterations to show their edges. */
  const iterationsFor = (view) => Math.min(2000, Math.round(120 + 40 * Math.log2(START.span / (view.xMax - view.xMin))));

  function drawTile(tile, maxIterations) {
    const rows = tile.rowEnd - tile.rowStart;
    if (rows <= 0) return;
    if (tile.status !== 'ok') {
      context.fillStyle = '#2a1216';
      context.fillRect(0, tile.rowStart, WIDTH, rows);
      context.fillStyle = '#ff6b6b';
      context.font = '11px system-ui, sans-serif';
      context.fillText(`${tile.stage}: ${tile.error || 'failed'}`.slice(0, 70), 10, tile.rowStart + Math.min(rows - 4, 20));
      return;
    }
    const bytes = Uint8Array.from(atob(tile.iterations), (c) => c.charCodeAt(0));
    const image = context.createImageData(WIDTH, rows);
    for (let i = 0; i < WIDTH * rows; i++) {
      const n = bytes[2 * i] | (bytes[2 * i + 1] << 8);
      const [r, g, b] = n >= maxIterations ? [0, 0, 0] : palette[(n * 5) & 255];
      image.data.set([r, g, b, 255], i * 4);
    }
    context.putImageData(image, 0, tile.rowStart);
    // Label each band with where it was rendered: the route is visible in the picture.
    const label = `${tile.stage} band · by ${(tile.renderedBy || {}).cloud || '?'}`;
    context.font = '10px system-ui, sans-serif';
    context.fillStyle = 'rgba(13, 17, 23, 0.65)';
    context.fillRect(3, tile.rowStart + 3, context.measureText(label).width + 8, 14);
    context.fillStyle = '#e8ecf1';
    context.fillText(label, 7, tile.rowStart + 13);
  }

  function showBands(tiles, failures) {
    const rows = tiles.map((tile) => ({ ...tile }));
    for (const failure of failures) if (!rows.some((tile) => tile.stage === failure.stage)) rows.push({ ...failure, status: 'failed' });
    $('bands').replaceChildren(
      ...rows.map((tile, index) => {
        const tr = document.createElement('tr');
        const by = tile.renderedBy ? `${tile.renderedBy.cloud} / ${tile.renderedBy.pod}` : '-';
        const rowsText = tile.rowEnd !== undefined ? `${tile.rowStart}–${tile.rowEnd - 1}` : String(index);
        for (const text of [rowsText, tile.stage, by, tile.status === 'ok' ? 'ok' : `failed: ${tile.error}`, tile.durationMs !== undefined ? `${Math.round(tile.durationMs)} ms` : '-']) {
          const td = document.createElement('td');
          td.textContent = text;
          tr.append(td);
        }
        /** @type {HTMLElement} */ (tr.lastChild.previousSibling).className = tile.status === 'ok' ? 'ok' : 'failed';
        return tr;
      }),
    );
  }

  function setStatus(text, className) {
    frameStatus.textContent = text;
    frameStatus.className = className;
  }

  async function renderFrame() {
    const view = viewOf(frame);
    const maxIterations = iterationsFor(view);
    const started = performance.now();
    const response = await fetch('api/render', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ width: WIDTH, height: HEIGHT, maxIterations, view, routeMode: $('route-mode').value, failureMode: $('failure-mode').value }),
    });
    const result = await response.json();
    const duration = Math.round(performance.now() - started);
    if (!result.tiles) throw new Error(result.error || `HTTP ${response.status}`);
    for (const tile of result.tiles) drawTile(tile, result.maxIterations);
    showBands(result.tiles, result.failures || []);
    frame++;
    canvas.dataset.frames = String(frame);
    setStatus(`frame ${frame} · ${result.status} · ${duration} ms`, result.status);
  }

  async function loop() {
    while (running) {
      let delay = IDLE_DELAY_MS;
      try {
        await renderFrame();
      } catch (error) {
        setStatus(`error · ${error.message}`, 'error');
        delay = RETRY_DELAY_MS;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    setStatus(`stopped after frame ${frame}`, 'idle');
  }

  toggle.addEventListener('click', () => {
    running = !running;
    toggle.textContent = running ? 'Stop' : 'Start';
    toggle.classList.toggle('running', running);
    // Stop then Start within one frame keeps the loop that is still running.
    if (running && !looping) looping = loop().finally(() => (looping = undefined));
  });

  fetch('api/meta')
    .then((response) => response.json())
    .then((meta) => {
      for (const key of ['cloud', 'region', 'release', 'pod']) $(key).textContent = meta[key];
      $('route').textContent = meta.route.length > 0 ? meta.route.join(' → ') : '(local)';
    })
    .catch((error) => setStatus(`meta unavailable · ${error.message}`, 'error'));
})();
