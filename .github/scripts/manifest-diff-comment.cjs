// Posts the manifest diff to the pull request as one comment, and updates that comment on every
// later push instead of adding new ones. Called from .github/workflows/ci.yml through
// actions/github-script, which passes its authenticated `github` client and `context`.

/** Starts the comment, so later runs find it; invisible in the rendered Markdown. */
const MARKER = '<!-- trinity-delivery: manifest diff -->';

/**
 * Creates the comment, or updates the one an earlier run posted (found by MARKER among comments
 * by bots, so a person quoting the marker is never overwritten).
 *
 * @returns {Promise<'created' | 'updated'>}
 */
async function upsertManifestDiffComment({ github, context, markdown }) {
  const { owner, repo } = context.repo;
  const issue_number = context.payload.pull_request.number;
  const body = `${MARKER}\n${markdown}`;
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  const previous = comments.find((comment) => comment.user && comment.user.type === 'Bot' && typeof comment.body === 'string' && comment.body.startsWith(MARKER));
  if (previous) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: previous.id, body });
    return 'updated';
  }
  await github.rest.issues.createComment({ owner, repo, issue_number, body });
  return 'created';
}

module.exports = { MARKER, upsertManifestDiffComment };
