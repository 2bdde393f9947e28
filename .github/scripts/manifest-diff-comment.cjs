// Posts the manifest diff to the pull request as one comment, and updates that comment on every
// later push instead of adding new ones. Called from .github/workflows/ci.yml through
// actions/github-script, which passes its authenticated `github` client and `context`.

/** Starts the comment, so later runs find it; invisible in the rendered Markdown. */
const MARKER = '<!-- trinity-delivery: manifest diff -->';

/** The account GitHub Actions' token comments as: the only author whose comment is replaced. */
const ACTIONS_BOT = 'github-actions[bot]';

/** One line of untrusted text, shown as text: no Markdown, HTML or line breaks. */
function plainLine(text) {
  return String(text)
    .replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
    .replace(/[\\`*_[\]|#~!]/g, (character) => `\\${character}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .trim();
}

/**
 * The comment that replaces the diff when the diff step fails, so an earlier push's diff is never
 * read as this one's: "diff failed: <reason>, at <sha>".
 *
 * @param {{ errorOutput: string, sha: string }} failure the diff's standard error (its `error:`
 * line, or else its last line, is the reason; empty when the step did not run) and the head commit
 */
function diffFailedMarkdown({ errorOutput, sha }) {
  const lines = String(errorOutput || '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  // The diff's own line starts with "error:"; after it may come a stack, for a bug.
  const line = lines.find((candidate) => candidate.startsWith('error:')) ?? lines[lines.length - 1];
  const last = line ? line.replace(/^error:\s*/, '') : 'the diff did not run because an earlier step failed';
  const reason = plainLine(last.length > 300 ? `${last.slice(0, 297)}...` : last);
  return `### Manifest changes in \`dist/\`\n\n**diff failed: ${reason}, at ${plainLine(sha)}**\n\nNo diff is shown for this commit; the job log has the details.\n`;
}

/**
 * Creates the comment, or updates the one an earlier run posted: found by MARKER among comments
 * by the Actions bot only, so neither a person nor another bot quoting the marker is overwritten.
 * When the pull request has moved on to another head commit since this diff was made, nothing is
 * written: the run for the newer commit replaces the comment, so an older diff never lands last.
 *
 * @param {{ github: any, context: any, markdown: string, sha: string }} options `sha` is the
 * pull request's head commit the diff was made for, which the comment names
 * @returns {Promise<'created' | 'updated' | 'skipped: the pull request moved on'>}
 */
async function upsertManifestDiffComment({ github, context, markdown, sha }) {
  const { owner, repo } = context.repo;
  const issue_number = context.payload.pull_request.number;
  const { data: pull } = await github.rest.pulls.get({ owner, repo, pull_number: issue_number });
  if (pull.head.sha !== sha) return 'skipped: the pull request moved on';
  const body = `${MARKER}\n${markdown}\n<sub>For head commit ${plainLine(sha)}.</sub>\n`;
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  const previous = comments.find(
    (comment) =>
      comment.user &&
      comment.user.type === 'Bot' &&
      comment.user.login === ACTIONS_BOT &&
      typeof comment.body === 'string' &&
      comment.body.startsWith(MARKER),
  );
  if (previous) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: previous.id, body });
    return 'updated';
  }
  await github.rest.issues.createComment({ owner, repo, issue_number, body });
  return 'created';
}

module.exports = { MARKER, ACTIONS_BOT, diffFailedMarkdown, upsertManifestDiffComment };
