import { existsSync } from 'node:fs';

/** Where Debian's chromium package installs the browser. */
export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** Flags for any headless run here: no sandbox (tests may run as root), no traffic beyond loopback. */
const COMMON_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

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
   * @default unpacks @sparticuz/chromium into the temporary folder (about 2 s the first time)
   */
  readonly unpack?: () => Promise<{ executablePath: string; args: readonly string[] }>;
}

/** Unpacks the headless Chromium that @sparticuz/chromium ships; it needs its own flags (single process, headless shell). */
async function unpackPackagedChromium(): Promise<{ executablePath: string; args: readonly string[] }> {
  const { default: chromium } = await import('@sparticuz/chromium');
  return { executablePath: await chromium.executablePath(), args: chromium.args };
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
