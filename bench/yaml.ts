import { parseDocument } from 'yaml';
import { MAX_CONFIG_FILE_BYTES } from '../lib/config/yaml-file.js';
import { parseYaml, parseYamlDocuments } from '../lib/util/yaml-parse.js';
import { largeConfigMap } from './diff.js';
import { formatSeconds, median as middle } from './measure.js';
import type { BenchTable } from './report.js';

const RUNS = 5;

const secondsOf = (work: () => void): number => {
  const started = process.hrtime.bigint();
  work();
  return Number(process.hrtime.bigint() - started) / 1e9;
};
const median = (work: () => void): number => middle(Array.from({ length: RUNS }, () => secondsOf(work)));

/** A mapping of short keys filling about `bytes`: the shape that made the library's duplicate-key check quadratic. */
function manyKeys(bytes: number): { text: string; keys: number } {
  let text = '';
  let keys = 0;
  while (text.length + 16 < bytes) text += `key${keys++}: ${keys}\n`;
  return { text, keys };
}

/** YAML parsing in process: the project's one parser (js-yaml) against the yaml library with its own duplicate-key check. */
export function run(): BenchTable[] {
  const rows: string[][] = [];
  for (const bytes of [MAX_CONFIG_FILE_BYTES, 1024 * 1024]) {
    const { text, keys } = manyKeys(bytes);
    const library =
      bytes <= MAX_CONFIG_FILE_BYTES
        ? formatSeconds(median(() => void parseDocument(text, { uniqueKeys: true }).toJS()))
        : 'not run (minutes)';
    rows.push([
      `${keys} keys, ${(text.length / 1024).toFixed(0)} KiB`,
      formatSeconds(median(() => parseYaml(text, { maxBytes: bytes }))),
      library,
    ]);
  }
  // What npm run diff parses for each side of its 5 MB case; no size bound, as the diff passes none.
  const configMap = largeConfigMap('before');
  rows.push([
    `a ConfigMap of ${(configMap.length / 1e6).toFixed(1)} MB (npm run diff)`,
    formatSeconds(median(() => parseYamlDocuments(configMap))),
    'not run (minutes)',
  ]);
  const huge = `cloud: aws\n${'# padding\n'.repeat(1_000_000)}`;
  rows.push([
    '10 MB overlay, refused by size',
    formatSeconds(
      median(() => {
        try {
          parseYaml(huge, { maxBytes: MAX_CONFIG_FILE_BYTES });
        } catch {
          // The refusal is what is timed.
        }
      }),
    ),
    '-',
  ]);
  return [
    {
      id: 'yaml',
      title: `\`npm run bench -- yaml\`: YAML parsing in process, median of ${RUNS} runs`,
      headings: ['text', 'lib/util/yaml-parse.ts', 'yaml, uniqueKeys: true'],
      rows,
    },
  ];
}
