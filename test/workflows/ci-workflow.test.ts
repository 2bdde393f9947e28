import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../support/synth-process.js';
import { readWorkflow } from './workflow-files.js';

const { workflow } = readWorkflow('ci.yml');
const job = workflow.jobs.test;
const steps: any[] = job.steps;
const stepIndex = (run: string) => steps.findIndex((step) => typeof step.run === 'string' && step.run.includes(run));

describe('.github/workflows/ci.yml', () => {
  test('runs on pull requests and on pushes to main', () => {
    expect(Object.keys(workflow.on)).toEqual(['pull_request', 'push']);
    expect(workflow.on.push).toEqual({ branches: ['main'] });
  });

  test('may read the repository and write pull-request comments, nothing more', () => {
    expect(workflow.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(job.permissions).toBeUndefined();
  });

  test('a newer push cancels the run for the older one of the same pull request; runs on main are never cancelled', () => {
    expect(workflow.concurrency).toEqual({
      group: 'ci-${{ github.event.pull_request.number || github.sha }}',
      'cancel-in-progress': "${{ github.event_name == 'pull_request' }}",
    });
  });

  test('pins every action to a commit, with its version beside it', () => {
    const { text } = readWorkflow('ci.yml');
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

  test('checks out enough history to read dist/ at the base commit, and leaves no token in .git/config', () => {
    expect(steps[0].uses).toMatch(/^actions\/checkout@/);
    expect(steps[0].with).toEqual({ 'fetch-depth': 0, 'persist-credentials': false });
  });

  test('runs npm ci, npm test, npm run check, then the diff against the merge commit’s first parent', () => {
    const order = ['npm ci', 'npm test', 'npm run check', 'npm run --silent diff'].map(stepIndex);
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const diff = steps[stepIndex('npm run --silent diff')];
    expect(diff.env).toBeUndefined();
    expect(diff.run).toContain('base="$(git rev-parse HEAD^1)"');
    expect(diff.run).toContain(
      'npm run --silent diff -- --base "$base" --head HEAD --format markdown > manifest-diff.md 2> manifest-diff-error.txt',
    );
    expect(diff.run).not.toContain('base.sha');
  });

  test('comments the Markdown diff through the script that updates one comment, naming the head commit', () => {
    const comment = steps.find((step) => step.name === 'Comment the diff on the pull request');
    expect(comment.uses).toMatch(/^actions\/github-script@/);
    expect(comment.with.script).toContain("readFileSync('manifest-diff.md', 'utf8')");
    expect(comment.with.script).toContain('.github/scripts/manifest-diff-comment.cjs');
    expect(comment.with.script).toContain('sha: process.env.HEAD_SHA');
    expect(comment.env).toEqual({ HEAD_SHA: '${{ github.event.pull_request.head.sha }}' });
    expect(comment.if).toContain("steps.diff.outcome == 'success'");
  });

  test('replaces the comment with "diff failed" when the diff step fails or does not run', () => {
    const failed = steps.find((step) => step.name === 'Replace the comment when the diff failed');
    expect(failed.if).toContain("steps.diff.outcome != 'success'");
    expect(failed.if).toContain('!cancelled()');
    expect(failed.with.script).toContain('diffFailedMarkdown({ errorOutput, sha: process.env.HEAD_SHA })');
    expect(failed.with.script).toContain("readFileSync('manifest-diff-error.txt', 'utf8')");
  });
});

interface Comment {
  id: number;
  body: string;
  user: { type: 'Bot' | 'User'; login: string };
}

const ACTIONS = { type: 'Bot', login: 'github-actions[bot]' } as const;

/** A stand-in for the REST client actions/github-script passes: one pull request's comments in memory. */
function pullRequestComments(initial: Comment[] = []) {
  const comments = [...initial];
  let nextId = 1000;
  const github = {
    paginate: async (method: (params: object) => Promise<{ data: Comment[] }>, params: object) => (await method(params)).data,
    rest: {
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
    await upsertManifestDiffComment({ ...pr, markdown: 'an older push’s diff', sha: 'f'.repeat(40) });
    const errorOutput = 'npm warn something\nerror: dist/aws/x.yaml at HEAD (1234567): not valid YAML: <!-- *bad* (line 2)\n';
    expect(await upsertManifestDiffComment({ ...pr, markdown: diffFailedMarkdown({ errorOutput, sha: SHA }), sha: SHA })).toBe('updated');
    expect(pr.comments).toHaveLength(1);
    expect(pr.comments[0]?.body).toContain(
      `**diff failed: dist/aws/x.yaml at HEAD (1234567): not valid YAML: &lt;\\!-- \\*bad\\* (line 2), at ${SHA}**`,
    );
    expect(pr.comments[0]?.body).not.toContain('an older push');
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
