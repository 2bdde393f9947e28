/**
 * Problems in the project's own configuration (an overlay, the platform settings, or how a
 * command was asked to use them).
 *
 * Each problem is one line, complete on its own: it names the file or option, the field and
 * what is expected, so command-line entry points print the lines without a stack trace. All
 * the problems found are reported together, not only the first.
 */
export class ConfigError extends Error {
  /** One line per problem. */
  public readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    const lines = typeof problems === 'string' ? [problems] : problems;
    super(lines.join('\n'));
    this.name = 'ConfigError';
    this.problems = lines;
  }
}

/**
 * Runs each check and collects the problems of every {@link ConfigError} they throw, so one
 * run reports all of them. Other errors (bugs) pass through.
 *
 * @returns the results of the checks that passed, in order, and every problem found
 */
export function collectProblems<T>(checks: readonly (() => T)[]): { results: T[]; problems: string[] } {
  const results: T[] = [];
  const problems: string[] = [];
  for (const check of checks) {
    try {
      results.push(check());
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  return { results, problems };
}
