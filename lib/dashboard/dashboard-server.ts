/**
 * The dashboard's HTTP server on 127.0.0.1: the page, a stream of views (server-sent events) and,
 * with actions allowed, promote, abort and restart. A request is refused unless its Host (and
 * Origin, when it has one) is the dashboard's own, so no other site, nor a DNS name rebound to
 * 127.0.0.1, reaches it; an action also needs the token only the page holds.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pageHtml, PAGE_SCRIPT, PAGE_STYLE } from './dashboard-page.js';
import type { FleetMonitor, FleetUpdate } from './fleet-monitor.js';

export const DASHBOARD_ACTIONS = ['promote', 'abort', 'restart'] as const;
export type DashboardAction = (typeof DASHBOARD_ACTIONS)[number];

export interface ActionRequest {
  readonly cluster: string;
  readonly workload: string;
  readonly action: DashboardAction;
}

/** Runs one action to its end; resolves with what to report, or rejects with why it failed. */
export type RunAction = (request: ActionRequest, log: (line: string) => void) => Promise<string>;

export interface DashboardServerProps {
  readonly monitor: FleetMonitor;
  /** Receives a line for every action, its progress and its outcome. */
  readonly log: (line: string) => void;

  /**
   * The port on 127.0.0.1.
   *
   * @default 0: a free port
   */
  readonly port?: number;

  /**
   * Runs actions; without it the dashboard only shows.
   *
   * @default - actions are off
   */
  readonly runAction?: RunAction;

  /**
   * The per-start token actions need.
   *
   * @default - 32 random bytes
   */
  readonly token?: string;
}

