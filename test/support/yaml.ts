import { parseYaml } from '../../lib/util/yaml-parse.js';

/**
 * One YAML document, read as the project reads manifests (with js-yaml, several times faster
 * than `yaml`'s parse on the source ConfigMaps), typed loosely for assertions.
 */
export function parseYamlObject(text: string): any {
  return parseYaml(text);
}
