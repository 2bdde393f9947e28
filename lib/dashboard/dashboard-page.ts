/**
 * The dashboard's one page: HTML, style and a dependency-free script. The script builds every
 * element with textContent, never from HTML strings, so no value from a cluster becomes markup.
 */

/** What the page needs from the server at load time. */
export interface PageSettings {
  /** The per-start token the page sends with each action. */
  readonly token: string;
  readonly actionsAllowed: boolean;
}

export function pageHtml(settings: PageSettings): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="dashboard-token" content="${settings.token}">
<meta name="dashboard-actions" content="${settings.actionsAllowed ? 'on' : 'off'}">
<title>trinity rollouts</title>
<link rel="stylesheet" href="/page.css">
<script src="/page.js" defer></script>
</head>
<body>
<header>
<h1>Rollouts on every cluster</h1>
<p id="connection" role="status" aria-live="polite">connecting…</p>
</header>
<main>
<table id="fleet" aria-describedby="legend">
<caption>One row per cluster and workload; those waiting for a person first.
${settings.actionsAllowed ? 'Actions ask for confirmation.' : 'Actions are off: start with --allow-actions to promote, abort or restart.'}</caption>
<thead><tr>
<th scope="col">Cluster / workload</th><th scope="col">Rollout</th><th scope="col">Weight (desired / applied)</th>
<th scope="col">Pods</th><th scope="col">Releases</th><th scope="col">Analysis</th><th scope="col">Pause</th>
<th scope="col">Argo CD</th>${settings.actionsAllowed ? '<th scope="col">Actions</th>' : ''}
</tr></thead>
<tbody id="rows"></tbody>
</table>
<p id="legend">Applied weight is what the traffic router applies; "—" when the Rollout routes no traffic.</p>
<div id="announcements" role="status" aria-live="polite"></div>
</main>
<dialog id="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-text">
<form method="dialog">
<h2 id="confirm-title">Confirm</h2>
<p id="confirm-text"></p>
<button value="cancel" id="confirm-cancel" autofocus>Cancel</button>
<button value="confirm" id="confirm-ok">Confirm</button>
</form>
</dialog>
</body>
</html>
`;
}

export const PAGE_STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1rem; color: #111; background: #fff; }
h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; padding: .25rem 0; color: #333; }
th, td { border-bottom: 1px solid #ccc; padding: .35rem .5rem; text-align: left; vertical-align: top; }
thead th { background: #f0f0f0; position: sticky; top: 0; }
tr.waiting { background: #fff4d6; }
tr.unreachable { background: #fde2e2; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: .6rem; font-weight: 600; background: #eee; }
.badge.Paused { background: #ffd66b; } .badge.Healthy { background: #b9f0c3; }
.badge.Degraded { background: #f7a8a8; } .badge.Progressing { background: #bcdcff; }
.muted { color: #555; }
ul { margin: 0; padding-left: 1rem; }
button { font: inherit; margin: 0 .2rem .2rem 0; }
button:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 1px; }
#connection.lost { color: #a00; font-weight: 600; }
`;

