import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** README.md and every docs/*.md, as paths relative to `root`. */
export function documentationFiles(root: string): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort();
  return ['README.md', ...docs.map((name) => join('docs', name))];
}

/** README.md and docs/*.md joined, for assertions about what the documentation says anywhere. */
export function readDocumentation(root: string): string {
  return documentationFiles(root)
    .map((file) => readFileSync(join(root, file), 'utf8'))
    .join('\n');
}

/** Lines outside fenced code blocks, where headings and links count. */
function proseLines(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').filter((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** GitHub's heading anchor: lower case, inline code marks and punctuation dropped, spaces to hyphens. */
export function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown text offers: its headings (repeats get -1, -2, ...) and explicit `<a id|name>`. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const slug = githubSlug(heading[1] ?? '');
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    for (const [, id = ''] of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id);
  }
  return anchors;
}

/** Relative link targets (`path`, `path#anchor`, `#anchor`) in a Markdown text, outside code blocks. */
export function relativeLinks(markdown: string): string[] {
  const links: string[] = [];
  for (const line of proseLines(markdown)) {
    for (const [, target = ''] of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push(target);
    }
  }
  return links;
}

/** Each relative link of `file` whose file or anchor is missing, as `file: target (why)`. */
export function brokenLinks(root: string, file: string, markdown = readFileSync(join(root, file), 'utf8')): string[] {
  const broken: string[] = [];
  for (const target of relativeLinks(markdown)) {
    const [path = '', anchor] = target.split('#', 2);
    const targetFile = path === '' ? join(root, file) : join(root, dirname(file), decodeURIComponent(path));
    if (path !== '' && !existsSync(targetFile)) {
      broken.push(`${file}: ${target} (no file ${relative(root, targetFile)})`);
      continue;
    }
    if (anchor === undefined) continue;
    const text = path === '' ? markdown : readFileSync(targetFile, 'utf8');
    if (!anchorsOf(text).has(anchor)) broken.push(`${file}: ${target} (no heading #${anchor})`);
  }
  return broken;
}

/** The README's example workload ("Adding a workload"): its file's path and text, and its registry line. */
export function readmeWorkloadExample(readme: string): { path: string; code: string; registryLine: string } {
  const section = readme.slice(readme.indexOf('## Adding a workload'));
  const path = /^1\. One file, `([^`]+)`/m.exec(section)?.[1];
  const blocks = [...section.matchAll(/^ {3}```ts\n([\s\S]*?)^ {3}```$/gm)].map((match) => (match[1] ?? '').replace(/^ {3}/gm, ''));
  const [code, registryLine] = blocks;
  if (path === undefined || code === undefined || registryLine === undefined) {
    throw new Error('README.md: "Adding a workload" no longer shows a file path, its code and a registry line');
  }
  return { path, code, registryLine };
}

/** The name the README's example workload gives itself. */
export function readmeWorkloadName(readme: string): string {
  return /name: '([a-z0-9-]+)'/.exec(readmeWorkloadExample(readme).code)?.[1] ?? '';
}

/** Follows the README's "Adding a workload" in a copy of the project: its file and its registry line, under `name`. */
export function addReadmeWorkload(root: string, name = readmeWorkloadName(readFileSync(join(root, 'README.md'), 'utf8'))): void {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const example = readmeWorkloadExample(readme);
  const own = readmeWorkloadName(readme);
  const renamed = (text: string) => text.replaceAll(own, name);
  mkdirSync(dirname(join(root, renamed(example.path))), { recursive: true });
  writeFileSync(join(root, renamed(example.path)), renamed(example.code));
  appendFileSync(join(root, 'lib', 'workloads', 'registry.ts'), renamed(example.registryLine));
}
