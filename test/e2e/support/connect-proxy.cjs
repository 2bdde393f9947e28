'use strict';
// An HTTP CONNECT proxy on a Unix socket: the API server's egress to the cluster (pods, Services,
// the kubelet), whose addresses exist only inside the real node's network namespace, where this
// runs. One argument: the socket's path. Prints "listening" once it accepts.
const net = require('node:net');
const fs = require('node:fs');

const [socket] = process.argv.slice(2);
if (!socket) {
  console.error('connect-proxy: expected the path of the Unix socket to listen on');
  process.exit(2);
}
/** The request head is one line and a Host header; anything longer is not the API server's. */
const MAX_HEAD_BYTES = 8192;

if (fs.existsSync(socket)) fs.rmSync(socket);
const server = net.createServer((client) => {
  let head = Buffer.alloc(0);
  const refuse = (status) => client.end(`HTTP/1.1 ${status}\r\n\r\n`);
  const onData = (chunk) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (head.length > MAX_HEAD_BYTES) refuse('431 Request Header Fields Too Large');
      return;
    }
    client.off('data', onData);
    client.pause();
    const match = /^CONNECT (\S+):(\d+) HTTP\/1\.[01]\r\n/.exec(head.subarray(0, end + 2).toString('latin1'));
    if (!match) return refuse('405 Method Not Allowed');
    const rest = head.subarray(end + 4);
    const upstream = net.connect({ host: match[1].replace(/^\[|\]$/g, ''), port: Number(match[2]) });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      client.write('HTTP/1.1 200 Connection established\r\n\r\n');
      if (rest.length > 0) upstream.write(rest);
      client.pipe(upstream).pipe(client);
      client.resume();
    });
    upstream.once('error', () => (connected ? close() : refuse('502 Bad Gateway')));
    client.on('error', close);
    client.on('close', close);
    upstream.on('close', () => client.end());
  };
  client.on('data', onData);
  client.on('error', () => client.destroy());
});
server.listen(socket, () => console.log('listening'));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
