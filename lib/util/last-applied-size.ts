// A leaf module: the size limit client-side apply runs into, shared by synth and the diff.

/** Kubernetes' limit on the total size of one object's annotations, keys and values: 256 KiB. */
export const ANNOTATIONS_SIZE_LIMIT = 262_144;

/** The annotation client-side apply (`kubectl apply`, and Argo CD's default sync) stores the applied object in. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The bytes of annotations `object` carries once client-side apply has added
 * {@link LAST_APPLIED_ANNOTATION}: its other annotations, keys and values, plus that annotation,
 * whose value is the object as Go's `encoding/json` writes it (compact, `<`, `>` and `&` as
 * `\u003c`-style escapes, U+2028 and U+2029 escaped) and a newline.
 */
export function annotationsSizeAfterClientSideApply(object: Readonly<Record<string, unknown>>): number {
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  const annotations = { ...((metadata.annotations ?? {}) as Record<string, unknown>) };
  delete annotations[LAST_APPLIED_ANNOTATION];
  const applied = { ...object, metadata: { ...metadata, annotations } };
  const json = JSON.stringify(applied);
  const htmlEscapes = json.match(/[<>&]/g)?.length ?? 0;
  const separators = json.match(/[\u2028\u2029]/g)?.length ?? 0;
  let size = Buffer.byteLength(LAST_APPLIED_ANNOTATION) + Buffer.byteLength(json) + 5 * htmlEscapes + 3 * separators + 1;
  for (const [key, value] of Object.entries(annotations)) size += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  return size;
}
