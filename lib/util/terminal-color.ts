import { styleText } from 'node:util';

/**
 * Whether to colour output: on a terminal, unless `NO_COLOR` is set (https://no-color.org);
 * `FORCE_COLOR` turns it on anywhere. Entry points pass their environment and stream.
 */
export function shouldColor(env: Readonly<Record<string, string | undefined>>, isTTY: boolean | undefined): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return isTTY === true && env.TERM !== 'dumb';
}

/** What `styleText` accepts: one style or several. */
export type TextStyle = Parameters<typeof styleText>[0];

/** A function that styles text with ANSI codes when `color` is on, and leaves it plain otherwise. */
export function painter(color: boolean | undefined): (style: TextStyle, text: string) => string {
  // The caller decides about colour (terminal, NO_COLOR), not styleText's own stream check.
  return (style, text) => (color ? styleText(style, text, { validateStream: false }) : text);
}
