import { createRequire } from 'node:module';
import { join } from 'node:path';
import { AnalysisTemplate } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate';
import { ClusterAnalysisTemplate } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/ClusterAnalysisTemplate';
import { Rollout } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { PodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type * as TypeScript from 'typescript';
import { type FieldPathSegment, formatFieldPath } from '../util/field-path.js';
import { compareStrings } from '../util/stable-order.js';

/** A kubernetes-models class: validates its data against the kind's OpenAPI schema. */
type ModelClass = new (data: never) => { validate(): void };

/** Where the schema of one kind comes from: its model class and the TypeScript interface beside it. */
export interface KindSchema {
  readonly apiVersion: string;
  readonly kind: string;
  readonly model: ModelClass;
  /** Module that declares the kind's interface, `I<kind>`, as imported from the project. */
  readonly typesModule: string;
  /** Fields whose schema in the kind's package is looser than the type the API server applies. */
  readonly fieldSchemas?: readonly FieldSchema[];
}

/**
 * A stricter schema for one field of a kind, from another package: the field's value is
 * validated against `model` and walked beside `I<typeName>` from `typesModule` instead of the
 * kind's own schema there.
 */
export interface FieldSchema {
  /** Field names from the object's root, such as `['spec', 'template']`. */
  readonly path: readonly string[];
  readonly model: ModelClass;
  readonly typesModule: string;
  readonly typeName: string;
}

/**
 * The Rollout's pod template is a core PodTemplateSpec in Argo Rollouts' Go types, but the
 * Rollout CRD that @kubernetes-models/argo-rollouts 0.3 is generated from leaves parts of it free
 * (`volumes`, container `resources`), where a misspelt field would pass unnoticed. Its newer
 * releases, which type the template in full, need Node 22.
 */
const POD_TEMPLATE: FieldSchema = {
  path: ['spec', 'template'],
  model: PodTemplateSpec,
  typesModule: 'kubernetes-models/v1/PodTemplateSpec',
  typeName: 'PodTemplateSpec',
};

const core = (apiVersion: string, kind: string, model: ModelClass): KindSchema => ({
  apiVersion,
  kind,
  model,
  typesModule: `kubernetes-models/${apiVersion}/${kind}`,
});
const argo = (pkg: 'argo-cd' | 'argo-rollouts', kind: string, model: ModelClass, fieldSchemas?: readonly FieldSchema[]): KindSchema => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind,
  model,
  typesModule: `@kubernetes-models/${pkg}/argoproj.io/v1alpha1/${kind}`,
  ...(fieldSchemas && { fieldSchemas }),
});

/** A schema for every kind in KNOWN_KINDS (lib/argocd/resource-kinds.ts), at the API version this program emits. */
export const KIND_SCHEMAS: readonly KindSchema[] = [
  core('v1', 'Namespace', Namespace),
  core('v1', 'ConfigMap', ConfigMap),
  core('v1', 'Secret', Secret),
  core('v1', 'Service', Service),
  core('v1', 'ServiceAccount', ServiceAccount),
  core('apps/v1', 'Deployment', Deployment),
  core('policy/v1', 'PodDisruptionBudget', PodDisruptionBudget),
  core('rbac.authorization.k8s.io/v1', 'ClusterRole', ClusterRole),
  core('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', ClusterRoleBinding),
  core('rbac.authorization.k8s.io/v1', 'Role', Role),
  core('rbac.authorization.k8s.io/v1', 'RoleBinding', RoleBinding),
  core('apiextensions.k8s.io/v1', 'CustomResourceDefinition', CustomResourceDefinition),
  argo('argo-rollouts', 'Rollout', Rollout, [POD_TEMPLATE]),
  argo('argo-rollouts', 'AnalysisTemplate', AnalysisTemplate),
  argo('argo-rollouts', 'ClusterAnalysisTemplate', ClusterAnalysisTemplate),
  argo('argo-cd', 'Application', Application),
  argo('argo-cd', 'AppProject', AppProject),
  {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    model: PodMonitor,
    typesModule: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor',
  },
];

interface RootType {
  readonly schema: KindSchema;
  readonly type: TypeScript.Type;
  /** The types of the kind's `fieldSchemas`, by field path. */
  readonly fieldTypes: ReadonlyMap<string, TypeScript.Type>;
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
 * Loading the declarations takes about a second: load one validator and reuse it.
 */
export class SchemaValidator {
  /** Reads the declarations once; throws when the packages cannot be found under `projectRoot`. */
  public static load(props: SchemaValidatorProps): SchemaValidator {
    return new SchemaValidator(props.projectRoot);
  }

  private readonly ts: typeof TypeScript;
  private readonly checker: TypeScript.TypeChecker;
  private readonly rootTypes = new Map<string, RootType>();

