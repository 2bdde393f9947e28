import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as TypeScript from 'typescript';
import { KNOWN_KINDS, schemaModuleOf } from '../core/resource-kinds.js';
import { type FieldPathSegment, formatFieldPath } from '../util/field-path.js';
import { compareStrings } from '../util/stable-order.js';
import { isMapping } from '../util/parsed-data.js';
import { writeFileAtomically } from '../util/write-file-atomically.js';

/** A kubernetes-models class: validates its data against the kind's OpenAPI schema. */
type ModelClass = new (data: never) => { validate(): void };

/**
 * One type of the models' interfaces, as far as finding unknown fields goes; types refer to each
 * other by their index in {@link FieldIndex.types}. A union is the list of its members' indexes.
 */
interface IndexedType {
  /** `any` or `unknown`: anything goes, at any depth. */
  readonly any?: true;
  /** An object type (not an array): its keys are checked. */
  readonly object?: true;
  /** An object type with no fields and no index signature (RawExtension, a Helm `valuesObject`): holds anything. */
  readonly open?: true;
  /** Declared fields, by name. */
  readonly fields?: Readonly<Record<string, readonly number[]>>;
  /** A string index signature: the type of any other key. */
  readonly anyKey?: readonly number[];
  /** A number index signature: the type of an array's elements. */
  readonly items?: readonly number[];
}

/** A schema's model and the type its objects are walked beside. */
interface IndexedSchema {
  /** The model's code, relative to the project root; it exports the model class `exportName`. */
  readonly modelFile: string;
  readonly exportName: string;
  readonly type: readonly number[];
}

/** A known kind's schema, with the stricter schemas of some of its fields by field path (such as `spec.template`). */
interface IndexedKind extends IndexedSchema {
  readonly fields: Readonly<Record<string, IndexedSchema & { readonly path: readonly string[] }>>;
}

/**
 * Every field the models' interfaces declare for the known kinds, read from their TypeScript
 * declarations: building it takes a TypeScript program and seconds, reading it from the cache
 * milliseconds.
 */
interface FieldIndex {
  readonly types: readonly IndexedType[];
  /** By {@link schemaKey}. */
  readonly kinds: Readonly<Record<string, IndexedKind>>;
}

/**
 * A stricter schema for one field of a kind, from another module: the field's value is validated
 * against that module's model and walked beside its interface instead of the kind's own schema.
 */
interface FieldSchema {
  readonly apiVersion: string;
  readonly kind: string;
  /** Field names from the object's root, such as `['spec', 'template']`. */
  readonly path: readonly string[];
  readonly module: string;
  readonly typeName: string;
}

/**
 * The Rollout's pod template is a core PodTemplateSpec in Argo Rollouts' Go types, but the Rollout
 * CRD that @kubernetes-models/argo-rollouts 0.3 is generated from leaves parts of it free
 * (`volumes`, container `resources`), where a misspelt field would pass unnoticed. Its newer
 * releases, which type the template in full, need Node 22.
 */
const FIELD_SCHEMAS: readonly FieldSchema[] = [
  {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    path: ['spec', 'template'],
    module: 'kubernetes-models/v1/PodTemplateSpec',
    typeName: 'PodTemplateSpec',
  },
];

/** Changes whenever {@link FieldIndex}'s layout does, so a cached index of another layout is never read. */
const FIELD_INDEX_FORMAT = 1;

/** One thing wrong with an object: where (a field path, `''` for the object itself) and what. */
export interface SchemaProblem {
  readonly path: string;
  readonly message: string;
}

export interface SchemaValidatorProps {
  /**
   * A folder whose `node_modules` holds `typescript` and the kubernetes-models packages: the
   * project root. The field lists are read from the packages' type declarations there.
   */
  readonly projectRoot: string;
  /**
   * A folder to keep the field index in between runs, under a name that changes with the
   * project's `package-lock.json`, so any change of the packages builds it anew.
   *
   * @default none: every load builds the index
   */
  readonly cacheDir?: string;
}

/** An ajv error as kubernetes-models reports it, with its English message. */
interface ModelValidationError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

const schemaKey = (apiVersion: string, kind: string) => `${apiVersion}\0${kind}`;

