import * as v from 'valibot';

/** The clouds the platform runs on. */
export const CLOUDS = ['aws', 'gcp', 'azure'] as const;
export type Cloud = (typeof CLOUDS)[number];

export const cloudName = v.picklist(CLOUDS, `expected one of ${CLOUDS.join(', ')}`);

/** A lower-case DNS label: what Kubernetes accepts in object names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A string that is not blank. */
export const nonEmptyString = (what: string) =>
  v.pipe(v.string(`expected ${what} (a string)`), v.trim(), v.minLength(1, `expected ${what}, got an empty string`));

/** A release marker: what `/api/meta` reports as `release`. */
export const releaseName = v.pipe(
  v.string('expected a release name (a string)'),
  v.minLength(1, 'expected a non-empty release name'),
  v.maxLength(63, 'expected a release name of at most 63 characters'),
  v.regex(/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/, 'expected printable characters on one line, without leading or trailing spaces'),
);

/** Checks `release` as a release name; the message says what is wrong, or `undefined` when it is valid. */
export function releaseNameProblem(release: string): string | undefined {
  const result = v.safeParse(releaseName, release);
  return result.success ? undefined : result.issues[0].message;
}
