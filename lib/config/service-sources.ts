import { readFileSync } from 'node:fs';
import { walkFiles } from '../util/walk-files.js';
import { ConfigError } from './config-error.js';

// The BOM is kept: the mounted file must hold the bytes of the source file.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A file's bytes as text, or `undefined` for a binary file: not UTF-8, or holding a NUL byte (as
 * git judges binary files).
 */
function textOf(bytes: Buffer): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Reads the files directly in `directory`, by name: the service's source as it is mounted.
 *
 * @throws ConfigError naming every binary file: a ConfigMap's `data` holds UTF-8 text, and a binary
 * file in `binaryData` would reach the pods unreviewed (the diff shows text, not bytes)
 */
export function readServiceSources(directory: string, displayDirectory = directory): Record<string, string> {
  const files = walkFiles(directory, { recursive: false }).filter((file) => file.type === 'file' && !file.path.startsWith('.'));
  if (files.length === 0) throw new ConfigError(`${displayDirectory}: no source files; expected at least server.js`);
  const sources: Record<string, string> = {};
  const problems: string[] = [];
  for (const file of files) {
    const text = textOf(readFileSync(file.absolutePath));
    if (text !== undefined) sources[file.path] = text;
    else
      problems.push(
        `${displayDirectory}/${file.path}: a binary file (not UTF-8 text, or holding a NUL byte); the service's files reach its pods as ConfigMap text, which reviewers can read: remove it, or ship it in the image`,
      );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return sources;
}
