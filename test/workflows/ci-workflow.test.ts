import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../support/synth-process.js';
import { readWorkflow } from './workflow-files.js';

const { workflow } = readWorkflow('ci.yml');
const job = workflow.jobs.test;
const steps: any[] = job.steps;
const stepIndex = (run: string) => steps.findIndex((step) => typeof step.run === 'string' && step.run.includes(run));

describe('.github/workflows/ci.yml', () => {
  test('runs on pull requests', () => {
    expect(Object.keys(workflow.on)).toEqual(['pull_request']);
  });

  test('may read the repository and write pull-request comments, nothing more', () => {
    expect(workflow.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(job.permissions).toBeUndefined();
  });

  test('a newer push cancels the run for the older one of the same pull request', () => {
    expect(workflow.concurrency).toEqual({ group: 'ci-${{ github.event.pull_request.number }}', 'cancel-in-progress': true });
  });

  test('pins every action to a commit, with its version beside it', () => {
    const { text } = readWorkflow('ci.yml');
    const uses = [...text.matchAll(/uses:\s*(\S+)(.*)$/gm)].map(([, action, comment]) => ({ action, comment: comment.trim() }));
    expect(uses.length).toBeGreaterThanOrEqual(3);
    for (const { action, comment } of uses) {
      expect(action).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      expect(comment).toMatch(/^# v\d+\.\d+\.\d+$/);
    }
  });

  test('runs the suite on the oldest Node version package.json supports and on the current LTS, 24', () => {
    const { engines } = createRequire(import.meta.url)(join(PROJECT_ROOT, 'package.json'));
    const oldestMajor = /^>=(\d+)\./.exec(engines.node)?.[1];
    expect(job.strategy.matrix.node).toEqual([oldestMajor, '24']);
    expect(job.container).toBe('node:${{ matrix.node }}-bookworm');
  });

  test('checks out enough history to read dist/ at the base commit', () => {
    expect(steps[0].uses).toMatch(/^actions\/checkout@/);
    expect(steps[0].with).toEqual({ 'fetch-depth': 0 });
  });

  test('runs npm ci, npm test, npm run check, then the diff against the pull request base', () => {
    const order = ['npm ci', 'npm test', 'npm run check', 'npm run --silent diff'].map(stepIndex);
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const diff = steps[order[3]];
    expect(diff.env).toEqual({ BASE_SHA: '${{ github.event.pull_request.base.sha }}' });
    expect(diff.run).toContain('npm run --silent diff -- --base "$BASE_SHA" --format markdown > manifest-diff.md');
  });

  test('comments the Markdown diff through the script that updates one comment', () => {
    const comment = steps.find((step) => typeof step.uses === 'string' && step.uses.startsWith('actions/github-script@'));
    expect(comment.with.script).toContain("readFileSync('manifest-diff.md', 'utf8')");
    expect(comment.with.script).toContain('.github/scripts/manifest-diff-comment.cjs');
    expect(comment.if).toContain("steps.diff.outcome == 'success'");
  });
});

interface Comment {
  id: number;
  body: string;
  user: { type: 'Bot' | 'User' };
}

/** A stand-in for the REST client actions/github-script passes: one pull request's comments in memory. */
function pullRequestComments(initial: Comment[] = []) {
  const comments = [...initial];
  let nextId = 1000;
  const github = {
    paginate: async (method: (params: object) => Promise<{ data: Comment[] }>, params: object) => (await method(params)).data,
    rest: {
      issues: {
        listComments: async () => ({ data: comments.map((comment) => ({ ...comment })) }),
        updateComment: async ({ comment_id, body }: { comment_id: number; body: string }) => {
          comments.find((comment) => comment.id === comment_id)!.body = body;
        },
        createComment: async ({ body }: { body: string }) => {
          comments.push({ id: nextId++, body, user: { type: 'Bot' } });
        },
      },
    },
  };
  const context = { repo: { owner: 'maxgherman', repo: 'trinity' }, payload: { pull_request: { number: 7 } } };
  return { comments, github, context };
}

describe('manifest-diff-comment.cjs', () => {
  const { MARKER, upsertManifestDiffComment } = createRequire(join(PROJECT_ROOT, 'package.json'))('./.github/scripts/manifest-diff-comment.cjs');

  test('posts one comment, then updates it on every push instead of adding more', async () => {
    const pr = pullRequestComments([{ id: 1, body: 'Looks good', user: { type: 'User' } }]);
    expect(await upsertManifestDiffComment({ ...pr, markdown: 'first diff' })).toBe('created');
    expect(await upsertManifestDiffComment({ ...pr, markdown: 'second diff' })).toBe('updated');
    expect(await upsertManifestDiffComment({ ...pr, markdown: 'third diff' })).toBe('updated');
    expect(pr.comments).toEqual([
      { id: 1, body: 'Looks good', user: { type: 'User' } },
      { id: 1000, body: `${MARKER}\nthird diff`, user: { type: 'Bot' } },
    ]);
  });

  test('never overwrites a person’s comment that quotes the marker', async () => {
    const pr = pullRequestComments([{ id: 5, body: `${MARKER}\nquoted by hand`, user: { type: 'User' } }]);
    expect(await upsertManifestDiffComment({ ...pr, markdown: 'diff' })).toBe('created');
    expect(pr.comments.map((comment) => comment.body)).toEqual([`${MARKER}\nquoted by hand`, `${MARKER}\ndiff`]);
  });
});
