import type { ManifestDiff } from '../diff/diff-model.js';

/** The outcome of one part of the check. */
export interface CheckResult {
  readonly name: 'fresh synth' | 'directory source' | 'kind allow-list' | 'schemas' | 'ConfigMap history';
  readonly ok: boolean;
  /** One line: what was checked and how it went. */
  readonly summary: string;
  /** One line per problem, each naming its file. */
  readonly problems: readonly string[];
  /** On drift: the object-level difference from the committed dist/ to the fresh synth. */
  readonly drift?: ManifestDiff;
}
