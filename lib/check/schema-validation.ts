import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as TypeScript from 'typescript';
import { KNOWN_KINDS, type KnownKind, schemaModuleOf } from '../core/resource-kinds.js';
import { type FieldPathSegment, formatFieldPath } from '../util/field-path.js';
import { compareStrings } from '../util/stable-order.js';
import { isMapping } from '../util/parsed-data.js';

/** A kubernetes-models class: validates its data against the kind's OpenAPI schema. */
type ModelClass = new (data: never) => { validate(): void };

/** A model class and the interface beside it, read from the project's node_modules. */
interface LoadedSchema {
  /** The interface `I<exportName>`. */
  readonly type: TypeScript.Type;
  /** The module's code, which exports the model class `<exportName>`. */
  readonly modelFile: string;
  readonly exportName: string;
}

/** A known kind's schema, with the stricter schemas of some of its fields. */
interface KindSchema extends LoadedSchema {
  readonly kind: KnownKind;
  /** By field path, such as `spec.template`. */
  readonly fields: ReadonlyMap<string, LoadedSchema & { readonly path: readonly string[] }>;
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
    for (const schema of [...validator.schemas.values()].flatMap((kind) => [kind, ...kind.fields.values()])) {
      validator.models.set(schema.modelFile, await loadModel(schema));
    }
    return validator;
  }

  private readonly ts: typeof TypeScript;
  private readonly checker: TypeScript.TypeChecker;
  /** By {@link schemaKey}. */
  private readonly schemas = new Map<string, KindSchema>();
  /** By the model's file. */
  private readonly models = new Map<string, ModelClass>();

  private constructor(projectRoot: string) {
    // Loaded from the project at run time rather than bundled: the compiler finds its own
    // lib declarations next to its real location.
    this.ts = createRequire(join(projectRoot, 'package.json'))('typescript') as typeof TypeScript;
    const ts = this.ts;
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
    this.checker = program.getTypeChecker();
    const aliases = new Map(
      sourceFile.statements.filter((statement) => ts.isTypeAliasDeclaration(statement)).map((alias) => [alias.name.text, alias]),
    );
    const loadedSchema = (alias: string, module: string, exportName: string): LoadedSchema => {
      const declaration = aliases.get(alias);
      const declarations = ts.resolveModuleName(module, fileName, options, host).resolvedModule?.resolvedFileName;
      if (!declaration || !declarations?.endsWith('.d.ts')) throw new Error(`cannot find ${module} under ${projectRoot}`);
      // The packages ship each module's code beside its declarations.
      const modelFile = `${declarations.slice(0, -'.d.ts'.length)}.js`;
      return { type: this.checker.getTypeAtLocation(declaration.name), modelFile, exportName };
    };
    KNOWN_KINDS.forEach((kind, index) => {
      const fields = new Map(
        FIELD_SCHEMAS.flatMap((field, fieldIndex) =>
          field.apiVersion === kind.apiVersion && field.kind === kind.kind
            ? [
                [
                  formatFieldPath([...field.path]),
                  { ...loadedSchema(`Field${fieldIndex}`, field.module, field.typeName), path: field.path },
                ] as const,
              ]
            : [],
        ),
      );
      const schema = loadedSchema(`Kind${index}`, schemaModuleOf(kind), kind.kind);
      this.schemas.set(schemaKey(kind.apiVersion, kind.kind), { ...schema, kind, fields });
    });
  }

  /** Every problem of `object`, sorted by field path; empty when it is valid. */
  public validate(object: unknown): SchemaProblem[] {
    if (!isMapping(object)) return [{ path: '', message: 'expected a Kubernetes object (a mapping)' }];
    const { apiVersion, kind } = object;
    const root = typeof apiVersion === 'string' && typeof kind === 'string' ? this.schemas.get(schemaKey(apiVersion, kind)) : undefined;
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
    this.findUnknownFields(object, [root.type], [], problems, root.fields);
    problems.push(...modelProblems(model, object, []));
    for (const field of root.fields.values()) {
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
    types: readonly TypeScript.Type[],
    path: FieldPathSegment[],
    problems: SchemaProblem[],
    fields: KindSchema['fields'],
  ): void {
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
      if (elements.length > 0)
        value.forEach((element, index) => this.findUnknownFields(element, elements, [...path, index], problems, fields));
      return;
    }
    const objects = members.filter((member) => member.flags & ts.TypeFlags.Object && !checker.isArrayType(member));
    if (objects.length === 0) return;
    // An empty interface (RawExtension, such as a Helm valuesObject) holds anything.
    if (objects.some((member) => checker.getPropertiesOfType(member).length === 0 && checker.getIndexInfosOfType(member).length === 0))
      return;
    for (const [key, child] of Object.entries(value)) {
      const field = fields.get(formatFieldPath([...path, key]));
      const childTypes = field
        ? [field.type]
        : objects.flatMap((member) => {
            const property = checker.getPropertyOfType(member, key);
            if (property) return [checker.getTypeOfSymbol(property)];
            return checker.getIndexInfoOfType(member, ts.IndexKind.String)?.type ?? [];
          });
      if (childTypes.length === 0) problems.push({ path: formatFieldPath([...path, key]), message: 'unknown field' });
      else this.findUnknownFields(child, childTypes, [...path, key], problems, fields);
    }
  }
}

/** A model class, from its kubernetes-models module in the project. */
async function loadModel({ modelFile, exportName }: LoadedSchema): Promise<ModelClass> {
  // A computed specifier: the bundler leaves it to Node, so only the check loads the models.
  const module = (await import(pathToFileURL(modelFile).href)) as Record<string, unknown>;
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