/** Runs in the browser as it is: plain ES2020, no modules. */
export const PAGE_SCRIPT = `'use strict';
(() => {
  const token = document.querySelector('meta[name="dashboard-token"]').content;
  const actionsAllowed = document.querySelector('meta[name="dashboard-actions"]').content === 'on';
  const tbody = document.getElementById('rows');
  const connection = document.getElementById('connection');
  const announcements = document.getElementById('announcements');
  const dialog = document.getElementById('confirm');
  const shown = new Map();

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined) continue;
      if (key === 'text') node.textContent = value;
      else if (key === 'className') node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function since(iso) {
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return (h ? h + 'h ' : '') + (h || m ? m + 'm ' : '') + s + 's';
  }

  function clock(iso) {
    return new Date(iso).toISOString().slice(11, 19) + ' UTC';
  }

  function list(items) {
    return items.length === 0 ? el('span', { className: 'muted', text: '—' }) : el('ul', {}, ...items.map((item) => el('li', { text: item })));
  }

  function rolloutCell(row) {
    if (row.unreachableSince && !row.rollout) return el('td', {}, el('strong', { text: 'unreachable since ' + clock(row.unreachableSince) }));
    const cell = el('td');
    if (row.unreachableSince) cell.append(el('strong', { text: 'unreachable since ' + clock(row.unreachableSince) }), el('br'));
    if (!row.rollout) { cell.append(el('span', { className: 'muted', text: 'no Rollout' })); return cell; }
    const r = row.rollout;
    cell.append(
      el('span', { className: 'badge ' + r.status, 'data-field': 'status', text: r.status }),
      ' ',
      el('span', { 'data-field': 'step', text: r.step === '-' ? '' : 'step ' + r.step }),
    );
    if (r.message) cell.append(el('div', { className: 'muted', text: r.message }));
    cell.append(el('div', { className: 'muted', text: r.ready + '/' + r.desired + ' ready' + (r.revision ? ', revision ' + r.revision : '') }));
    return cell;
  }

  function weightCell(row) {
    if (!row.rollout) return el('td', { text: '—' });
    const applied = row.rollout.appliedWeight === undefined ? '—' : row.rollout.appliedWeight;
    return el('td', { 'data-field': 'weight', 'aria-label': 'desired weight ' + row.rollout.desiredWeight + ', applied weight ' + (applied === '—' ? 'not routed' : applied) },
      el('span', { text: row.rollout.desiredWeight }), ' / ', el('span', { 'data-field': 'applied-weight', text: applied }));
  }

  function podsCell(row) {
    return el('td', { 'data-field': 'pods' }, list(row.revisions.map((r) => r.role + ' ' + r.hash + ': ' + r.ready + '/' + r.pods + ' ready')));
  }

  function releasesCell(row) {
    const items = [];
    if (row.releases.stable !== undefined) items.push('stable: ' + row.releases.stable);
    if (row.releases.canary !== undefined) items.push('canary: ' + row.releases.canary);
    if (row.releases.git !== undefined) items.push('in Git: ' + row.releases.git);
    return el('td', { 'data-field': 'releases' }, list(items));
  }

  function analysisCell(row) {
    const a = row.analysis;
    if (!a) return el('td', { className: 'muted', text: '—' });
    return el('td', { 'data-field': 'analysis' }, el('div', { text: a.name + ': ' + a.phase }),
      list(a.measurements.map((m) => m.metric + ' ' + m.value + ' (' + m.phase + ')' + (m.threshold ? ', needs ' + m.threshold : ''))),
      a.message ? el('div', { className: 'muted', text: a.message }) : null);
  }

  function pauseCell(row) {
    if (!row.waitingForPerson) return el('td', { className: 'muted', text: '—' });
    const cell = el('td', { 'data-field': 'pause' }, el('strong', { text: 'waiting for a person' }));
    if (row.pausedSince) cell.append(el('br'), el('span', { 'data-since': row.pausedSince, text: 'for ' + since(row.pausedSince) }));
    return cell;
  }

  function applicationCell(row) {
    const app = row.application;
    return el('td', { 'data-field': 'application' }, app ? el('span', { text: app.sync + ', ' + app.health }) : el('span', { className: 'muted', text: 'no Application' }));
  }

  function actionsCell(row) {
    const cell = el('td');
    for (const action of ['promote', 'abort', 'restart']) {
      const button = el('button', { type: 'button', 'data-action': action, 'aria-label': action + ' ' + row.id, text: action });
      if (!row.rollout) button.disabled = true;
      button.addEventListener('click', () => confirmAction(row, action, button));
      cell.append(button);
    }
    return cell;
  }

  function trainNote(row) {
    if (!row.train) return null;
    return el('div', { 'data-field': 'train' },
      el('span', { text: 'release train ' + row.train.position + (row.train.next ? ', next' : '') }),
      row.train.blocker ? el('div', { className: 'muted', 'data-field': 'train-blocker', text: row.train.blocker }) : null);
  }

  function render(row) {
    const tr = el('tr', { id: 'row-' + row.id.replace('/', '-'), 'data-row': row.id,
      className: [row.waitingForPerson ? 'waiting' : '', row.unreachableSince ? 'unreachable' : ''].join(' ').trim() || undefined });
    tr.append(
      el('th', { scope: 'row' }, el('span', { text: row.cluster }), el('span', { className: 'muted', text: ' (' + row.cloud + ') / ' + row.workload }), trainNote(row)),
      rolloutCell(row), weightCell(row), podsCell(row), releasesCell(row), analysisCell(row), pauseCell(row), applicationCell(row),
    );
    if (actionsAllowed) tr.append(actionsCell(row));
    return tr;
  }

  function update(rows) {
    const seen = new Set();
    let previous = null;
    for (const row of rows) {
      seen.add(row.id);
      const json = JSON.stringify(row);
      let entry = shown.get(row.id);
      if (!entry || entry.json !== json) {
        const tr = render(row);
        // Keep focus on a button that is redrawn, so a keyboard user does not lose their place.
        const focused = entry && entry.tr.contains(document.activeElement) ? document.activeElement.getAttribute('data-action') : null;
        if (entry) entry.tr.replaceWith(tr);
        entry = { json, tr };
        shown.set(row.id, entry);
        if (focused) { const again = tr.querySelector('[data-action="' + focused + '"]'); if (again) again.focus(); }
      }
      const expected = previous ? previous.nextSibling : tbody.firstChild;
      if (expected !== entry.tr) tbody.insertBefore(entry.tr, expected);
      previous = entry.tr;
    }
    for (const [id, entry] of shown) if (!seen.has(id)) { entry.tr.remove(); shown.delete(id); }
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
  }

  function confirmAction(row, action, button) {
    document.getElementById('confirm-title').textContent = 'Confirm ' + action;
    document.getElementById('confirm-text').textContent = action + ' the Rollout of ' + row.workload + ' on ' + row.cluster + '?';
    dialog.returnValue = '';
    dialog.onclose = () => {
      button.focus();
      if (dialog.returnValue === 'confirm') send(row, action);
    };
    dialog.showModal();
  }

  async function send(row, action) {
    announce(action + ' on ' + row.id + ': sending');
    try {
      const response = await fetch('/api/actions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-dashboard-token': token },
        body: JSON.stringify({ cluster: row.cluster, workload: row.workload, action }),
      });
      const body = await response.json();
      announce(action + ' on ' + row.id + ': ' + body.message);
    } catch (error) {
      announce(action + ' on ' + row.id + ': the dashboard did not answer');
    }
  }

  function announce(text) {
    announcements.textContent = text;
  }

  setInterval(() => {
    for (const node of document.querySelectorAll('[data-since]')) node.textContent = 'for ' + since(node.getAttribute('data-since'));
  }, 1000);

  const events = new EventSource('/events');
  events.addEventListener('fleet', (event) => {
    connection.textContent = 'live';
    connection.className = '';
    update(JSON.parse(event.data));
  });
  events.addEventListener('action', (event) => announce(JSON.parse(event.data).message));
  events.onerror = () => {
    connection.textContent = 'the dashboard server does not answer; retrying';
    connection.className = 'lost';
  };
})();
`;
