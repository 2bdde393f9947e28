import { join } from 'node:path';
import { apiGroupOf, findKnownKind, formatKind, KNOWN_KINDS } from '../core/resource-kinds.js';
import { ApplicationIndex } from '../diff/application-index.js';
import type { ManifestDiff } from '../diff/diff-model.js';
import type { CheckResult } from './check-result.js';
import { readManifestTreeFromDirectory } from '../diff/git-manifest-tree.js';
import { diffManifestTrees } from '../diff/manifest-diff.js';
import {
  isJsonnetPath,
  type ManifestObject,
  type ManifestTree,
  parseManifestTree,
  SKIP_FILE_RENDERING_MARKER,
} from '../diff/manifest-tree.js';
import { compareStrings } from '../util/stable-order.js';
import { formatSchemaProblems, SchemaValidator } from './schema-validation.js';
import { checkSourceHistory } from './source-history-check.js';
import { ProjectLinkError, readProjectFiles, synthesizeFresh, SynthFailedError, type SynthRunner } from './fresh-synth.js';
import { ManifestParseError } from '../core/errors.js';

export interface DistCheckProps {
  /** The project root: holds main.ts, its inputs and the committed outputs. */
  readonly projectRoot: string;

  /** The environment the fresh synth runs with: the caller's own. CDK8S_OUTDIR is left out. */
  readonly env: Readonly<Record<string, string | undefined>>;

  /**
   * The manifest folder, relative to the project.
   *
   * @default 'dist'
   */
  readonly distPath?: string;

  /**
   * Arguments for the fresh synth, as for `npm run synth -- <args>`. Every file main.ts writes
   * is compared, dist/ or not (such as generated workflows), so new outputs need no change here.
   *
   * @default - none
   */
  readonly synthArgs?: readonly string[];

  /**
   * Runs the fresh synth.
   *
   * @default - the project's synth entry as a process: `node scripts/run.cjs main.ts <args>`
   */
  readonly synth?: SynthRunner;

  /**
   * The schemas objects are validated against. Loading them takes seconds, so a caller that
   * checks many times loads them once.
   *
   * @default - loaded from the packages under `projectRoot`
   */
  readonly schemas?: SchemaValidator;

  /**
   * A folder to keep the schemas' field index in between runs, when `schemas` is not given.
   *
   * @default - none: the index is built for each check
   */
  readonly cacheDir?: string;
}

export type { CheckResult } from './check-result.js';

/** The fix for every kind of drift. */
export const DRIFT_FIX = 'Fix: run `npm run synth` and commit the result (dist/ and any generated file).';

/**
 * The CI gate: dist/ and every other generated file equal a fresh synth, dist/ holds only the
 * kinds this program emits, every object in it matches its schema, and every earlier source
 * ConfigMap it keeps is one pods mounted at an earlier commit.
 */
export async function checkDist(props: DistCheckProps): Promise<CheckResult[]> {
  const distPath = props.distPath ?? 'dist';
  const skipped = (name: CheckResult['name'], problem: string): CheckResult => ({
    name,
    ok: false,
    summary: `not run: ${distPath}/ does not parse`,
    problems: [problem],
  });
  let committed: ManifestTree;
  try {
    committed = readManifestTreeFromDirectory(join(props.projectRoot, distPath), props.projectRoot, 'the working tree');
  } catch (error) {
    if (!(error instanceof ManifestParseError)) throw error;
    return [
      skipped('fresh synth', error.message),
      skipped('directory source', error.message),
      skipped('kind allow-list', error.message),
      skipped('schemas', error.message),
      skipped('ConfigMap history', error.message),
    ];
  }
  const results = [await checkFreshSynth(props, distPath, committed)];
  let objects: ManifestObject[];
  try {
    objects = parseManifestTree(committed, 'the working tree', new Map(), `${distPath}/`);
  } catch (error) {
    if (!(error instanceof ManifestParseError)) throw error;
    return [
      ...results,
      skipped('directory source', error.message),
      skipped('kind allow-list', error.message),
      skipped('schemas', error.message),
      skipped('ConfigMap history', error.message),
    ];
  }
  results.push(checkDirectorySource(committed, objects, distPath));
  results.push(checkKinds(objects, distPath));
  results.push(
    checkSchemas(
      objects,
      distPath,
      props.schemas ?? (await SchemaValidator.load({ projectRoot: props.projectRoot, cacheDir: props.cacheDir })),
    ),
  );
  results.push(await checkSourceHistory(props.projectRoot, distPath, objects));
  return results;
}