const TOKEN_HEADER = 'x-dashboard-token';
const MAX_BODY_BYTES = 4096;
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** A refused or failed request: its status and one line for the page. */
class HttpError extends Error {
  constructor(
    public readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class DashboardServer {
  public readonly token: string;
  private readonly props: DashboardServerProps;
  private readonly server: Server;
  private readonly streams = new Set<ServerResponse>();
  private readonly running = new Set<string>();
  private unsubscribe?: () => void;
  private heartbeat?: NodeJS.Timeout;
  private origin = '';
  private hosts = new Set<string>();

  constructor(props: DashboardServerProps) {
    this.props = props;
    this.token = props.token ?? randomBytes(32).toString('base64url');
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => this.fail(response, error));
    });
  }

  /** Listens on 127.0.0.1 and resolves with the page's URL. */
  public async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.props.port ?? 0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
    this.origin = `http://127.0.0.1:${port}`;
    this.unsubscribe = this.props.monitor.subscribe((update) => this.broadcast('fleet', update.json));
    // A comment now and then keeps proxies and idle timers from closing the stream.
    this.heartbeat = setInterval(() => this.streams.forEach((stream) => stream.write(': keep-alive\n\n')), 15_000);
    return `${this.origin}/`;
  }

  public async stop(): Promise<void> {
    this.unsubscribe?.();
    clearInterval(this.heartbeat);
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.checkHostAndOrigin(request);
    const path = new URL(request.url ?? '/', this.origin).pathname;
    const route = `${request.method} ${path}`;
    switch (route) {
      case 'GET /':
        return this.send(response, 200, 'text/html; charset=utf-8', pageHtml({ token: this.token, actionsAllowed: this.actionsAllowed }));
      case 'GET /page.js':
        return this.send(response, 200, 'text/javascript; charset=utf-8', PAGE_SCRIPT);
      case 'GET /page.css':
        return this.send(response, 200, 'text/css; charset=utf-8', PAGE_STYLE);
      case 'GET /api/fleet':
        return this.send(response, 200, 'application/json', this.props.monitor.current.json);
      case 'GET /events':
        return this.openStream(response, this.props.monitor.current);
      case 'POST /api/actions':
        return this.action(request, response);
      default:
        throw new HttpError(404, `no ${route} here; the page is at /`);
    }
  }

  private get actionsAllowed(): boolean {
    return this.props.runAction !== undefined;
  }

  private checkHostAndOrigin(request: IncomingMessage): void {
    const host = request.headers.host ?? '';
    if (!this.hosts.has(host))
      throw new HttpError(403, `refused: Host "${host}" is not the dashboard's own (${[...this.hosts].join(' or ')})`);
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `http://${host}`)
      throw new HttpError(403, `refused: Origin "${origin}" is not the dashboard's own`);
  }

  private openStream(response: ServerResponse, current: FleetUpdate): void {
    response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream', connection: 'keep-alive' });
    response.write(`event: fleet\ndata: ${current.json}\n\n`);
    this.streams.add(response);
    response.on('close', () => this.streams.delete(response));
  }

  private broadcast(event: string, data: string): void {
    for (const stream of this.streams) stream.write(`event: ${event}\ndata: ${data}\n\n`);
  }

  private async action(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const runAction = this.props.runAction;
    if (runAction === undefined) throw new HttpError(403, 'actions are off: start the dashboard with --allow-actions');
    // Browsers say where a request comes from; a page of another site cannot hide that it is one.
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') throw new HttpError(403, `refused: an action from a ${site} page`);
    if (!this.hasToken(request.headers[TOKEN_HEADER])) throw new HttpError(403, `refused: missing or wrong ${TOKEN_HEADER}`);
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) throw new HttpError(415, 'expected a JSON body');
    const action = parseActionRequest(await readBody(request));
    const row = this.props.monitor.current.rows.find(
      (candidate) => candidate.cluster === action.cluster && candidate.workload === action.workload,
    );
    if (row === undefined) throw new HttpError(404, `no workload ${action.workload} on cluster ${action.cluster}`);
    const key = `${action.cluster}/${action.workload}`;
    if (this.running.has(key)) throw new HttpError(409, `an action on ${key} is still running`);

    this.running.add(key);
    const what = `${action.action} on ${key}`;
    const log = (line: string) => this.props.log(`${new Date().toISOString()} ${line}`);
    log(`action: ${what} requested from the page`);
    this.send(response, 202, 'application/json', JSON.stringify({ message: `${action.action} started` }));
    this.broadcast('action', JSON.stringify({ message: `${what}: started` }));
    try {
      const outcome = await runAction(action, (line) => log(`  ${line}`));
      log(`action: ${what} done: ${outcome}`);
      this.broadcast('action', JSON.stringify({ message: `${what}: done: ${outcome}` }));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`action: ${what} failed: ${message}`);
      this.broadcast('action', JSON.stringify({ message: `${what}: failed: ${message}` }));
    } finally {
      this.running.delete(key);
    }
  }

  private hasToken(sent: string | string[] | undefined): boolean {
    if (typeof sent !== 'string') return false;
    const [a, b] = [Buffer.from(sent), Buffer.from(this.token)];
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private send(response: ServerResponse, status: number, type: string, body: string): void {
    response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
    response.end(body);
  }

  private fail(response: ServerResponse, error: unknown): void {
    if (!(error instanceof HttpError)) {
      this.props.log(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (!response.headersSent) this.send(response, 500, 'application/json', JSON.stringify({ message: 'internal error' }));
      return;
    }
    if (error.status === 403) this.props.log(`${new Date().toISOString()} ${error.message}`);
    if (!response.headersSent) this.send(response, error.status, 'application/json', JSON.stringify({ message: error.message }));
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) {
    body += String(chunk);
    if (body.length > MAX_BODY_BYTES) throw new HttpError(413, `the body is over ${MAX_BODY_BYTES} bytes`);
  }
  return body;
}

function parseActionRequest(text: string): ActionRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
  const { cluster, workload, action } = (body ?? {}) as Record<string, unknown>;
  if (typeof cluster !== 'string' || typeof workload !== 'string' || !DASHBOARD_ACTIONS.includes(action as DashboardAction)) {
    throw new HttpError(400, `expected {"cluster", "workload", "action"} with action one of ${DASHBOARD_ACTIONS.join(', ')}`);
  }
  return { cluster, workload, action: action as DashboardAction };
}
