import { request as httpRequest } from 'node:http';
import type { ClusterSource } from '../../lib/dashboard/cluster-watch.js';
import { type ActionRequest, DashboardServer, type RunAction } from '../../lib/dashboard/dashboard-server.js';
import { FleetMonitor } from '../../lib/dashboard/fleet-monitor.js';
import { NAMESPACE, recordedCluster, ROLLOUT } from './recorded-cluster.js';

/** One cluster whose objects are the release drill's paused release, and never change. */
function pausedFleet(): FleetMonitor {
  const objects = recordedCluster('release-paused');
  const source: ClusterSource = { objects, start: () => {}, stop: async () => {} };
  return new FleetMonitor({
    clusters: [
      {
        name: 'aws',
        cloud: 'aws',
        workloads: [{ name: 'mandelbrot', rollout: { name: ROLLOUT, namespace: NAMESPACE }, application: 'trinity-mandelbrot-aws' }],
        watch: () => source,
      },
    ],
  });
}

interface Reply {
  readonly status: number;
  readonly body: string;
}

/** A request with exactly these headers (fetch would not let a test set Host). */
function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { method, headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('the dashboard server', () => {
  let server: DashboardServer;
  let url: string;
  let host: string;
  const lines: string[] = [];
  const requested: ActionRequest[] = [];
  let finish: (outcome: string) => void = () => {};

  const runAction: RunAction = (action, log) => {
    requested.push(action);
    log('running');
    return new Promise((resolve) => (finish = resolve));
  };

  beforeAll(async () => {
    server = new DashboardServer({ monitor: pausedFleet(), runAction, log: (line) => lines.push(line) });
    url = await server.start();
    host = new URL(url).host;
  });

  afterAll(() => server.stop());

  const action = (headers: Record<string, string>) =>
    send(
      `${url}api/actions`,
      'POST',
      { host, 'content-type': 'application/json', ...headers },
      JSON.stringify({ cluster: 'aws', workload: 'mandelbrot', action: 'promote' }),
    );

  test('serves the page with its per-start token, and the fleet', async () => {
    const page = await send(url, 'GET', { host });
    expect(page.status).toBe(200);
    expect(page.body).toContain(`<meta name="dashboard-token" content="${server.token}">`);
    const fleet = JSON.parse((await send(`${url}api/fleet`, 'GET', { host })).body);
    expect(fleet.map((row: { id: string; waitingForPerson: boolean }) => [row.id, row.waitingForPerson])).toEqual([
      ['aws/mandelbrot', true],
    ]);
  });

  test('fails if the Host is not its own, as for a DNS name rebound to 127.0.0.1', async () => {
    const reply = await send(url, 'GET', { host: 'attacker.example:80' });
    expect(reply.status).toBe(403);
    expect(reply.body).not.toContain(server.token);
  });

  test('fails if the Origin is not its own', async () => {
    expect((await send(`${url}events`, 'GET', { host, origin: 'http://attacker.example' })).status).toBe(403);
    const forged = await action({ origin: 'http://attacker.example', 'x-dashboard-token': server.token });
    expect(forged.status).toBe(403);
    expect(requested).toEqual([]);
  });

  test('fails if an action comes without the token, with a wrong one, or from a page of another site', async () => {
    const origin = `http://${host}`;
    expect((await action({ origin })).status).toBe(403);
    expect((await action({ origin, 'x-dashboard-token': 'guessed' })).status).toBe(403);
    expect((await action({ 'sec-fetch-site': 'cross-site', 'x-dashboard-token': server.token })).status).toBe(403);
    expect(requested).toEqual([]);
    expect(lines.filter((line) => line.includes('refused')).length).toBeGreaterThanOrEqual(3);
  });

  test('runs an action with the token from its own origin, one at a time per row, and logs it with its outcome', async () => {
    const origin = `http://${host}`;
    const accepted = await action({ origin, 'x-dashboard-token': server.token });
    expect(accepted.status).toBe(202);
    expect(requested).toEqual([{ cluster: 'aws', workload: 'mandelbrot', action: 'promote' }]);
    expect((await action({ origin, 'x-dashboard-token': server.token })).status).toBe(409);
    finish('Healthy at step 3/3');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.filter((line) => line.includes('action: promote on aws/mandelbrot'))).toEqual([
      expect.stringMatching(/action: promote on aws\/mandelbrot requested from the page$/),
      expect.stringMatching(/action: promote on aws\/mandelbrot done: Healthy at step 3\/3$/),
    ]);
    expect(lines).toContainEqual(expect.stringMatching(/ {2}running$/));
  });

  test('fails if actions are off: the page offers none and the server refuses them', async () => {
    const readOnly = new DashboardServer({ monitor: pausedFleet(), log: () => {} });
    const readOnlyUrl = await readOnly.start();
    try {
      const readOnlyHost = new URL(readOnlyUrl).host;
      const page = await send(readOnlyUrl, 'GET', { host: readOnlyHost });
      expect(page.body).toContain('<meta name="dashboard-actions" content="off">');
      const reply = await send(
        `${readOnlyUrl}api/actions`,
        'POST',
        { host: readOnlyHost, origin: `http://${readOnlyHost}`, 'content-type': 'application/json', 'x-dashboard-token': readOnly.token },
        JSON.stringify({ cluster: 'aws', workload: 'mandelbrot', action: 'promote' }),
      );
      expect(reply.status).toBe(403);
      expect(JSON.parse(reply.body).message).toMatch(/--allow-actions/);
    } finally {
      await readOnly.stop();
    }
  });
});
