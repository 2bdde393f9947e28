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

/** The most replicas an overlay may ask for: far above what the service needs, far below int32. */
export const MAX_REPLICAS = 100;

const CANARY_WEIGHT = 'expected a whole percentage from 1 to 99';

/**
 * A canary's weights: whole percentages from 1 to 99, strictly increasing; each is a step with a
 * pause after it, and the step to 100% follows the last.
 */
export const canaryWeights = v.pipe(
  v.array(
    v.pipe(
      v.number(CANARY_WEIGHT),
      v.integer(CANARY_WEIGHT),
      v.minValue(1, `${CANARY_WEIGHT}: at 0 the canary gets nothing to judge`),
      v.maxValue(99, `${CANARY_WEIGHT}: the step to 100% follows the last weight`),
    ),
    'expected a list of canary weights such as [10, 50]',
  ),
  v.minLength(1, 'expected at least one canary weight, such as [50]'),
  v.check(
    (weights) => weights.every((weight, index) => index === 0 || weight > weights[index - 1]!),
    'expected strictly increasing canary weights, such as [10, 50]',
  ),
);

/** A region or location: lower-case letters, digits and hyphens, as every cloud names them. */
export const REGION = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * A kube context name that is safe on a command line and in a generated workflow: letters,
 * digits and `. _ : / @ -`, not starting with `-`. EKS ARNs, GKE names and user@cluster fit.
 */
export const KUBE_CONTEXT = /^[A-Za-z0-9._:/@][A-Za-z0-9._:/@-]{0,252}$/;

// The distribution reference grammar (github.com/distribution/reference), component by component.
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const IMAGE_REFERENCE = new RegExp(
  `^(?<name>(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(?<tag>[\\w][\\w.-]{0,127}))?(?:@(?<algorithm>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*):(?<hex>[0-9a-fA-F]{32,}))?$`,
);

/**
 * Checks `image` as a container image reference that pins what runs: a valid reference with a
 * tag other than `latest`, or a sha256 digest.
 *
 * @returns what is wrong, or `undefined` when it is valid
 */
export function imageReferenceProblem(image: string): string | undefined {
  const expected = 'expected an image reference such as node:22-alpine or registry.example.com/team/node@sha256:<64 hex digits>';
  // The grammar allows 255 characters of name; the bound also keeps the match linear.
  const match = image.length <= 512 ? IMAGE_REFERENCE.exec(image) : null;
  if (!match?.groups || (match.groups.name ?? '').length > 255) return expected;
  const { tag, algorithm, hex } = match.groups;
  if (algorithm !== undefined && (algorithm !== 'sha256' || !/^[0-9a-f]{64}$/.test(hex ?? ''))) {
    return 'expected a sha256 digest of 64 lower-case hex digits after "@"';
  }
  if (algorithm === undefined && (tag === undefined || tag === 'latest')) {
    return 'expected a pinned image: a tag other than "latest" (node:22-alpine) or a digest (node@sha256:...)';
  }
  return undefined;
}

/** A path inside a Git repository: relative, `/`-separated, with no empty, `.` or `..` segment. */
export function repositoryPathProblem(path: string): string | undefined {
  const segments = path.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..' || !/^[A-Za-z0-9._-]+$/.test(segment))) {
    return 'expected a relative path inside the repository such as dist or deploy/dist: letters, digits, . _ - and /, no leading or trailing /, no . or .. segment';
  }
  return undefined;
}

/**
 * A Git repository URL Argo CD can pull: `https://`, `ssh://` or scp-like `git@host:path`, with
 * no password or token in it (those go in Argo CD's repository credentials).
 */
export function gitRepoURLProblem(url: string): string | undefined {
  const expected = 'expected the URL of the Git repository Argo CD pulls: https://host/path, ssh://git@host/path or git@host:path';
  if (/^git@[A-Za-z0-9.-]+:[A-Za-z0-9._~/-]+$/.test(url)) return undefined;
  if (!/^(https|ssh):\/\/[^\s]+$/.test(url) || !URL.canParse(url)) return expected;
  const parsed = new URL(url);
  if (parsed.password !== '' || (parsed.protocol === 'https:' && parsed.username !== '')) {
    return 'expected a URL without user or password: private-repository credentials go in an Argo CD repository Secret';
  }
  if (parsed.hostname === '' || parsed.pathname === '/' || parsed.search !== '' || parsed.hash !== '') return expected;
  return undefined;
}

/** A branch, tag or commit Argo CD can resolve: Git's rules for ref names, on one line. */
export function gitRevisionProblem(revision: string): string | undefined {
  const valid =
    /^[A-Za-z0-9._/+-]{1,255}$/.test(revision) &&
    !revision.startsWith('-') &&
    !revision.startsWith('/') &&
    !revision.endsWith('/') &&
    !revision.endsWith('.') &&
    !revision.endsWith('.lock') &&
    !revision.includes('..') &&
    !revision.includes('//') &&
    !revision.split('/').some((segment) => segment.startsWith('.'));
  return valid ? undefined : 'expected a branch, tag or commit such as main, v1.2.0 or a commit hash: Git ref-name characters, no spaces';
}

/** A string checked by `problem`, which returns what is wrong or `undefined`. */
export const checkedString = (what: string, problem: (value: string) => string | undefined) =>
  v.pipe(
    v.string(`expected ${what} (a string)`),
    v.rawCheck<string>(({ dataset, addIssue }) => {
      const message = dataset.typed ? problem(dataset.value) : undefined;
      if (message !== undefined) addIssue({ message });
    }),
  );
