import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as TypeScript from 'typescript';
import { KNOWN_KINDS, type KnownKind, schemaModuleOf } from '../argocd/resource-kinds.js';
import { type FieldPathSegment, formatFieldPath } from '../util/field-path.js';
import { compareStrings } from '../util/stable-order.js';
import { isMapping } from '../util/parsed-data.js';

/** A kubernetes-models class: validates its data against the kind's OpenAPI schema. */
type ModelClass = new (data: never) => { validate(): void };

/** A known kind with its interface and the file of its model class, both from the project's node_modules. */
interface KindSchema {
  readonly kind: KnownKind;
  readonly type: TypeScript.Type;
  readonly modelFile: string;
}

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
 * Loading the declarations takes about a second: load one validator and reuse it.
 */
export class SchemaValidator {
  /** Reads the models and declarations once; throws when the packages cannot be found under `projectRoot`. */
  public static async load(props: SchemaValidatorProps): Promise<SchemaValidator> {
    const validator = new SchemaValidator(props.projectRoot);
    // One at a time: the models share modules, and Jest's module loader fails on concurrent links.
    for (const schema of validator.schemas.values()) validator.models.set(schema.kind, await loadModel(schema));
    return validator;
  }

  private readonly ts: typeof TypeScript;
  private readonly checker: TypeScript.TypeChecker;
  /** By {@link schemaKey}. */
  private readonly schemas = new Map<string, KindSchema>();
  private readonly models = new Map<KnownKind, ModelClass>();

  private constructor(projectRoot: string) {
    // Loaded from the project at run time rather than bundled: the compiler finds its own
    // lib declarations next to its real location.
    this.ts = createRequire(join(projectRoot, 'package.json'))('typescript') as typeof TypeScript;
    const ts = this.ts;
    const fileName = join(projectRoot, '__kind-schemas__.ts');
    const source = KNOWN_KINDS.map(
      (kind, index) =>
        `import type { I${kind.kind} as T${index} } from '${schemaModuleOf(kind)}';\nexport type Kind${index} = T${index};\n`,
    ).join('');
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
    this.checker = program.getTypeChecker();
    const aliases = sourceFile.statements.filter((statement) => ts.isTypeAliasDeclaration(statement));
    KNOWN_KINDS.forEach((kind, index) => {
      const alias = aliases[index];
      const declarations = ts.resolveModuleName(schemaModuleOf(kind), fileName, options, host).resolvedModule?.resolvedFileName;
      if (!alias || !declarations?.endsWith('.d.ts')) throw new Error(`cannot find ${schemaModuleOf(kind)} under ${projectRoot}`);
      // The packages ship each module's code beside its declarations.
      const modelFile = `${declarations.slice(0, -'.d.ts'.length)}.js`;
      this.schemas.set(schemaKey(kind.apiVersion, kind.kind), { kind, type: this.checker.getTypeAtLocation(alias.name), modelFile });
    });
  }

  /** Every problem of `object`, sorted by field path; empty when it is valid. */
  public validate(object: unknown): SchemaProblem[] {
    if (!isMapping(object)) return [{ path: '', message: 'expected a Kubernetes object (a mapping)' }];
    const { apiVersion, kind } = object;
    const root = typeof apiVersion === 'string' && typeof kind === 'string' ? this.schemas.get(schemaKey(apiVersion, kind)) : undefined;
    const model = root && this.models.get(root.kind);
    if (!root || !model) {
      return [
        {
          path: '',
          message: `no schema for apiVersion ${JSON.stringify(apiVersion)} kind ${JSON.stringify(kind)}; known kinds: ${KNOWN_KINDS.map((known) => `${known.apiVersion} ${known.kind}`).join(', ')}`,
        },
      ];
    }
    const problems: SchemaProblem[] = [];
    this.findUnknownFields(object, [root.type], [], problems);
    problems.push(...modelProblems(model, object));
    const unique = new Map(problems.map((problem) => [`${problem.path}\0${problem.message}`, problem]));
    return [...unique.values()].sort((a, b) => compareStrings(a.path, b.path));
  }

  /** Walks `value` beside the types it may have; a key that none of them declares is unknown. */
  private findUnknownFields(value: unknown, types: readonly TypeScript.Type[], path: FieldPathSegment[], problems: SchemaProblem[]): void {
    if (value === null || typeof value !== 'object') return;
    const { ts, checker } = this;
    const members = types.flatMap((type) => {
      const nonNull = checker.getNonNullableType(type);
      return nonNull.isUnion() ? nonNull.types : [nonNull];
    });
    if (members.some((member) => member.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))) return;
    if (Array.isArray(value)) {
      const elements = members.flatMap((member) => checker.getIndexInfoOfType(member, ts.IndexKind.Number)?.type ?? []);
      // No array type here: a type mismatch, which the model's validate() reports.
      if (elements.length > 0) value.forEach((element, index) => this.findUnknownFields(element, elements, [...path, index], problems));
      return;
    }
    const objects = members.filter((member) => member.flags & ts.TypeFlags.Object && !checker.isArrayType(member));
    if (objects.length === 0) return;
    // An empty interface (RawExtension, such as a Helm valuesObject) holds anything.
    if (objects.some((member) => checker.getPropertiesOfType(member).length === 0 && checker.getIndexInfosOfType(member).length === 0))
      return;
    for (const [key, child] of Object.entries(value)) {
      const childTypes = objects.flatMap((member) => {
        const property = checker.getPropertyOfType(member, key);
        if (property) return [checker.getTypeOfSymbol(property)];
        return checker.getIndexInfoOfType(member, ts.IndexKind.String)?.type ?? [];
      });
      if (childTypes.length === 0) problems.push({ path: formatFieldPath([...path, key]), message: 'unknown field' });
      else this.findUnknownFields(child, childTypes, [...path, key], problems);
    }
  }
}

/** The model class of a known kind, from its kubernetes-models module in the project. */
async function loadModel({ kind, modelFile }: KindSchema): Promise<ModelClass> {
  // A computed specifier: the bundler leaves it to Node, so only the check loads the models.
  const module = (await import(pathToFileURL(modelFile).href)) as Record<string, unknown>;
  const model = module[kind.kind];
  if (typeof model !== 'function') throw new Error(`${modelFile} exports no model class ${kind.kind}`);
  return model as ModelClass;
}

/** What the model's own validator finds: wrong types, missing required fields, enums, formats. */
function modelProblems(model: ModelClass, object: Record<string, unknown>): SchemaProblem[] {
  try {
    new model(structuredClone(object) as never).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: ModelValidationError[] }).errors;
    if (!Array.isArray(errors)) throw error;
    return errors.map((entry) => {
      const path = instancePathSegments(entry.instancePath);
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