/**
 * Validates manifests against the kubernetes-models schemas: types, required fields, enums and
 * formats through each model's `validate()`, and unknown fields through the models' TypeScript
 * interfaces.
 *
 * The models' validators accept fields their schema does not declare, but the API server drops
 * such a field on apply (or rejects it), so a typo would vanish silently. The interfaces are
 * generated from the same OpenAPI schemas and list every declared field, so walking an object
 * alongside its interface finds unknown fields at any depth. Free-form fields (a Helm
 * `valuesObject`, label maps) are empty interfaces or index signatures and accept any key.
 *
 * The kinds and their modules come from KNOWN_KINDS; the models are loaded here, at run time, so
 * nothing that only reads the registry (synth) pays for them.
 *
 * Loading takes seconds (the models compile their validators, and the field index needs a
 * TypeScript program unless it is cached): load one validator and reuse it.
 */
export class SchemaValidator {
  /** The file {@link load} keeps the field index in for `props`: undefined without a cache folder or a package-lock.json. */
  public static fieldIndexFile(props: SchemaValidatorProps): string | undefined {
    return fieldIndexFile(props);
  }

  /** Reads the models and the field index once; throws when the packages cannot be found under `projectRoot`. */
  public static async load(props: SchemaValidatorProps): Promise<SchemaValidator> {
    const cacheFile = fieldIndexFile(props);
    const index = (cacheFile === undefined ? undefined : readCachedFieldIndex(cacheFile)) ?? buildFieldIndex(props.projectRoot, cacheFile);
    const validator = new SchemaValidator(index);
    const schemas = Object.values(index.kinds).flatMap((kind) => [kind, ...Object.values(kind.fields)]);
    // One at a time: the models share modules, and Jest's module loader fails on concurrent links.
    for (const schema of schemas) {
      if (!validator.models.has(schema.modelFile)) validator.models.set(schema.modelFile, await loadModel(props.projectRoot, schema));
    }
    return validator;
  }

  /** By the model's file. */
  private readonly models = new Map<string, ModelClass>();

  private constructor(private readonly index: FieldIndex) {}

  /** Every problem of `object`, sorted by field path; empty when it is valid. */
  public validate(object: unknown): SchemaProblem[] {
    if (!isMapping(object)) return [{ path: '', message: 'expected a Kubernetes object (a mapping)' }];
    const { apiVersion, kind } = object;
    const root = typeof apiVersion === 'string' && typeof kind === 'string' ? this.index.kinds[schemaKey(apiVersion, kind)] : undefined;
    const model = root && this.models.get(root.modelFile);
    if (!root || !model) {
      return [
        {
          path: '',
          message: `no schema for apiVersion ${JSON.stringify(apiVersion)} kind ${JSON.stringify(kind)}; known kinds: ${KNOWN_KINDS.map((known) => `${known.apiVersion} ${known.kind}`).join(', ')}`,
        },
      ];
    }
    const problems: SchemaProblem[] = [];
    this.findUnknownFields(object, root.type, [], problems, root.fields);
    problems.push(...modelProblems(model, object, []));
    for (const field of Object.values(root.fields)) {
      const value = field.path.reduce<unknown>((parent, key) => (isMapping(parent) ? parent[key] : undefined), object);
      const fieldModel = this.models.get(field.modelFile);
      if (value !== undefined && fieldModel) problems.push(...modelProblems(fieldModel, value, field.path));
    }
    const unique = new Map(problems.map((problem) => [`${problem.path}\0${problem.message}`, problem]));
    return [...unique.values()].sort((a, b) => compareStrings(a.path, b.path));
  }

  /** Walks `value` beside the types it may have; a key that none of them declares is unknown. */
  private findUnknownFields(
    value: unknown,
    typeIndexes: readonly number[],
    path: FieldPathSegment[],
    problems: SchemaProblem[],
    fields: IndexedKind['fields'],
  ): void {
    if (value === null || typeof value !== 'object') return;
    const members = typeIndexes.map((typeIndex) => this.index.types[typeIndex]!);
    if (members.some((member) => member.any)) return;
    if (Array.isArray(value)) {
      const elements = members.flatMap((member) => member.items ?? []);
      // No array type here: a type mismatch, which the model's validate() reports.
      if (elements.length > 0)
        value.forEach((element, index) => this.findUnknownFields(element, elements, [...path, index], problems, fields));
      return;
    }
    const objects = members.filter((member) => member.object);
    if (objects.length === 0 || objects.some((member) => member.open)) return;
    for (const [key, child] of Object.entries(value)) {
      const fieldPath = formatFieldPath([...path, key]);
      const field = Object.hasOwn(fields, fieldPath) ? fields[fieldPath] : undefined;
      const childTypes = field
        ? field.type
        : objects.flatMap((member) => (member.fields && Object.hasOwn(member.fields, key) ? member.fields[key]! : (member.anyKey ?? [])));
      if (childTypes.length === 0) problems.push({ path: fieldPath, message: 'unknown field' });
      else this.findUnknownFields(child, childTypes, [...path, key], problems, fields);
    }
  }
}