  private constructor(projectRoot: string) {
    // Loaded from the project at run time rather than bundled: the compiler finds its own
    // lib declarations next to its real location.
    this.ts = createRequire(join(projectRoot, 'package.json'))('typescript') as typeof TypeScript;
    const ts = this.ts;
    const fileName = join(projectRoot, '__kind-schemas__.ts');
    const typeAlias = (alias: string, typeName: string, typesModule: string) =>
      `import type { I${typeName} as ${alias}T } from '${typesModule}';\nexport type ${alias} = ${alias}T;\n`;
    const source = KIND_SCHEMAS.flatMap((schema, index) => [
      typeAlias(`Kind${index}`, schema.kind, schema.typesModule),
      ...(schema.fieldSchemas ?? []).map((field, f) => typeAlias(`Kind${index}Field${f}`, field.typeName, field.typesModule)),
    ]).join('');
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
    const checker = (this.checker = program.getTypeChecker());
    const aliases = new Map(
      sourceFile.statements.filter(ts.isTypeAliasDeclaration).map((alias) => [alias.name.text, checker.getTypeAtLocation(alias.name)]),
    );
    const aliasType = (alias: string) => {
      const type = aliases.get(alias);
      if (!type) throw new Error(`no type ${alias} among the kind schemas' declarations`);
      return type;
    };
    KIND_SCHEMAS.forEach((schema, index) => {
      const fieldTypes = new Map(
        (schema.fieldSchemas ?? []).map((field, f) => [formatFieldPath([...field.path]), aliasType(`Kind${index}Field${f}`)] as const),
      );
      this.rootTypes.set(schemaKey(schema.apiVersion, schema.kind), { schema, type: aliasType(`Kind${index}`), fieldTypes });
    });
  }

  /** Every problem of `object`, sorted by field path; empty when it is valid. */
  public validate(object: unknown): SchemaProblem[] {
    if (!isPlainObject(object)) return [{ path: '', message: 'expected a Kubernetes object (a mapping)' }];
    const { apiVersion, kind } = object;
    const root = typeof apiVersion === 'string' && typeof kind === 'string' ? this.rootTypes.get(schemaKey(apiVersion, kind)) : undefined;
    if (!root) {
      return [
        {
          path: '',
          message: `no schema for apiVersion ${JSON.stringify(apiVersion)} kind ${JSON.stringify(kind)}; known kinds: ${KIND_SCHEMAS.map((schema) => `${schema.apiVersion} ${schema.kind}`).join(', ')}`,
        },
      ];
    }
    const problems: SchemaProblem[] = [];
    this.findUnknownFields(object, [root.type], [], problems, root.fieldTypes);
    problems.push(...modelProblems(root.schema, object));
    const unique = new Map(problems.map((problem) => [`${problem.path}\0${problem.message}`, problem]));
    return [...unique.values()].sort((a, b) => compareStrings(a.path, b.path));
  }

  /** Walks `value` beside the types it may have; a key that none of them declares is unknown. */
  private findUnknownFields(
    value: unknown,
    types: readonly TypeScript.Type[],
    path: FieldPathSegment[],
    problems: SchemaProblem[],
    fieldTypes: ReadonlyMap<string, TypeScript.Type>,
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
        value.forEach((element, index) => this.findUnknownFields(element, elements, [...path, index], problems, fieldTypes));
      return;
    }
    const objects = members.filter((member) => member.flags & ts.TypeFlags.Object && !checker.isArrayType(member));
    if (objects.length === 0) return;
    // An empty interface (RawExtension, such as a Helm valuesObject) holds anything.
    if (objects.some((member) => checker.getPropertiesOfType(member).length === 0 && checker.getIndexInfosOfType(member).length === 0))
      return;
    for (const [key, child] of Object.entries(value)) {
      const fieldType = fieldTypes.get(formatFieldPath([...path, key]));
      const childTypes = fieldType
        ? [fieldType]
        : objects.flatMap((member) => {
            const property = checker.getPropertyOfType(member, key);
            if (property) return [checker.getTypeOfSymbol(property)];
            return checker.getIndexInfoOfType(member, ts.IndexKind.String)?.type ?? [];
          });
      if (childTypes.length === 0) problems.push({ path: formatFieldPath([...path, key]), message: 'unknown field' });
      else this.findUnknownFields(child, childTypes, [...path, key], problems, fieldTypes);
    }
  }
}

/** What the models' own validators find: wrong types, missing required fields, enums, formats. */
function modelProblems(schema: KindSchema, object: Record<string, unknown>): SchemaProblem[] {
  const fieldProblems = (schema.fieldSchemas ?? []).flatMap((field) => {
    const value = field.path.reduce<unknown>((parent, key) => (isPlainObject(parent) ? parent[key] : undefined), object);
    return value === undefined ? [] : validateModel(field.model, value, field.path);
  });
  return [...validateModel(schema.model, object, []), ...fieldProblems];
}

function validateModel(model: ModelClass, value: unknown, at: readonly FieldPathSegment[]): SchemaProblem[] {
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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `rollout-mandelbrot.yaml: spec.replicas: must be integer`, one line per problem. */
export function formatSchemaProblems(where: string, problems: readonly SchemaProblem[]): string[] {
  return problems.map((problem) =>
    problem.path === '' ? `${where}: ${problem.message}` : `${where}: ${problem.path}: ${problem.message}`,
  );
}
