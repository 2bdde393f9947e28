import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, join, normalize } from 'node:path';
import { parseDocument } from 'yaml';

export interface GitOpsSourcesOptions {
  /** Where the certificate and the chart repository go. */
  readonly dir: string;
  /** The work tree of the Git repository to serve, read through `git http-backend`. */
  readonly gitWorkTree: string;
  /** The charts' source folders; `helm package` turns each into an archive of the repository. */
  readonly chartDirs: readonly string[];
  readonly helm: string;
}

/** What Argo CD pulls, served over HTTPS on 127.0.0.1: the project's Git repository and a Helm chart repository. */
export interface GitOpsSources {
  /** `https://127.0.0.1:<port>/trinity.git`. */
  readonly gitURL: string;
  /** `https://127.0.0.1:<port>/charts`: its index.yaml lists the packaged charts. */
  readonly chartRepoURL: string;
  /** The server's self-signed certificate, PEM: clients trust it as their CA. */
  readonly certificate: string;
  /** One line per request answered, `GET /charts/index.yaml 200`, in order. */
  readonly requests: readonly string[];
  /** Stops listening, and stops any `git http-backend` still answering, by PID. */
  close(): Promise<void>;
}

const GIT_PATH = '/trinity.git';
const CHART_PATH = '/charts';

/**
 * Serves the Git repository through `git http-backend` (Git's smart HTTP protocol, which both
 * the git CLI and go-git speak) and a chart repository made with `helm package` and
 * `helm repo index`, from one HTTPS server on 127.0.0.1 with a per-run self-signed certificate:
 * the project accepts only https URLs for both.
 */
export async function startGitOpsSources(options: GitOpsSourcesOptions): Promise<GitOpsSources> {
  mkdirSync(options.dir, { recursive: true });
  const tls = selfSignedCertificate(options.dir);
  const charts = join(options.dir, 'charts');
  mkdirSync(charts, { recursive: true });
  const helmEnv = {
    ...process.env,
    HELM_CACHE_HOME: join(options.dir, 'helm', 'cache'),
    HELM_CONFIG_HOME: join(options.dir, 'helm', 'config'),
    HELM_DATA_HOME: join(options.dir, 'helm', 'data'),
  };
  execFileSync(options.helm, ['package', ...options.chartDirs, '--destination', charts], { env: helmEnv, stdio: 'pipe' });

  const requests: string[] = [];
  const backends = new Set<ChildProcess>();
  const gitDir = join(options.gitWorkTree, '.git');
  const server: Server = createServer({ key: tls.key, cert: tls.certificate }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://127.0.0.1').pathname;
    res.on('finish', () => requests.push(`${req.method} ${path} ${res.statusCode}`));
    if (path.startsWith(`${GIT_PATH}/`)) return serveGit(req, res, gitDir, path.slice(GIT_PATH.length), backends);
    if (path.startsWith(`${CHART_PATH}/`) && req.method === 'GET') return serveFile(res, charts, path.slice(CHART_PATH.length + 1));
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  const base = `https://127.0.0.1:${port}`;
  execFileSync(options.helm, ['repo', 'index', charts, '--url', `${base}${CHART_PATH}`], { env: helmEnv, stdio: 'pipe' });
  return {
    gitURL: `${base}${GIT_PATH}`,
    chartRepoURL: `${base}${CHART_PATH}`,
    certificate: tls.certificate,
    requests,
    close: async () => {
      for (const backend of backends) backend.kill('SIGKILL');
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A key and a certificate for IP 127.0.0.1, valid for a day, made by openssl. */
function selfSignedCertificate(dir: string): { key: string; certificate: string } {
  const [keyFile, certFile] = [join(dir, 'tls.key'), join(dir, 'tls.crt')];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'pipe' },
  );
  return { key: readFileSync(keyFile, 'utf8'), certificate: readFileSync(certFile, 'utf8') };
}

function serveFile(res: ServerResponse, dir: string, name: string): void {
  if (name !== basename(normalize(name))) {
    res.writeHead(404).end();
    return;
  }
  try {
    const body = readFileSync(join(dir, name));
    res
      .writeHead(200, { 'content-type': name.endsWith('.yaml') ? 'application/yaml' : 'application/gzip', 'content-length': body.length })
      .end(body);
  } catch {
    res.writeHead(404).end();
  }
}

/** Runs `git http-backend` as a CGI program for one request. */
function serveGit(req: IncomingMessage, res: ServerResponse, gitDir: string, pathInfo: string, backends: Set<ChildProcess>): void {
  const url = new URL(req.url ?? '/', 'https://127.0.0.1');
  const header = (name: string) => String(req.headers[name] ?? '');
  const backend = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: gitDir,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: pathInfo,
      REQUEST_METHOD: req.method ?? 'GET',
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: header('content-type'),
      HTTP_CONTENT_ENCODING: header('content-encoding'),
      HTTP_GIT_PROTOCOL: header('git-protocol'),
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  backends.add(backend);
  backend.once('exit', () => backends.delete(backend));
  req.pipe(backend.stdin);
  backend.stdin.on('error', () => {});
  let head = Buffer.alloc(0);
  let headersSent = false;
  backend.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const [name, value] = [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    headersSent = true;
    res.write(head.subarray(end + 4));
  });
  backend.stdout.on('end', () => {
    if (!headersSent) res.writeHead(502);
    res.end();
  });
}

/** The test copy of platform.yaml: Argo CD pulls the repository and the charts (Argo Rollouts', Traefik's) from 127.0.0.1. */
export function pointPlatformAt(root: string, served: GitOpsSources): void {
  const file = join(root, 'platform.yaml');
  const document = parseDocument(readFileSync(file, 'utf8'));
  document.setIn(['repository', 'repoURL'], served.gitURL);
  document.setIn(['rolloutsChart', 'repoURL'], served.chartRepoURL);
  document.setIn(['traefikChart', 'repoURL'], served.chartRepoURL);
  writeFileSync(file, document.toString());
}
