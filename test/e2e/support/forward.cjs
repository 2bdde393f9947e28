'use strict';
// Forwards every connection accepted on one address to another, both as "tcp:<host>:<port>" or
// "unix:<path>". The real node reaches the host's API server through a pair of these: a Unix socket
// crosses network namespaces, a TCP port does not. Prints "listening" once it accepts.
const net = require('node:net');
const fs = require('node:fs');

const address = (spec) => {
  const match = /^(tcp):(.+):(\d+)$/.exec(spec) || /^(unix):(.+)$/.exec(spec);
  if (!match) {
    console.error(`forward: expected tcp:<host>:<port> or unix:<path>, got ${spec}`);
    process.exit(2);
  }
  return match[1] === 'tcp' ? { host: match[2], port: Number(match[3]) } : { path: match[2] };
};
const [listen, connect] = process.argv.slice(2).map(address);
if (listen.path && fs.existsSync(listen.path)) fs.rmSync(listen.path);
const server = net.createServer((client) => {
  const upstream = net.connect(connect);
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
});
server.listen(listen, () => console.log('listening'));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
