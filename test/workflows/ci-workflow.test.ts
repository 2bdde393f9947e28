import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { TempGitRepo } from '../diff/git-repo.js';
import { makeTempDir, PROJECT_ROOT } from '../support/synth-process.js';
import { readWorkflow } from './workflow-files.js';

const { workflow, text } = readWorkflow('ci.yml');
const job = workflow.jobs.test;
const steps: any[] = job.steps;
const stepIndex = (run: string) => steps.findIndex((step) => typeof step.run === 'string' && step.run.includes(run));
const diffJob = workflow.jobs.diff;
const diffSteps: any[] = diffJob.steps;
const diffStep = (name: string) => {
  const step = diffSteps.find((candidate) => candidate.name === name);
  if (!step) throw new Error(`no step "${name}" in the diff job; it has ${diffSteps.map((candidate) => candidate.name).join(', ')}`);
  return step;
};

describe('.github/workflows/ci.yml', () => {
  test('runs the change’s code under pull_request and on pushes to main, the base branch’s under pull_request_target', () => {
    expect(Object.keys(workflow.on)).toEqual(['pull_request', 'pull_request_target', 'push']);
    expect(workflow.on.push).toEqual({ branches: ['main'] });
    expect(job.if).toBe("${{ github.event_name != 'pull_request_target' }}");
    expect(workflow.jobs.workflows.if).toBe("${{ github.event_name != 'pull_request_target' }}");
    expect(diffJob.if).toBe("${{ github.event_name == 'pull_request_target' }}");
    expect(Object.keys(workflow.jobs)).toEqual(['test', 'diff', 'workflows']);
  });

  test('may only read the repository, and only the diff job may write pull-request comments; no secret is used', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(job.permissions).toEqual({ contents: 'read' });
    expect(diffJob.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(text).not.toMatch(/secrets\./);
  });

  test('a newer push cancels the run for the older one of the same pull request and event; runs on main are never cancelled', () => {
    expect(workflow.concurrency).toEqual({
      group: 'ci-${{ github.event_name }}-${{ github.event.pull_request.number || github.sha }}',
      'cancel-in-progress': "${{ github.event_name != 'push' }}",
    });
  });

  test('pins every action to a commit, with its version beside it', () => {
    const uses = [...text.matchAll(/uses:\s*(\S+)(.*)$/gm)].map(([, action, comment]) => ({ action, comment: comment?.trim() }));
    expect(uses.length).toBeGreaterThanOrEqual(3);
    for (const { action, comment } of uses) {
      expect(action).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      expect(comment).toMatch(/^# v\d+\.\d+\.\d+$/);
    }
  });

  test('runs the suite on each Node major package.json "engines" names, the current LTS (24) among them', () => {
    const { engines } = createRequire(import.meta.url)(join(PROJECT_ROOT, 'package.json'));
    const majors = engines.node.split('||').map((range: string) => /^\s*(?:\^|>=)(\d+)\b/.exec(range)?.[1]);
    expect(majors).toContain('24');
    expect(job.strategy.matrix.node).toEqual(majors);
    expect(job.container).toBe('node:${{ matrix.node }}-bookworm');
  });

  test('runs actionlint, built as tools/actionlint/go.mod pins it, on every workflow in its own job', () => {
    const lintJob = workflow.jobs.workflows;
    expect(lintJob['runs-on']).toBe('ubuntu-latest');
    expect(lintJob.steps.map((step: { run?: string }) => step.run).filter(Boolean)).toEqual(['npm run lint:workflows']);
    expect(readFileSync(join(PROJECT_ROOT, 'tools', 'actionlint', 'go.mod'), 'utf8')).toMatch(
      /^\s*github\.com\/rhysd\/actionlint v1\.7\.\d+\b/m,
    );
  });

  test('runs npm run lint after the check, also when the tests or the check failed', () => {
    const lint = stepIndex('npm run lint');
    expect(lint).toBeGreaterThan(stepIndex('npm run check'));
    expect(steps[lint].run).toBe('npm run lint');
    expect(steps[lint].if).toBe("${{ !cancelled() && steps.install.outcome == 'success' }}");
  });

  test('runs npm ci, npm test and npm run check on the pull request’s code, leaving no token in .git/config', () => {
    expect(steps[0].uses).toMatch(/^actions\/checkout@/);
    expect(steps[0].with).toEqual({ 'fetch-depth': 0, 'persist-credentials': false });
    const order = ['npm ci', 'npm test', 'npm run check'].map(stepIndex);
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  test('fails if the job that runs the pull request’s code makes or posts the diff: one job comments, not each Node version', () => {
    expect(stepIndex('npm run --silent diff')).toBe(-1);
    expect(steps.some((step) => String(step.uses).startsWith('actions/github-script@'))).toBe(false);
    const commenting = Object.entries(workflow.jobs).filter(([, candidate]: [string, any]) =>
      candidate.steps.some((step: any) => String(step.uses).startsWith('actions/github-script@')),
    );
    expect(commenting.map(([name]) => name)).toEqual(['diff']);
    expect(diffJob.strategy).toBeUndefined();
  });

  test('fails if the diff job checks out, installs or runs the pull request: it checks out the base commit only', () => {
    const checkouts = diffSteps.filter((step) => String(step.uses).startsWith('actions/checkout@'));
    expect(checkouts).toEqual([
      expect.objectContaining({
        with: { ref: '${{ github.event.pull_request.base.sha }}', 'fetch-depth': 0, 'persist-credentials': false },
      }),
    ]);
    expect(diffSteps.indexOf(checkouts[0])).toBe(0);
    // The pull request's commits arrive as objects only: fetched to a ref, merged with merge-tree, never checked out.
    const fetch = diffStep('Fetch the pull request as data');
    expect(fetch.run).toContain('fetch --no-tags origin "+refs/pull/${PR_NUMBER}/head:refs/remotes/pull/head"');
    expect(fetch.run).toContain('git merge-tree --write-tree "$BASE_SHA" "$HEAD_SHA"');
    expect(fetch.run).toContain('git commit-tree "$tree" -p "$BASE_SHA" -p "$HEAD_SHA"');
    expect(fetch.env.TOKEN).toBe('${{ github.token }}');
    for (const step of diffSteps) {
      expect(String(step.run ?? '')).not.toMatch(/\bgit (checkout|switch|worktree|reset|restore)\b/);
      expect(JSON.stringify(step)).not.toContain('head.ref');
    }
    expect(diffStep('npm ci').run).toBe('npm ci --no-audit --no-fund');
  });

  test('the base branch’s diff compares the base commit with the pull request merged into it', () => {
    const diff = diffStep('npm run diff');
    expect(diff.env).toEqual({ BASE_SHA: '${{ github.event.pull_request.base.sha }}', MERGE: '${{ steps.fetch.outputs.merge }}' });
    expect(diff.run).toContain(
      'npm run --silent diff -- --base "$BASE_SHA" --head "$MERGE" --format markdown > manifest-diff.md 2> manifest-diff-error.txt',
    );
    expect(diffSteps.indexOf(diff)).toBeGreaterThan(diffSteps.indexOf(diffStep('npm ci')));
  });

  test('comments the Markdown diff through the script that updates one comment, naming the head commit', () => {
    const comment = diffStep('Comment the diff on the pull request');
    expect(comment.uses).toMatch(/^actions\/github-script@/);
    expect(comment.with.script).toContain("readFileSync('manifest-diff.md', 'utf8')");
    expect(comment.with.script).toContain('.github/scripts/manifest-diff-comment.cjs');
    expect(comment.with.script).toContain('sha: process.env.HEAD_SHA');
    expect(comment.env).toEqual({ HEAD_SHA: '${{ github.event.pull_request.head.sha }}' });
    expect(comment.if).toBe("${{ !cancelled() && steps.diff.outcome == 'success' }}");
  });

  test('replaces the comment with "diff failed" when the diff step fails or does not run', () => {
    const failed = diffStep('Replace the comment when the diff failed');
    expect(failed.if).toBe("${{ !cancelled() && steps.diff.outcome != 'success' }}");
    expect(failed.with.script).toContain('diffFailedMarkdown({ errorOutput, sha: process.env.HEAD_SHA })');
    expect(failed.with.script).toContain("readFileSync('manifest-diff-error.txt', 'utf8')");
  });
});

describe('the diff job’s fetch step, run by bash against a local origin', () => {
  let scratch: { path: string; cleanup: () => void };
  let origin: TempGitRepo;
  let base: string;
  let head: string;
  beforeAll(() => {
    scratch = makeTempDir('ci-fetch');
    origin = TempGitRepo.create('ci-origin');
    origin.write('dist/aws/configmap-a.yaml', 'a: 1\n');
    origin.write('lib/diff/rules.ts', 'export const strict = true;\n');
    base = origin.commit('base');
    origin.git('checkout', '-q', '-b', 'feature');
    origin.write('dist/aws/configmap-b.yaml', 'b: 1\n');
    origin.write('lib/diff/rules.ts', 'export const strict = false;\n');
    head = origin.commit('the pull request');
    origin.git('update-ref', 'refs/pull/7/head', head);
    origin.git('checkout', '-q', 'main');
    origin.write('dist/gcp/configmap-c.yaml', 'c: 1\n');
    base = origin.commit('the base moved on');
  });
  afterAll(() => {
    origin?.cleanup();
    scratch?.cleanup();
  });

  /** The step's script in a fresh clone of the base commit, as actions/checkout leaves it. */
  function runFetchStep(headSha: string) {
    const workspace = join(scratch.path, `workspace-${headSha.slice(0, 7)}`);
    spawnSync('git', ['clone', '-q', origin.path, workspace]);
    spawnSync('git', ['checkout', '-q', '--detach', base], { cwd: workspace });
    const output = join(scratch.path, `output-${headSha.slice(0, 7)}`);
    writeFileSync(output, '');
    const env = Object.fromEntries(
      Object.entries(diffStep('Fetch the pull request as data').env as Record<string, string>).map(([name, value]) => [
        name,
        value.startsWith('${{') ? '' : value,
      ]),
    );
    const result = spawnSync('bash', ['-e', '-c', diffStep('Fetch the pull request as data').run], {
      cwd: workspace,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        HOME: scratch.path,
        ...env,
        PR_NUMBER: '7',
        BASE_SHA: base,
        HEAD_SHA: headSha,
        TOKEN: 'x',
        GITHUB_OUTPUT: output,
      },
      timeout: 30_000,
    });
    return { ...result, workspace, output: readFileSync(output, 'utf8') };
  }

  test('merges the pull request into the base as objects only, leaving the base checked out', () => {
    const result = runFetchStep(head);
    expect(result.stderr).not.toContain('error:');
    expect(result.status).toBe(0);
    const merge = /^merge=([0-9a-f]{40})$/m.exec(result.output)?.[1];
    if (!merge) throw new Error(`no merge output: ${result.output}`);
    const git = (...args: string[]) => spawnSync('git', args, { cwd: result.workspace, encoding: 'utf8' }).stdout.trim();
    expect(git('rev-parse', `${merge}^1`, `${merge}^2`).split('\n')).toEqual([base, head]);
    expect(git('ls-tree', '-r', '--name-only', merge, 'dist').split('\n')).toEqual([
      'dist/aws/configmap-a.yaml',
      'dist/aws/configmap-b.yaml',
      'dist/gcp/configmap-c.yaml',
    ]);
    // The work tree is still the base's: the pull request's code is not on disk to run.
    expect(git('rev-parse', 'HEAD')).toBe(base);
    expect(readFileSync(join(result.workspace, 'lib/diff/rules.ts'), 'utf8')).toBe('export const strict = true;\n');
  });

  test('fails if the pull request moved on since the event: the newer run posts', () => {
    const result = runFetchStep(base);
    expect(result.status).toBe(1);
    expect(readFileSync(join(result.workspace, 'manifest-diff-error.txt'), 'utf8')).toBe(
      `error: the pull request moved on from ${base}; the run for its newer commit posts the diff\n`,
    );
  });
});

interface Comment {
  id: number;
  body: string;
  user: { type: 'Bot' | 'User'; login: string };
}

const ACTIONS = { type: 'Bot', login: 'github-actions[bot]' } as const;

/** A stand-in for the REST client actions/github-script passes: one pull request's comments in memory. */
function pullRequestComments(initial: Comment[] = [], head = '0123456789abcdef0123456789abcdef01234567') {
  const comments = [...initial];
  let nextId = 1000;
  const github = {
    paginate: async (method: (params: object) => Promise<{ data: Comment[] }>, params: object) => (await method(params)).data,
    rest: {
      pulls: { get: () => Promise.resolve({ data: { head: { sha: head } } }) },
      issues: {
        listComments: () => Promise.resolve({ data: comments.map((comment) => ({ ...comment })) }),
        updateComment: ({ comment_id, body }: { comment_id: number; body: string }) => {
          comments.find((comment) => comment.id === comment_id)!.body = body;
          return Promise.resolve();
        },
        createComment: ({ body }: { body: string }) => {
          comments.push({ id: nextId++, body, user: ACTIONS });
          return Promise.resolve();
        },
      },
    },
  };
  const context = { repo: { owner: 'maxgherman', repo: 'trinity' }, payload: { pull_request: { number: 7 } } };
  return { comments, github, context };
}

describe('manifest-diff-comment.cjs', () => {
  const { MARKER, diffFailedMarkdown, upsertManifestDiffComment } = createRequire(join(PROJECT_ROOT, 'package.json'))(
    './.github/scripts/manifest-diff-comment.cjs',
  );
  const SHA = '0123456789abcdef0123456789abcdef01234567';
  const body = (markdown: string) => `${MARKER}\n${markdown}\n<sub>For head commit ${SHA}.</sub>\n`;

  test('posts one comment, then updates it on every push instead of adding more, naming the head commit', async () => {
    const pr = pullRequestComments([{ id: 1, body: 'Looks good', user: { type: 'User', login: 'octocat' } }]);
    expect(await upsertManifestDiffComment({ ...pr, markdown: 'first diff', sha: SHA })).toBe('created');
    expect(await upsertManifestDiffComment({ ...pr, markdown: 'second diff', sha: SHA })).toBe('updated');
    expect(await upsertManifestDiffComment({ ...pr, markdown: 'third diff', sha: SHA })).toBe('updated');
    expect(pr.comments).toEqual([
      { id: 1, body: 'Looks good', user: { type: 'User', login: 'octocat' } },
      { id: 1000, body: body('third diff'), user: ACTIONS },
    ]);
  });

  test('fails if an older push’s diff could land last: nothing is written once the pull request moved on', async () => {
    const pr = pullRequestComments([], 'f'.repeat(40));
    await upsertManifestDiffComment({ ...pr, markdown: 'the newest push’s diff', sha: 'f'.repeat(40) });
    expect(await upsertManifestDiffComment({ ...pr, markdown: 'an older push’s diff', sha: SHA })).toBe(
      'skipped: the pull request moved on',
    );
    expect(pr.comments.map((comment) => comment.body)).toEqual([
      `${MARKER}\nthe newest push’s diff\n<sub>For head commit ${'f'.repeat(40)}.</sub>\n`,
    ]);
  });

  test('never overwrites a person’s comment that quotes the marker', async () => {
    const pr = pullRequestComments([{ id: 5, body: `${MARKER}\nquoted by hand`, user: { type: 'User', login: 'octocat' } }]);
    expect(await upsertManifestDiffComment({ ...pr, markdown: 'diff', sha: SHA })).toBe('created');
    expect(pr.comments.map((comment) => comment.body)).toEqual([`${MARKER}\nquoted by hand`, body('diff')]);
  });

  test('fails if another bot’s comment with the marker were taken for ours: only the Actions bot’s is replaced', async () => {
    const pr = pullRequestComments([{ id: 6, body: `${MARKER}\nfrom another app`, user: { type: 'Bot', login: 'renovate[bot]' } }]);
    expect(await upsertManifestDiffComment({ ...pr, markdown: 'diff', sha: SHA })).toBe('created');
    expect(pr.comments[0]?.body).toBe(`${MARKER}\nfrom another app`);
  });

  test('a failed diff replaces the earlier diff with "diff failed: <reason>, at <sha>"', async () => {
    const pr = pullRequestComments();
    await upsertManifestDiffComment({ ...pr, markdown: 'an earlier run’s diff', sha: SHA });
    const errorOutput = 'npm warn something\nerror: dist/aws/x.yaml at HEAD (1234567): not valid YAML: <!-- *bad* (line 2)\n';
    expect(await upsertManifestDiffComment({ ...pr, markdown: diffFailedMarkdown({ errorOutput, sha: SHA }), sha: SHA })).toBe('updated');
    expect(pr.comments).toHaveLength(1);
    expect(pr.comments[0]?.body).toContain(
      `**diff failed: dist/aws/x.yaml at HEAD (1234567): not valid YAML: &lt;\\!-- \\*bad\\* (line 2), at ${SHA}**`,
    );
    expect(pr.comments[0]?.body).not.toContain('an earlier run');
    expect(diffFailedMarkdown({ errorOutput: '', sha: SHA })).toContain(
      `**diff failed: the diff did not run because an earlier step failed, at ${SHA}**`,
    );
    const bug =
      'error: npm run diff failed unexpectedly (a bug): x is undefined\nTypeError: x is undefined\n    at diff (bin/diff.ts:3:1)\n';
    expect(diffFailedMarkdown({ errorOutput: bug, sha: SHA })).toContain(
      `**diff failed: npm run diff failed unexpectedly (a bug): x is undefined, at ${SHA}**`,
    );
  });
});
