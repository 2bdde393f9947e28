import type { ManifestDiff } from './diff-model.js';

/** The diff for other tools: the {@link ManifestDiff} model as indented JSON, secrets masked. */
export function renderJson(diff: ManifestDiff): string {
  return `${JSON.stringify(diff, null, 2)}\n`;
}