/** The field index kept in `file`, or undefined when it is not there yet or is damaged. */
function readCachedFieldIndex(file: string): FieldIndex | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as FieldIndex;
  } catch {
    // Not built yet, or damaged: build it.
    return undefined;
  }
}

/** Where the field index of the project's packages is cached: named by a hash of package-lock.json, the kinds and the layout. */
function fieldIndexFile(props: SchemaValidatorProps): string | undefined {
  if (props.cacheDir === undefined) return undefined;
  let lock: string;
  try {
    lock = readFileSync(join(props.projectRoot, 'package-lock.json'), 'utf8');
  } catch {
    return undefined;
  }
  const key = createHash('sha256')
    .update(JSON.stringify([FIELD_INDEX_FORMAT, KNOWN_KINDS.map(schemaModuleOf), FIELD_SCHEMAS]))
    .update(lock)
    .digest('hex')
    .slice(0, 16);
  return join(props.cacheDir, `schema-field-index-${key}.json`);
}

/**
 * Reads the known kinds' interfaces with a TypeScript program over the models' declarations, and
 * keeps the index in the cache folder when there is one.
 */
function buildFieldIndex(projectRoot: string, cacheFile?: string): FieldIndex {
  // Loaded from the project at run time rather than bundled: the compiler finds its own
  // lib declarations next to its real location.
  const ts = createRequire(join(projectRoot, 'package.json'))('typescript') as typeof TypeScript;
  const fileName = join(projectRoot, '__kind-schemas__.ts');
  const typeAlias = (alias: string, typeName: string, module: string) =>
    `import type { I${typeName} as ${alias}T } from '${module}';\nexport type ${alias} = ${alias}T;\n`;
  const source = [
    ...KNOWN_KINDS.map((kind, index) => typeAlias(`Kind${index}`, kind.kind, schemaModuleOf(kind))),
    ...FIELD_SCHEMAS.map((field, index) => typeAlias(`Field${index}`, field.typeName, field.module)),
  ].join('');
  const options: TypeScript.CompilerOptions = {
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    types: [],
    lib: ['lib.es5.d.ts'],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) =>
    name === fileName ? ts.createSourceFile(name, source, languageVersion) : getSourceFile(name, languageVersion, ...rest);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  const sourceFile = program.getSourceFile(fileName)!;
  const diagnostics = program.getSemanticDiagnostics(sourceFile);
  if (diagnostics.length > 0) {
    const messages = diagnostics.map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, ' '));
    throw new Error(`cannot read the kubernetes-models type declarations under ${projectRoot}: ${messages.join('; ')}`);
  }
  const checker = program.getTypeChecker();

  // Every type reachable from the kinds, each once; those with nothing to walk share one entry.
  const types: IndexedType[] = [{}];
  const indexOf = new Map<TypeScript.Type, number>();
  const pending: TypeScript.Type[] = [];
  const indexesOf = (type: TypeScript.Type): number[] => {
    const nonNull = checker.getNonNullableType(type);
    return (nonNull.isUnion() ? nonNull.types : [nonNull]).map((member) => {
      let index = indexOf.get(member);
      if (index === undefined) {
        const walked = member.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Object);
        index = walked ? types.push({}) - 1 : 0;
        indexOf.set(member, index);
        if (walked) pending.push(member);
      }
      return index;
    });
  };
  const describe = (member: TypeScript.Type): IndexedType => {
    if (member.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return { any: true };
    const items = checker.getIndexInfoOfType(member, ts.IndexKind.Number)?.type;
    if (checker.isArrayType(member)) return items ? { items: indexesOf(items) } : {};
    const properties = checker.getPropertiesOfType(member);
    if (properties.length === 0 && checker.getIndexInfosOfType(member).length === 0) return { object: true, open: true };
    const anyKey = checker.getIndexInfoOfType(member, ts.IndexKind.String)?.type;
    return {
      object: true,
      fields: Object.fromEntries(properties.map((property) => [property.name, indexesOf(checker.getTypeOfSymbol(property))])),
      ...(anyKey ? { anyKey: indexesOf(anyKey) } : {}),
      ...(items ? { items: indexesOf(items) } : {}),
    };
  };

  const aliases = new Map(
    sourceFile.statements.filter((statement) => ts.isTypeAliasDeclaration(statement)).map((alias) => [alias.name.text, alias]),
  );
  const indexedSchema = (alias: string, module: string, exportName: string): IndexedSchema => {
    const declaration = aliases.get(alias);
    const declarations = ts.resolveModuleName(module, fileName, options, host).resolvedModule?.resolvedFileName;
    if (!declaration || !declarations?.endsWith('.d.ts')) throw new Error(`cannot find ${module} under ${projectRoot}`);
    // The packages ship each module's code beside its declarations.
    const modelFile = relative(projectRoot, `${declarations.slice(0, -'.d.ts'.length)}.js`);
    return { type: indexesOf(checker.getTypeAtLocation(declaration.name)), modelFile, exportName };
  };
  const kinds: Record<string, IndexedKind> = {};
  KNOWN_KINDS.forEach((kind, index) => {
    const fields = Object.fromEntries(
      FIELD_SCHEMAS.flatMap((field, fieldIndex) =>
        field.apiVersion === kind.apiVersion && field.kind === kind.kind
          ? [[formatFieldPath([...field.path]), { ...indexedSchema(`Field${fieldIndex}`, field.module, field.typeName), path: field.path }]]
          : [],
      ),
    );
    kinds[schemaKey(kind.apiVersion, kind.kind)] = { ...indexedSchema(`Kind${index}`, schemaModuleOf(kind), kind.kind), fields };
  });
  for (let member = pending.pop(); member; member = pending.pop()) types[indexOf.get(member)!] = describe(member);
  const index: FieldIndex = { types, kinds };
  if (cacheFile) {
    try {
      writeFileAtomically(cacheFile, JSON.stringify(index));
    } catch {
      // A read-only cache folder: the next load builds the index again.
    }
  }
  return index;
}

