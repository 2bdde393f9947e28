'use strict';
// Sends a bounded number of requests to one URL, one at a time, each on a new connection (so
// kube-proxy picks a pod for each), and prints one JSON line: how many answers carried each value
// of the answer's JSON `field` (or, without a field, each HTTP status), and how many failed, by
// cause, and when (epoch milliseconds) the last answer with each value came. It runs inside the real node's network namespace, where Service addresses exist.
// One argument, JSON: { url, count, deadlineMs, field?, body? (POSTed as JSON), intervalMs?,
// stopFile? (it stops, and prints, once that file exists) }.
const { existsSync } = require('node:fs');
const http = require('node:http');

const { url, count, deadlineMs, field, body, intervalMs = 0, stopFile } = JSON.parse(process.argv[2]);
const deadline = Date.now() + deadlineMs;
const answers = {};
const failures = {};
const lastAt = {};
const add = (counts, key) => (counts[key] = (counts[key] || 0) + 1);
const answer = (key) => {
  add(answers, key);
  lastAt[key] = Date.now();
};

function once() {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const options = {
      agent: false,
      timeout: 5000,
      method: payload ? 'POST' : 'GET',
      headers: payload ? { 'content-type': 'application/json' } : {},
    };
    const request = http.request(url, options, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => {
        if (field === undefined) answer(String(response.statusCode));
        else {
          let value;
          try {
            value = response.statusCode === 200 ? JSON.parse(text)[field] : undefined;
          } catch {
            value = undefined;
          }
          if (value === undefined) add(failures, `HTTP ${response.statusCode}`);
          else answer(String(value));
        }
        resolve();
      });
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (error) => {
      add(failures, error.message);
      resolve();
    });
    request.end(payload);
  });
}

let stopped = false;
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => (stopped = true));

(async () => {
  let sent = 0;
  while (!stopped && !(stopFile && existsSync(stopFile)) && sent < count && Date.now() < deadline) {
    sent++;
    await once();
    if (intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  console.log(JSON.stringify({ sent, answers, failures, lastAt }));
})();
