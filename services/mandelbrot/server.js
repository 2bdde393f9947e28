'use strict';
// The Mandelbrot service. Plain Node.js with no dependencies: its files are mounted from a
// ConfigMap into the stock node image.
const http = require('node:http');
const os = require('node:os');

const meta = () => ({
  cloud: process.env.CLOUD || 'local',
  region: process.env.REGION || 'local',
  release: process.env.MANDELBROT_RELEASE || 'dev',
  pod: os.hostname(),
  route: (process.env.STAGE_ROUTE || '').split(',').filter(Boolean),
});

const server = http.createServer((req, res) => {
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const path = new URL(req.url, 'http://localhost').pathname;
  if (req.method === 'GET' && path === '/api/meta') return send(200, meta());
  if (req.method === 'GET' && path === '/healthz') return send(200, { status: 'ok' });
  if (req.method === 'GET' && path === '/readyz') {
    return process.env.FAIL_READY === 'true' ? send(503, { status: 'not ready' }) : send(200, { status: 'ready' });
  }
  return send(404, { error: 'not found' });
});

server.listen(Number(process.env.PORT || 8080), () => {
  console.log(JSON.stringify({ msg: 'listening', port: server.address().port, ...meta() }));
});