/** A model class, from its kubernetes-models module in the project. */
async function loadModel(projectRoot: string, { modelFile, exportName }: IndexedSchema): Promise<ModelClass> {
  // A computed specifier: the bundler leaves it to Node, so only the check loads the models.
  const module = (await import(pathToFileURL(join(projectRoot, modelFile)).href)) as Record<string, unknown>;
  // Releases that are CommonJS hide their exports from Node's named-export detection: read them from the default.
  const model = module[exportName] ?? (isMapping(module.default) ? module.default[exportName] : undefined);
  if (typeof model !== 'function') throw new Error(`${modelFile} exports no model class ${exportName}`);
  return model as ModelClass;
}

/** What a model's own validator finds in `value` (at `at`): wrong types, missing required fields, enums, formats. */
function modelProblems(model: ModelClass, value: unknown, at: readonly FieldPathSegment[]): SchemaProblem[] {
  try {
    new model(structuredClone(value) as never).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: ModelValidationError[] }).errors;
    if (!Array.isArray(errors)) throw error;
    return errors.map((entry) => {
      const path = [...at, ...instancePathSegments(entry.instancePath)];
      if (entry.keyword === 'required') {
        return { path: formatFieldPath([...path, String(entry.params.missingProperty)]), message: 'missing required field' };
      }
      return { path: formatFieldPath(path), message: entry.message ?? `fails "${entry.keyword}" ${JSON.stringify(entry.params)}` };
    });
  }
}

/** `/spec/containers/0/name` (a JSON pointer) as path segments. */
function instancePathSegments(pointer: string): FieldPathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : segment));
}

/** `rollout-mandelbrot.yaml: spec.replicas: must be integer`, one line per problem. */
export function formatSchemaProblems(where: string, problems: readonly SchemaProblem[]): string[] {
  return problems.map((problem) =>
    problem.path === '' ? `${where}: ${problem.message}` : `${where}: ${problem.path}: ${problem.message}`,
  );
}
