import { join } from 'node:path';
import { SchemaValidator } from '../../lib/check/schema-validation.js';
import { PROJECT_ROOT } from './project-root.js';

let loaded: Promise<SchemaValidator> | undefined;

/** The project's schemas, loaded once per jest worker: each load takes seconds, and every check needs them. */
export function projectSchemas(): Promise<SchemaValidator> {
  loaded ??= SchemaValidator.load({
    projectRoot: PROJECT_ROOT,
    cacheDir: join(PROJECT_ROOT, 'node_modules', '.cache', 'trinity-delivery'),
  });
  return loaded;
}
