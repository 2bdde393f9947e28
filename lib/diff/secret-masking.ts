import { mappingAt } from '../util/parsed-data.js';
import type { FieldChange } from './field-changes.js';
import { isKind, type ManifestData } from './manifest-tree.js';

/** What a secret value reads as in every output. */
export const MASKED_VALUE = '(masked)';

/** Fields of a Secret whose values are secret: every value under `data` and `stringData`. */
const SECRET_FIELDS = ['data', 'stringData'];
/** `kubectl apply` copies the whole object, values included, into this annotation. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export const isSecret = (object: { apiVersion: string; kind: string }): boolean => isKind(object, '', 'Secret');

function isSecretPath(path: readonly (string | number)[]): boolean {
  return SECRET_FIELDS.includes(path[0] as string) || (path[0] === 'metadata' && path[1] === 'annotations' && path[2] === LAST_APPLIED);
}

/** A copy of a Secret with every secret value replaced by {@link MASKED_VALUE}; the keys stay. */
export function maskSecret(data: ManifestData): ManifestData {
  const masked: Record<string, unknown> = { ...data };
  for (const field of SECRET_FIELDS) {
    const values = data[field];
    if (values && typeof values === 'object' && !Array.isArray(values)) {
      masked[field] = Object.fromEntries(Object.keys(values).map((key) => [key, MASKED_VALUE]));
    } else if (values !== undefined) masked[field] = MASKED_VALUE;
  }
  const metadata = mappingAt(data, 'metadata');
  const annotations = mappingAt(metadata, 'annotations');
  if (annotations[LAST_APPLIED] !== undefined) {
    masked.metadata = { ...metadata, annotations: { ...annotations, [LAST_APPLIED]: MASKED_VALUE } };
  }
  return masked;
}

/** Field changes of a Secret with the secret values replaced: a change still shows, its values do not. */
export function maskSecretChanges(changes: readonly FieldChange[]): FieldChange[] {
  return changes.map((change) => {
    if (!isSecretPath(change.path)) return change;
    const masked: { -readonly [K in keyof FieldChange]: FieldChange[K] } = {
      change: change.change,
      path: change.path,
      text: change.text,
      masked: true,
    };
    if ('old' in change) masked.old = MASKED_VALUE;
    if ('new' in change) masked.new = MASKED_VALUE;
    return masked;
  });
}
