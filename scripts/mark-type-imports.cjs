// `cdk8s import` writes `import { ApiObject, ApiObjectMetadata, GroupVersionKind } from 'cdk8s'`;
// under `verbatimModuleSyntax` the two interfaces must be imported as types. Run after it.
const { readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const folder = join(__dirname, '..', 'imports');
for (const file of readdirSync(folder).filter((name) => name.endsWith('.ts'))) {
  const path = join(folder, file);
  const source = readFileSync(path, 'utf8');
  const marked = source.replace(
    "import { ApiObject, ApiObjectMetadata, GroupVersionKind } from 'cdk8s';",
    "import { ApiObject, type ApiObjectMetadata, type GroupVersionKind } from 'cdk8s';",
  );
  if (marked !== source) writeFileSync(path, marked);
}
