import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { makeTempDir } from '../support/synth-process.js';
import { postJson, type RunningService, startLocalService } from './service-process.js';

const FRAME = { width: 12, height: 9, maxIterations: 50, failureMode: 'degraded' };

/** An HTTP server on loopback that answers every request with `reply`, counting them. */
async function fakeServer(reply: (res: ServerResponse) => void): Promise<{ url: string; hits: () => number; server: Server }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    req.resume();
    reply(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, hits: () => hits, server };
}

/** A folder standing in for the mounted stage-URL ConfigMap. */
function stageUrlsDir(root: string, urls: Record<string, string>): string {
  const folder = join(root, `stage-urls-${Object.keys(urls).join('-')}-${Math.random().toString(16).slice(2)}`);
  mkdirSync(folder);
  for (const [cloud, url] of Object.entries(urls)) writeFileSync(join(folder, cloud), url);
  return folder;
}

describe('7. what a failed stage tells the public caller', () => {
  const temp = makeTempDir('stage-errors');
  const servers: Server[] = [];
  let aws: RunningService;
  let redirectTarget: Awaited<ReturnType<typeof fakeServer>>;

  beforeAll(async () => {
    const failing = await fakeServer((res) => res.writeHead(500).end('database password is hunter2 at http://10.0.0.7'));
    redirectTarget = await fakeServer((res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"tile":{}}'));
    const redirecting = await fakeServer((res) => res.writeHead(307, { location: `${redirectTarget.url}/internal/render-stage` }).end());
    servers.push(failing.server, redirectTarget.server, redirecting.server);
    const stageUrls = stageUrlsDir(temp.path, { gcp: failing.url, azure: redirecting.url });
    aws = await startLocalService({
      CLOUD: 'aws',
      REGION: 'us-east-1',
      STAGE_ROUTE: 'aws,gcp,azure',
      STAGE_URLS_DIR: stageUrls,
      RENDER_WORKERS: '1',
    });
  });
  afterAll(async () => {
    await aws?.stop();
    for (const server of servers) server.close();
    temp.cleanup();
  });

  test('the stage and a short reason; the URL and the remote text go to the log only; redirects are not followed', async () => {
    const { status, body } = await postJson(`${aws.url}/api/render`, FRAME);
    expect(status).toBe(200);
    expect(body.failures).toEqual([
      { stage: 'gcp', error: 'HTTP 500' },
      { stage: 'azure', error: 'HTTP 307' },
    ]);
    const text = JSON.stringify(body);
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toContain('hunter2');
    expect(redirectTarget.hits()).toBe(0);

    expect(aws.output()).toMatch(
      /"msg":"stage failed","stage":"gcp","url":"http:\/\/127\.0\.0\.1:\d+\/internal\/render-stage","reason":"HTTP 500","detail":"database password is hunter2/,
    );
    expect(aws.output()).toMatch(/"msg":"stage failed","stage":"azure","url":"[^"]+","reason":"HTTP 307"/);
  });
});

describe('a stage that answers without end', () => {
  /** What each endless stage may send at most: the test stays bounded whatever the service does. */
  const LIMIT = 64 * 1024 * 1024;
  const temp = makeTempDir('stage-endless');
  const servers: Server[] = [];
  let aws: RunningService;
  const sent = { gcp: 0, azure: 0 };

  /** Writes 64 KiB after 64 KiB, as fast as the client reads, until it goes away or LIMIT is sent. */
  const endless = (stage: keyof typeof sent, status: number) => (res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const write = () => {
      while (sent[stage] < LIMIT && !res.destroyed) {
        sent[stage] += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', write);
      }
      res.end();
    };
    write();
  };

  beforeAll(async () => {
    const gcp = await fakeServer(endless('gcp', 200));
    const azure = await fakeServer(endless('azure', 500));
    servers.push(gcp.server, azure.server);
    aws = await startLocalService({
      CLOUD: 'aws',
      REGION: 'us-east-1',
      STAGE_ROUTE: 'aws,gcp,azure',
      STAGE_URLS_DIR: stageUrlsDir(temp.path, { gcp: gcp.url, azure: azure.url }),
      RENDER_WORKERS: '1',
    });
  });
  afterAll(async () => {
    await aws?.stop();
    for (const server of servers) server.closeAllConnections();
    for (const server of servers) server.close();
    temp.cleanup();
  });

  test('is read only up to the size of its band, and its error text up to 300 bytes', async () => {
    const { status, body } = await postJson(`${aws.url}/api/render`, FRAME);
    expect(status).toBe(200);
    expect(body.failures).toEqual([
      { stage: 'gcp', error: 'reply too large' },
      { stage: 'azure', error: 'HTTP 500' },
    ]);
    expect(aws.output()).toMatch(
      /"msg":"stage failed","stage":"gcp","url":"[^"]+","reason":"reply too large","detail":"more than \d+ bytes"/,
    );
    expect(aws.output()).toContain(`"reason":"HTTP 500","detail":"${'x'.repeat(300)}"}`);
    // The service went away: each stage sent what the sockets' buffers held, not all it could.
    expect(Math.max(sent.gcp, sent.azure)).toBeLessThan(LIMIT / 4);
  });
});

