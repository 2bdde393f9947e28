import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { locateChromium } from './chromium.js';

const notCalled = (): Promise<never> => Promise.reject(new Error('the packaged Chromium was unpacked although the system one exists'));

describe('locateChromium', () => {
  test('prefers the system Chromium when it is installed', async () => {
    const located = await locateChromium({ systemPath: process.execPath, unpack: notCalled });
    expect(located).toMatchObject({ executablePath: process.execPath, source: 'system' });
    expect(located.args).toContain('--headless');
    expect(located.args).toContain('--no-sandbox');
  });

  test('falls back to the packaged Chromium, with its own flags, when the system one is absent', async () => {
    const located = await locateChromium({
      systemPath: join(process.cwd(), 'no-such-folder', 'chromium'),
      unpack: () => Promise.resolve({ executablePath: '/unpacked/chromium', args: ["--headless='shell'", '--single-process'] }),
    });
    expect(located).toMatchObject({ executablePath: '/unpacked/chromium', source: 'package' });
    expect(located.args).toEqual(expect.arrayContaining(["--headless='shell'", '--single-process', '--no-sandbox']));
  });

  test('unpacks the Chromium that @sparticuz/chromium ships into an executable file', async () => {
    const located = await locateChromium({ systemPath: join(process.cwd(), 'no-such-folder', 'chromium') });
    expect(located.source).toBe('package');
    expect(() => accessSync(located.executablePath, constants.X_OK)).not.toThrow();
  });
});
