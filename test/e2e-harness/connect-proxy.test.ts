import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PROXY = join(process.cwd(), 'test', 'e2e', 'support', 'connect-proxy.cjs');

let dir: string;
let socket: string;
let proxy: ChildProcess;
let upstream: Server;
let upstreamPort: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'connect-proxy-'));
  socket = join(dir, 'egress.sock');
  upstream = createServer((request, response) => response.end(`answered ${request.url}`));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamPort = (upstream.address() as { port: number }).port;
  proxy = spawn(process.execPath, [PROXY, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    proxy.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
    proxy.once('exit', (code) => reject(new Error(`connect-proxy exited ${code}`)));
  });
});

afterAll(async () => {
  if (proxy.exitCode === null) {
    const exited = new Promise((resolve) => proxy.once('exit', resolve));
    process.kill(proxy.pid!, 'SIGTERM');
    await exited;
  }
  await new Promise((resolve) => upstream.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `text` to the proxy's socket and resolves with everything it answers until it closes. */
function exchange(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = connect(socket, () => client.write(text));
    let answer = '';
    client.on('data', (chunk) => (answer += chunk.toString()));
    client.on('close', () => resolve(answer));
    client.on('error', reject);
    client.setTimeout(5_000, () => client.destroy(new Error('timed out')));
  });
}

describe('connect-proxy.cjs, the API server egress into the real node', () => {
  test('tunnels a CONNECT to the address it names, with the bytes sent behind the request head', async () => {
    const answer = await exchange(
      `CONNECT 127.0.0.1:${upstreamPort} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /api/meta HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 Connection established\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    expect(answer).toMatch(/answered \/api\/meta$/);
  });

  test('fails if the request is not a CONNECT: 405, nothing dialled', async () => {
    expect(await exchange('GET / HTTP/1.1\r\nHost: x\r\n\r\n')).toBe('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
  });

  test('fails if the address does not answer: 502', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await exchange(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)).toBe('HTTP/1.1 502 Bad Gateway\r\n\r\n');
  });
});
