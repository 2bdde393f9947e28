import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_REPLICAS } from '../lib/config/fields.js';
import { readDocumentation } from './support/docs.js';
import { PROJECT_ROOT } from './support/synth-process.js';

const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
const operating = readFileSync(join(PROJECT_ROOT, 'docs', 'operating.md'), 'utf8');
const scripts = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;

describe('README', () => {
  test('gives the two set-up commands, and both exist', () => {
    expect(readme).toContain('npm ci && npm run synth');
    expect(readme).toContain('npm test');
    expect(scripts.synth).toBe('node scripts/run.cjs main.ts');
    expect(scripts.test).toMatch(/^tsc -p \. && .*jest/);
  });

  test('docs/operating.md warns that the first sync of a Rollout goes straight to Healthy without pausing', () => {
    expect(operating).toMatch(/The first sync never pauses\.\*\* The first revision of a Rollout has no stable ReplicaSet/);
    expect(operating).toMatch(/The 50% pause happens from the second pod-template\s+revision on/);
  });

  test('every npm script it or docs/ mentions exists', () => {
    const mentioned = [...readDocumentation(PROJECT_ROOT).matchAll(/npm run ([a-z0-9:-]+)/g)].map((match) => match[1]);
    expect(mentioned.length).toBeGreaterThan(0);
    expect(mentioned.filter((script) => !(script in scripts))).toEqual([]);
  });

  test('gives the replicas ceiling synth enforces', () => {
    expect(readme).toContain(`a whole number from 2 to ${MAX_REPLICAS}`);
  });
});