describe('STAGE_TOKEN', () => {
  const temp = makeTempDir('stage-token');
  const started: RunningService[] = [];
  const start = async (env: Record<string, string>) => {
    const service = await startLocalService({ STAGE_ROUTE: 'aws,gcp', RENDER_WORKERS: '1', ...env });
    started.push(service);
    return service;
  };
  afterAll(async () => {
    await Promise.all(started.map((service) => service.stop()));
    temp.cleanup();
  });

  test('when set, render-stage wants it as a bearer token, and routed renders send it', async () => {
    const gcp = await start({ CLOUD: 'gcp', REGION: 'us-central1', STAGE_TOKEN: 'shared-secret' });
    const band = { ...FRAME, rowStart: 0, rowEnd: 3 };
    const post = (authorization?: string) =>
      fetch(`${gcp.url}/internal/render-stage`, {
        method: 'POST',
        headers: authorization ? { authorization } : {},
        body: JSON.stringify(band),
      });
    for (const wrong of [undefined, 'Bearer nope', 'shared-secret']) {
      const response = await post(wrong);
      expect([wrong, response.status, response.headers.get('www-authenticate')]).toEqual([wrong, 401, 'Bearer']);
    }
    expect((await post('Bearer shared-secret')).status).toBe(200);

    const stageUrls = stageUrlsDir(temp.path, { gcp: gcp.url });
    const withToken = await start({ CLOUD: 'aws', STAGE_URLS_DIR: stageUrls, STAGE_TOKEN: 'shared-secret' });
    const routed = await postJson(`${withToken.url}/api/render`, FRAME);
    expect(routed.body.tiles.map((tile: any) => [tile.stage, tile.status, tile.renderedBy?.cloud])).toEqual([
      ['aws', 'ok', 'aws'],
      ['gcp', 'ok', 'gcp'],
    ]);

    const withoutToken = await start({ CLOUD: 'aws', STAGE_URLS_DIR: stageUrls });
    expect((await postJson(`${withoutToken.url}/api/render`, FRAME)).body.failures).toEqual([{ stage: 'gcp', error: 'HTTP 401' }]);
  });

  test('when unset, render-stage is open, as docs/service.md says', async () => {
    const open = await start({ CLOUD: 'gcp' });
    const response = await fetch(`${open.url}/internal/render-stage`, {
      method: 'POST',
      body: JSON.stringify({ ...FRAME, rowStart: 0, rowEnd: 3 }),
    });
    expect(response.status).toBe(200);
    expect(open.output()).toContain('"stageToken":"off"');
  });
});
