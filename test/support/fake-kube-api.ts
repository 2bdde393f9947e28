import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

/** An object as the fake API server keeps it. */
export interface FakeObject {
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [field: string]: unknown };
  readonly [field: string]: unknown;
}

/**
 * A stand-in for several clusters' API servers on 127.0.0.1, enough for list and watch: cluster
 * `<name>` is served under `/clusters/<name>`, so each kube context has a server URL of its own.
 * Collections are named by their API path, such as `/api/v1/namespaces/mandelbrot/pods`.
 */
export class FakeKubeApi {
  private readonly server: Server;
  private readonly collections = new Map<string, Map<string, FakeObject>>();
  private readonly watchers = new Map<string, Set<ServerResponse>>();
  private readonly unreachable = new Set<string>();
  private readonly sockets = new Set<Socket>();
  private resourceVersion = 1;
  /** Every change, so a watch from a resourceVersion gets what came after it, as from a real API server. */
  private readonly events: { readonly key: string; readonly version: number; readonly line: string }[] = [];
  /** Every list and watch request, as `<cluster> <path>`. */
  public readonly requests: string[] = [];
  public url = '';

  constructor() {
    this.server = createServer((request, response) => this.handle(request, response));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  public async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  public async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A kubeconfig with one context per cluster, each named after it. */
  public writeKubeconfig(file: string, clusters: readonly string[]): string {
    const lines = ['apiVersion: v1', 'kind: Config', 'clusters:'];
    for (const name of clusters)
      lines.push(`- name: ${name}`, '  cluster:', `    server: ${this.url}/clusters/${name}`, '    insecure-skip-tls-verify: true');
    lines.push('users:', '- name: tester', '  user: {token: fake}', 'contexts:');
    for (const name of clusters) lines.push(`- name: ${name}`, '  context:', `    cluster: ${name}`, '    user: tester');
    lines.push(`current-context: ${clusters[0] ?? ''}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }

  /** Adds or replaces `object` in a cluster's collection and tells its watchers. */
  public put(cluster: string, collection: string, object: FakeObject): void {
    const key = `${cluster} ${collection}`;
    const objects = this.collections.get(key) ?? new Map<string, FakeObject>();
    this.collections.set(key, objects);
    const existed = objects.has(object.metadata.name);
    const stored = { ...object, metadata: { ...object.metadata, resourceVersion: String(++this.resourceVersion) } };
    objects.set(object.metadata.name, stored);
    this.notify(key, existed ? 'MODIFIED' : 'ADDED', stored);
  }

  /** The object as stored now, or `undefined`. */
  public get(cluster: string, collection: string, name: string): FakeObject | undefined {
    return this.collections.get(`${cluster} ${collection}`)?.get(name);
  }

  /** The names in a cluster's collection. */
  public names(cluster: string, collection: string): string[] {
    return [...(this.collections.get(`${cluster} ${collection}`)?.keys() ?? [])];
  }

  public remove(cluster: string, collection: string, name: string): void {
    const key = `${cluster} ${collection}`;
    const object = this.collections.get(key)?.get(name);
    if (object === undefined) return;
    this.collections.get(key)!.delete(name);
    this.notify(key, 'DELETED', object);
  }

  /** Makes a cluster's server drop every connection (and accept none), or answer again. */
  public setUnreachable(cluster: string, unreachable: boolean): void {
    if (!unreachable) {
      this.unreachable.delete(cluster);
      return;
    }
    this.unreachable.add(cluster);
    for (const [key, watchers] of this.watchers) {
      if (!key.startsWith(`${cluster} `)) continue;
      for (const watcher of watchers) watcher.socket?.destroy();
      watchers.clear();
    }
  }

  private notify(key: string, type: string, object: FakeObject): void {
    const line = `${JSON.stringify({ type, object })}\n`;
    this.events.push({ key, version: this.resourceVersion, line });
    for (const watcher of this.watchers.get(key) ?? []) watcher.write(line);
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', this.url);
    const match = /^\/clusters\/([^/]+)(\/.*)$/.exec(url.pathname);
    if (!match) {
      response.writeHead(404).end();
      return;
    }
    const [, cluster, collection] = match as unknown as [string, string, string];
    if (this.unreachable.has(cluster)) {
      request.socket.destroy();
      return;
    }
    const key = `${cluster} ${collection}`;
    this.requests.push(key);
    if (url.searchParams.get('watch') === 'true') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.flushHeaders();
      const from = Number(url.searchParams.get('resourceVersion') ?? 0);
      for (const event of this.events) if (event.key === key && event.version > from) response.write(event.line);
      const watchers = this.watchers.get(key) ?? new Set<ServerResponse>();
      this.watchers.set(key, watchers);
      watchers.add(response);
      response.on('close', () => watchers.delete(response));
      return;
    }
    const items = [...(this.collections.get(key)?.values() ?? [])];
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: String(this.resourceVersion) }, items }));
  }
}
