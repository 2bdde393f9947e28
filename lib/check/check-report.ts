import { hasChanges } from '../diff/diff-model.js';
import { renderText } from '../diff/render-text.js';
import { painter } from '../util/terminal-color.js';
import { type CheckResult, DRIFT_FIX } from './dist-check.js';

export interface CheckReportOptions {
  /**
   * ANSI colours, for a terminal.
   *
   * @default false
   */
  readonly color?: boolean;
}

/** The check's results for a terminal or a CI log: one line each, problems and drift beneath. */
export function renderCheckReport(results: readonly CheckResult[], options: CheckReportOptions = {}): string {
  const paint = painter(options.color);
  const lines: string[] = [];
  for (const result of results) {
    lines.push(result.ok ? paint('green', `✓ ${result.name}: ${result.summary}`) : paint('red', `✗ ${result.name}: ${result.summary}`));
    for (const problem of result.problems) lines.push(...problem.split('\n').map((line) => `    ${line}`));
    if (result.drift && hasChanges(result.drift)) {
      lines.push(
        '',
        ...renderText(result.drift, options)
          .trimEnd()
          .split('\n')
          .map((line) => `    ${line}`),
        '',
        `    ${DRIFT_FIX}`,
      );
    }
  }
  const failed = results.filter((result) => !result.ok).length;
  lines.push(
    failed === 0 ? paint('bold', 'npm run check: passed') : paint('bold', `npm run check: failed (${failed} of ${results.length} checks)`),
  );
  return `${lines.join('\n')}\n`;
}
