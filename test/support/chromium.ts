import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from './synth-process.js';

/** Where Debian's chromium package installs the browser. */
export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** Flags for any headless run here: no sandbox (tests may run as root), no traffic beyond loopback. */
const COMMON_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A Chromium to launch with playwright-core: its executable and the flags it needs. */
export interface LocatedChromium {
  readonly executablePath: string;
  /** `system` for the installed browser, `package` for the one unpacked from @sparticuz/chromium. */
  readonly source: 'system' | 'package';
  readonly args: readonly string[];
}

export interface LocateChromiumOptions {
  /**
   * The system browser to prefer when it exists.
   * @default SYSTEM_CHROMIUM
   */
  readonly systemPath?: string;
  /**
   * Unpacks the packaged browser and returns its executable and flags.
   * @default unpacks @sparticuz/chromium into node_modules/.cache (a few seconds, once per package version)
   */
  readonly unpack?: () => Promise<{ executablePath: string; args: readonly string[] }>;
}

/** Unpacks @sparticuz/chromium into the process's temporary folder (the caller's own) and prints the browser's path. */
const UNPACK = "import('@sparticuz/chromium').then(({ default: chromium }) => chromium.executablePath()).then((path) => console.log(path))";

/**
 * Unpacks the headless Chromium that @sparticuz/chromium ships, once per package version, into the
 * project's cache: `npm test` gives each run a temporary folder of its own, which would unpack it
 * every run. It needs its own flags (single process, headless shell).
 */
async function unpackPackagedChromium(): Promise<{ executablePath: string; args: readonly string[] }> {
  const { default: chromium } = await import('@sparticuz/chromium');
  const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules', '@sparticuz', 'chromium', 'package.json'), 'utf8'));
  const folder = join(PROJECT_ROOT, 'node_modules', '.cache', 'trinity-delivery', `chromium-${version}`);
  if (!existsSync(join(folder, 'chromium'))) {
    // The package unpacks into the temporary folder. A private one, renamed into place whole, keeps
    // concurrent or interrupted runs from using a half-written browser.
    mkdirSync(dirname(folder), { recursive: true });
    const partial = mkdtempSync(`${folder}.partial-`);
    const unpacked = spawnSync(process.execPath, ['--input-type=module', '--eval', UNPACK], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, TMPDIR: partial },
      encoding: 'utf8',
      timeout: 120_000,
      killSignal: 'SIGKILL',
    });
    try {
      if (unpacked.status !== 0)
        throw new Error(`unpacking @sparticuz/chromium failed: ${unpacked.stderr.trim() || unpacked.error?.message}`);
      renameSync(partial, folder);
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      // Another run may have put its copy in place first.
      if (!existsSync(join(folder, 'chromium'))) throw error;
    }
  }
  return { executablePath: join(folder, 'chromium'), args: chromium.args };
}

/**
 * The system Chromium when it is installed, else the one an npm package ships: `npm ci && npm test`
 * passes on a machine without apt's chromium.
 */
export async function locateChromium(options: LocateChromiumOptions = {}): Promise<LocatedChromium> {
  const systemPath = options.systemPath ?? SYSTEM_CHROMIUM;
  if (existsSync(systemPath)) return { executablePath: systemPath, source: 'system', args: ['--headless', ...COMMON_ARGS] };
  const packaged = await (options.unpack ?? unpackPackagedChromium)();
  return { executablePath: packaged.executablePath, source: 'package', args: [...packaged.args, ...COMMON_ARGS] };
}
