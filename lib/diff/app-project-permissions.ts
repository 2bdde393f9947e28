import { listAt, type Mapping, mappingAt, scalarText } from '../util/parsed-data.js';
import type { ManifestData } from './manifest-tree.js';

/** How an AppProject's permissions moved: each entry one readable line. */
export interface PermissionChanges {
  /** What the project now allows that it did not: `sourceRepos + https://example.com/repo.git`. */
  readonly widened: readonly string[];
  /** What it no longer allows. */
  readonly narrowed: readonly string[];
}

type Spec = Mapping;

/** One entry of a permission list, as a readable key. */
interface PermissionEntry {
  readonly text: string;
  /** A `!` entry of `sourceRepos` or `destinations`: it takes away what it matches. */
  readonly denies: boolean;
}

interface PermissionList {
  readonly field: string;
  /** An allow-list grants by its entries (but for its `!` entries); a deny-list takes away by them. */
  readonly allows: boolean;
  readonly entries: (spec: Spec) => PermissionEntry[] | undefined;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
/** Argo CD's deny pattern in `sourceRepos` and `destinations`: a leading `!`. */
const isDenial = (value: unknown): boolean => typeof value === 'string' && value.startsWith('!');
const kindEntry = (entry: Mapping) => {
  const kind = text(entry.group) === '' ? text(entry.kind) : `${text(entry.group)}/${text(entry.kind)}`;
  return entry.name ? `${kind} named ${text(entry.name)}` : kind;
};
/** A list field's entries through `format`; mappings for `format` get an empty one for any other entry. */
const listOf =
  (field: string, format: (entry: Mapping) => string, denies: (entry: Mapping) => boolean = () => false) =>
  (spec: Spec): PermissionEntry[] | undefined =>
    spec[field] === undefined || spec[field] === null
      ? undefined
      : listAt(spec, field).map((entry) => ({ text: format(mappingAt(entry)), denies: denies(mappingAt(entry)) }));
const textListOf =
  (field: string, denies: (entry: string) => boolean = () => false) =>
  (spec: Spec): PermissionEntry[] | undefined =>
    spec[field] === undefined || spec[field] === null
      ? undefined
      : listAt(spec, field).map((entry) => ({ text: text(entry), denies: denies(text(entry)) }));
const allowing = (entries: string[]): PermissionEntry[] => entries.map((entry) => ({ text: entry, denies: false }));

/** The parts of an AppProject spec that grant or take away permissions (Argo CD v3 AppProjectSpec). */
const PERMISSION_LISTS: readonly PermissionList[] = [
  { field: 'sourceRepos', allows: true, entries: textListOf('sourceRepos', isDenial) },
  { field: 'sourceNamespaces', allows: true, entries: textListOf('sourceNamespaces') },
  {
    field: 'destinations',
    allows: true,
    entries: listOf(
      'destinations',
      (entry) => `namespace ${text(entry.namespace) || '(none)'} on ${text(entry.server) || text(entry.name)}`,
      (entry) => isDenial(entry.namespace) || isDenial(entry.server) || isDenial(entry.name),
    ),
  },
  { field: 'clusterResourceWhitelist', allows: true, entries: listOf('clusterResourceWhitelist', kindEntry) },
  { field: 'namespaceResourceWhitelist', allows: true, entries: listOf('namespaceResourceWhitelist', kindEntry) },
  { field: 'clusterResourceBlacklist', allows: false, entries: listOf('clusterResourceBlacklist', kindEntry) },
  { field: 'namespaceResourceBlacklist', allows: false, entries: listOf('namespaceResourceBlacklist', kindEntry) },
  {
    field: 'roles',
    allows: true,
    // Who holds a role (its groups) grants as much as what the role may do (its policies).
    entries: (spec) =>
      allowing(
        listAt(spec, 'roles').flatMap((role) => [
          ...listAt(role, 'policies').map((policy) => `role ${text(mappingAt(role).name)}: ${scalarText(policy)}`),
          ...listAt(role, 'groups').map((group) => `role ${text(mappingAt(role).name)}: group ${scalarText(group)}`),
        ]),
      ),
  },
  {
    // The service account Argo CD impersonates for a destination decides what a sync may do there.
    field: 'destinationServiceAccounts',
    allows: true,
    entries: listOf(
      'destinationServiceAccounts',
      (entry) => `namespace ${text(entry.namespace) || '(any)'} on ${text(entry.server)} as ${text(entry.defaultServiceAccount)}`,
    ),
  },
];

/**
 * Compares the permission lists of two versions of an AppProject. `undefined` stands for no
 * project: a new project widens by everything it grants; a removed one narrows.
 *
 * An omitted `namespaceResourceWhitelist` allows every namespaced kind (Argo CD's
 * `IsGroupKindNamePermitted`), while an omitted cluster whitelist allows none.
 */
export function appProjectPermissionChanges(base: ManifestData | undefined, head: ManifestData | undefined): PermissionChanges {
  if (!head) return { widened: [], narrowed: base ? ['the AppProject is removed: its Applications can no longer sync'] : [] };
  const baseSpec = mappingAt(base, 'spec');
  const headSpec = mappingAt(head, 'spec');
  const widened: string[] = [];
  const narrowed: string[] = [];
  for (const list of PERMISSION_LISTS) {
    const before = base ? list.entries(baseSpec) : [];
    const after = list.entries(headSpec);
    if (list.field === 'namespaceResourceWhitelist' && (before === undefined) !== (after === undefined)) {
      if (after === undefined) widened.push(`${list.field} ${base ? 'removed' : 'omitted'}: every namespaced kind is allowed`);
      else
        narrowed.push(
          `${list.field} added: only ${after.length === 0 ? 'no namespaced kinds' : after.map((entry) => entry.text).join(', ')} instead of every namespaced kind`,
        );
      continue;
    }
    const beforeKeys = new Set((before ?? []).map((entry) => entry.text));
    const afterKeys = new Set((after ?? []).map((entry) => entry.text));
    const grants = (entry: PermissionEntry) => list.allows && !entry.denies;
    const [added, removed] = [new Set<string>(), new Set<string>()];
    for (const entry of after ?? []) {
      if (beforeKeys.has(entry.text) || added.has(entry.text)) continue;
      added.add(entry.text);
      (grants(entry) ? widened : narrowed).push(`${list.field} + ${entry.text}${entry.denies ? ' (a denial)' : ''}`);
    }
    for (const entry of before ?? []) {
      if (afterKeys.has(entry.text) || removed.has(entry.text)) continue;
      removed.add(entry.text);
      (grants(entry) ? narrowed : widened).push(`${list.field} - ${entry.text}${entry.denies ? ' (a denial)' : ''}`);
    }
  }
  return { widened, narrowed };
}