/**
 * What Argo CD's directory source would read differently from the YAML this program writes:
 * jsonnet it renders, files it skips, symlinks out of the repository that make it refuse the
 * whole repository, and objects defined twice.
 */
function checkDirectorySource(tree: ManifestTree, objects: readonly ManifestObject[], distPath: string): CheckResult {
  const problems: string[] = [];
  for (const [path, content] of [...tree].sort(([a], [b]) => compareStrings(a, b))) {
    const shown = `${distPath}/${path}`;
    if (typeof content !== 'string')
      problems.push(
        'symlink' in content
          ? `${shown}: a symlink to ${content.symlink}, outside the repository: Argo CD refuses the whole repository (every Application stops syncing); replace it with the file`
          : 'submodule' in content
            ? `${shown}: a submodule (commit ${content.submodule}), whose files Argo CD deploys but synth does not write; remove it`
            : `${shown}: a symlink to ${content.linkTo}, through which Argo CD can read files synth does not write; remove it`,
      );
    else if (isJsonnetPath(path))
      problems.push(
        `${shown}: jsonnet, which Argo CD renders but this program neither writes nor reviews (npm run diff cannot show what it deploys); remove it`,
      );
    else if (content.includes(SKIP_FILE_RENDERING_MARKER))
      problems.push(
        `${shown}: holds ${SKIP_FILE_RENDERING_MARKER}, so Argo CD skips the whole file and prunes its objects; remove the marker`,
      );
  }
  const copies = new Map<string, ManifestObject[]>();
  // Argo CD fills in the Application's destination namespace for an object written without one.
  const applications = new ApplicationIndex(objects, distPath);
  for (const object of objects) {
    const key = [
      applications.clusterOf(object),
      apiGroupOf(object.apiVersion),
      object.kind,
      applications.namespaceOf(object),
      object.name,
    ].join('\0');
    copies.set(key, [...(copies.get(key) ?? []), object]);
  }
  for (const group of copies.values()) {
    const [first] = group;
    if (!first || group.length < 2) continue;
    problems.push(
      `${group.map((object) => `${distPath}/${object.file}`).join(', ')}: ${first.kind} ${first.name} is defined ${group.length} times; Argo CD applies only the last copy it reads and reports a conflict: keep one`,
    );
  }
  return problems.length === 0
    ? {
        name: 'directory source',
        ok: true,
        summary: `Argo CD reads ${distPath}/ as written: no jsonnet, skipped files, outside symlinks or duplicate objects`,
        problems,
      }
    : {
        name: 'directory source',
        ok: false,
        summary: `${problems.length} file${problems.length === 1 ? '' : 's'} Argo CD would read differently from what synth writes`,
        problems,
      };
}

