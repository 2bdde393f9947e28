import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareStrings } from '../util/stable-order.js';
import { ConfigError } from './config-error.js';

/** Reads the files directly in `directory`, by name: the service's source as it is mounted. */
export function readServiceSources(directory: string, displayDirectory = directory): Record<string, string> {
  const names = readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort(compareStrings);
  if (names.length === 0) throw new ConfigError(`${displayDirectory}: no source files; expected at least server.js`);
  return Object.fromEntries(names.map((name) => [name, readFileSync(join(directory, name), 'utf8')]));
}
