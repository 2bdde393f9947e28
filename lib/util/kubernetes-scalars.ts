// A leaf module: how Kubernetes tools read an unquoted YAML scalar.

/** What a plain (unquoted, untagged) scalar means, with its value. */
export type ResolvedScalar =
  | { readonly tag: 'null'; readonly value: null }
  | { readonly tag: 'bool'; readonly value: boolean }
  | { readonly tag: 'int' | 'float'; readonly value: number }
  | { readonly tag: 'str'; readonly value: string };

const WORDS: ReadonlyMap<string, ResolvedScalar> = new Map<string, ResolvedScalar>([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((word) => [word, { tag: 'bool', value: true }] as const),
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map(
    (word) => [word, { tag: 'bool', value: false }] as const,
  ),
  ...['', '~', 'null', 'Null', 'NULL'].map((word) => [word, { tag: 'null', value: null }] as const),
  ...['.nan', '.NaN', '.NAN'].map((word) => [word, { tag: 'float', value: Number.NaN }] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((word) => [word, { tag: 'float', value: Infinity }] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((word) => [word, { tag: 'float', value: -Infinity }] as const),
]);

/** Go's `strconv.ParseInt(text, 0, 64)`, falling back to `ParseUint`: prefixes 0x, 0o, 0b and a leading 0 for octal. */
const GO_INTEGER = /^([+-]?)(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|(0[0-7]*)|([1-9][0-9]*))$/;
const RADIX_PREFIX = { 2: '0b', 8: '0o', 10: '', 16: '0x' } as const;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
/** go-yaml v2's `yamlStyleFloat`: the exponent needs its sign, and `1.` is no float. */
const YAML_STYLE_FLOAT = /^[-+]?[0-9]*\.?[0-9]+(?:[eE][-+][0-9]+)?$/;
/** Go's `ParseFloat` for a text that starts with `.`. */
const DOT_FLOAT = /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/;

function goInteger(text: string): number | undefined {
  const match = GO_INTEGER.exec(text);
  if (!match) return undefined;
  const [, sign, hex, octal, binary, leadingZero, decimal] = match;
  const [digits, radix] =
    hex !== undefined
      ? [hex, 16]
      : octal !== undefined
        ? [octal, 8]
        : binary !== undefined
          ? [binary, 2]
          : leadingZero !== undefined
            ? [leadingZero, 8]
            : [decimal!, 10];
  const magnitude = BigInt(`${RADIX_PREFIX[radix as keyof typeof RADIX_PREFIX]}${digits}`);
  const value = sign === '-' ? -magnitude : magnitude;
  // ParseInt takes any int64; ParseUint takes larger values only without a sign.
  const fits = (value >= INT64_MIN && value <= INT64_MAX) || (sign === '' && value <= UINT64_MAX);
  return fits ? Number(value) : undefined;
}

/**
 * What go-yaml v2 (under sigs.k8s.io/yaml, which kubectl, the API machinery and Argo CD v3.3.7
 * read manifests with) makes of a plain scalar: YAML 1.1 booleans (`yes`, `on`, `y`, `off`…),
 * `010` as octal, `0x`, `0o` and `0b` integers, `_` between digits ignored (`1_000`), floats only
 * with a signed exponent (`1e3` stays a string). Sexagesimal numbers (`1:20`) stay strings, as
 * go-yaml v2 leaves them; timestamps too (sigs.k8s.io/yaml turns them back into their text).
 */
export function resolveKubernetesScalar(source: string): ResolvedScalar {
  const word = WORDS.get(source);
  if (word) return word;
  const first = source.charAt(0);
  if (first === '.') {
    if (DOT_FLOAT.test(source)) {
      const value = Number(source);
      // Go's ParseFloat fails on overflow: the text stays a string.
      if (Number.isFinite(value)) return { tag: 'float', value };
    }
  } else if (/[-+0-9]/.test(first)) {
    const plain = source.replaceAll('_', '');
    const integer = goInteger(plain);
    if (integer !== undefined) return { tag: 'int', value: integer };
    if (YAML_STYLE_FLOAT.test(plain)) {
      const value = Number(plain);
      if (Number.isFinite(value)) return { tag: 'float', value };
    }
  }
  return { tag: 'str', value: source };
}