async function checkFreshSynth(props: DistCheckProps, distPath: string, committed: ManifestTree): Promise<CheckResult> {
  let fresh;
  try {
    fresh = await synthesizeFresh({ projectRoot: props.projectRoot, env: props.env, synthArgs: props.synthArgs, synth: props.synth });
  } catch (error) {
    if (error instanceof ProjectLinkError)
      return {
        name: 'fresh synth',
        ok: false,
        summary: 'not run: the project holds symlinks out of itself, which synth in a copy would follow back out',
        problems: error.problems,
      };
    if (!(error instanceof SynthFailedError)) throw error;
    return { name: 'fresh synth', ok: false, summary: 'synth fails, so dist/ cannot be compared', problems: [error.message] };
  }
  try {
    const before = readProjectFiles(props.projectRoot);
    const after = readProjectFiles(fresh.root);
    const problems: string[] = [];
    for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      const [old, next] = [before.get(path), after.get(path)];
      if (old && next && old.equals(next)) continue;
      if (!next) problems.push(`${path}: committed but no longer generated`);
      else if (!old) problems.push(`${path}: generated but not committed`);
      else problems.push(`${path}: differs from the generated file${firstDifference(old, next)}`);
    }
    const distFiles = [...after.keys()].filter((path) => path.startsWith(`${distPath}/`)).length;
    if (problems.length === 0) {
      return {
        name: 'fresh synth',
        ok: true,
        summary: `${distPath}/ (${distFiles} files) and every other generated file match a fresh synth`,
        problems,
      };
    }
    let drift: ManifestDiff | undefined;
    try {
      drift = diffManifestTrees(committed, readManifestTreeFromDirectory(join(fresh.root, distPath), fresh.root, 'fresh synth'), {
        baseName: `committed ${distPath}/`,
        headName: 'fresh synth',
        distPath,
      });
    } catch (error) {
      if (!(error instanceof ManifestParseError)) throw error;
      problems.push(error.message);
    }
    const count = problems.length === 1 ? '1 file differs' : `${problems.length} files differ`;
    return { name: 'fresh synth', ok: false, summary: `stale: ${count} from a fresh synth. ${DRIFT_FIX}`, problems, drift };
  } finally {
    fresh.cleanup();
  }
}

/** ` (line 12: "old" in the commit, "new" generated)` for text files. */
function firstDifference(old: Buffer, next: Buffer): string {
  const [a, b] = [old.toString('utf8').split('\n'), next.toString('utf8').split('\n')];
  const line = a.findIndex((text, index) => text !== b[index]);
  const index = line < 0 ? a.length : line;
  const show = (text: string | undefined) =>
    text === undefined ? 'end of file' : JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
  return ` (line ${index + 1}: ${show(a[index])} committed, ${show(b[index])} generated)`;
}

function checkKinds(objects: readonly ManifestObject[], distPath: string): CheckResult {
  const allowed = KNOWN_KINDS.map(formatKind).join(', ');
  const problems = objects.flatMap((object) => {
    const kind = { group: apiGroupOf(object.apiVersion), kind: object.kind };
    if (findKnownKind(kind.group, kind.kind)) return [];
    return [
      `${distPath}/${object.file}: ${object.kind} ${object.name} (apiVersion ${object.apiVersion}) is a ${formatKind(kind)}, which is not a kind this program emits; allowed: ${allowed} (KNOWN_KINDS in lib/core/resource-kinds.ts)`,
    ];
  });
  const kinds = new Set(objects.map((object) => `${object.apiVersion} ${object.kind}`));
  return problems.length === 0
    ? { name: 'kind allow-list', ok: true, summary: `${objects.length} objects of ${kinds.size} kinds, all on the allow-list`, problems }
    : {
        name: 'kind allow-list',
        ok: false,
        summary: `${problems.length} object${problems.length === 1 ? ' has a kind' : 's have kinds'} not on the allow-list`,
        problems,
      };
}

function checkSchemas(objects: readonly ManifestObject[], distPath: string, validator: SchemaValidator): CheckResult {
  const problems = objects.flatMap((object) =>
    formatSchemaProblems(`${distPath}/${object.file}: ${object.kind} ${object.name}`, validator.validate(object.data)),
  );
  return problems.length === 0
    ? {
        name: 'schemas',
        ok: true,
        summary: `${objects.length} objects match their schemas (kubernetes-models), with no unknown fields`,
        problems,
      }
    : { name: 'schemas', ok: false, summary: `${problems.length} schema problem${problems.length === 1 ? '' : 's'}`, problems };
}
