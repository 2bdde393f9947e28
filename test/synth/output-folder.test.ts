import { join } from 'node:path';
import { distPathProblem } from '../../lib/synth/output-folder.js';
import { makeTempDir } from '../support/synth-process.js';

describe('distPathProblem', () => {
  const temp = makeTempDir('dist-path');
  afterAll(() => temp.cleanup());
  const platform = join(temp.path, 'platform.yaml');
  const problem = (distPath: string, outdir: string) => distPathProblem(distPath, join(temp.path, outdir), platform, 'platform.yaml');

  test('agrees when the output inside the platform file’s folder is repository.distPath', () => {
    expect(problem('dist', 'dist')).toBeUndefined();
    expect(problem('deploy/dist', 'deploy/dist')).toBeUndefined();
  });

  test('fails if the output inside the platform file’s folder is another folder, naming the file and the field', () => {
    expect(problem('deploy', 'dist')).toBe(
      'platform.yaml: field "repository.distPath": "deploy" is not the folder synth writes (dist); expected dist, or synth\'s --outdir deploy, so that Argo CD reads what synth writes and the diff reviews',
    );
    expect(problem('dist', 'out/dist')).toContain('"dist" is not the folder synth writes (out/dist)');
  });

  test('does not compare a scratch output Argo CD never reads: outside the folder, or under node_modules or a dot-folder', () => {
    expect(distPathProblem('deploy', join(temp.path, '..', 'elsewhere'), platform, 'platform.yaml')).toBeUndefined();
    expect(problem('dist', 'node_modules/.cache/bench/dist-0')).toBeUndefined();
    expect(problem('dist', '.staging/dist')).toBeUndefined();
  });
});
