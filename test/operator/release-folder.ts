import { cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { sharedFixtureProject } from '../support/fixture-project.js';
import { makeTempDir, PROJECT_ROOT } from '../support/synth-process.js';

const FIXTURE = await sharedFixtureProject();

/** What `npm run release` reads and writes: the settings, the overlays, dist/ and the service synth packs. */
const RELEASE_INPUTS = ['platform.yaml', 'overlays', 'dist', join('services', 'mandelbrot')];

/**
 * A folder to cut releases in: a copy of the fixture project's inputs and outputs, and a link to the project's `scripts/`. Node runs a linked script from where it really
 * is, so `node scripts/run.cjs main.ts` there is the project's synth, with its bundle cache,
 * reading and writing this folder.
 */
export class ReleaseFolder {
  public static create(): ReleaseFolder {
    const folder = makeTempDir('release');
    for (const input of RELEASE_INPUTS) cpSync(join(FIXTURE.root, input), join(folder.path, input), { recursive: true, dereference: true });
    symlinkSync(join(PROJECT_ROOT, 'scripts'), join(folder.path, 'scripts'));
    return new ReleaseFolder(folder.path, folder.cleanup);
  }

  private constructor(
    public readonly root: string,
    public readonly cleanup: () => void,
  ) {}
}
