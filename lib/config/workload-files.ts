import { readFileSync } from 'node:fs';
import { walkFiles } from '../util/walk-files.js';
import { ConfigError } from '../core/config-error.js';

/** Reads the files directly in `directory`, by name: the service's source as it is mounted. */
export function readServiceSources(directory: string, displayDirectory = directory): Record<string, string> {
  const files = walkFiles(directory, { recursive: false }).filter((file) => file.type === 'file' && !file.path.startsWith('.'));
  if (files.length === 0) throw new ConfigError(`${displayDirectory}: no source files; expected at least server.js`);
  return Object.fromEntries(files.map((file) => [file.path, readFileSync(file.absolutePath, 'utf8')]));
}
