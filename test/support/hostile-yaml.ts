/**
 * A small YAML text whose aliases would expand to 1,000 nodes, each level ten times the one
 * before: the shape of a "billion laughs" attack, cut short so a parser without a bound still ends.
 */
export const ALIAS_BOMB = [
  'a: &a [x, x, x, x, x, x, x, x, x, x]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
  '',
].join('\n');
