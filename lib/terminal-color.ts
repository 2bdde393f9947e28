/**
 * Whether to colour output: on a terminal, unless `NO_COLOR` is set (https://no-color.org);
 * `FORCE_COLOR` turns it on anywhere. Entry points pass their environment and stream.
 */
export function shouldColor(env: Readonly<Record<string, string | undefined>>, isTTY: boolean | undefined): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return isTTY === true && env.TERM !== 'dumb';
}
