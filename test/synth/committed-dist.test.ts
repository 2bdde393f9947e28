import { join } from 'node:path';
import { makeTempDir, PROJECT_ROOT, readTree, synth } from '../support/synth-process.js';

test('a fresh synth into a temporary folder equals the committed dist/', async () => {
  const temp = makeTempDir('fresh');
  try {
    // The committed dist/ is the history: the ConfigMaps it keeps for stable pods stay.
    const result = await synth(['--outdir', join(temp.path, 'dist'), '--history', join(PROJECT_ROOT, 'dist')]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    // On a mismatch: run `npm run synth` and commit dist/.
    expect(readTree(join(temp.path, 'dist'))).toEqual(readTree(join(PROJECT_ROOT, 'dist')));
  } finally {
    temp.cleanup();
  }
});
