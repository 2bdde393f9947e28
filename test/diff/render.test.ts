import { stringify } from 'yaml';
import { hasChanges } from '../../lib/diff/diff-model.js';
import { renderJson } from '../../lib/diff/render-json.js';
import { renderMarkdown } from '../../lib/diff/render-markdown.js';
import { renderText } from '../../lib/diff/render-text.js';
import { diffTrees, edited, objectsOf, synthesizedTree } from './trees.js';

const base = synthesizedTree();
const ROLLOUT = 'aws/mandelbrot/rollout-mandelbrot.yaml';

/** A release change in aws, a widened AppProject in gcp, a removed Service and a new Secret in azure. */
function mixedHead(): Map<string, string> {
  let head = edited(base, ROLLOUT, (rollout) => {
    rollout.spec.template.spec.containers[0].env.find((env: any) => env.name === 'MANDELBROT_RELEASE').value = 'faster-cycles';
  });
  head = edited(head, 'gcp/argocd/appproject-trinity.yaml', (project) => {
    project.spec.sourceRepos.push('https://example.com/other.git');
  });
  head.delete('azure/mandelbrot/service-mandelbrot.yaml');
  head.set(
    'azure/mandelbrot/secret-api.yaml',
    stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'api', namespace: 'mandelbrot' },
      stringData: { key: 's3cr3t-value' },
    }),
  );
  return head;
}

/** `count` ConfigMaps of about 700 characters each, plus the mixed changes. */
function bigHead(count: number): Map<string, string> {
  const head = mixedHead();
  for (let index = 0; index < count; index++) {
    const data = Object.fromEntries(Array.from({ length: 12 }, (_, key) => [`setting-${key}`, `value-${index}-${key}`]));
    head.set(
      `aws/mandelbrot/configmap-bulk-${index}.yaml`,
      stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `bulk-${index}`, namespace: 'mandelbrot' }, data }),
    );
  }
  return head;
}

const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

/** `base` plus `count` new clusters, each a copy of aws with its own root Application. */
function withNewClusters(tree: ReadonlyMap<string, string>, count: number): Map<string, string> {
  const head = new Map(tree);
  const root = tree.get('bootstrap/application-trinity-dev-aws-root.yaml')!;
  for (let index = 0; index < count; index++) {
    const cluster = `new-${String(index).padStart(3, '0')}`;
    for (const [path, text] of tree)
      if (path.startsWith('aws/'))
        head.set(`${cluster}/${path.slice(4)}`, text.replaceAll('-aws', `-${cluster}`).replaceAll('dist/aws/', `dist/${cluster}/`));
    head.set(
      `bootstrap/application-trinity-dev-${cluster}-root.yaml`,
      root.replaceAll('-aws-', `-${cluster}-`).replaceAll('dist/aws/', `dist/${cluster}/`),
    );
  }
  return head;
}

describe('renderText', () => {
  const diff = diffTrees(base, mixedHead(), { baseName: 'origin/main (1234567)', headName: 'working tree' });

  test('groups by cluster, then Application, with meanings and field changes, and no colour unless asked', () => {
    const text = renderText(diff);
    expect(text).not.toContain('\u001b[');
    expect(text).toContain('Manifest changes in dist/: origin/main (1234567) → working tree');
    expect(text).toContain('3 clusters: 1 added, 2 changed, 1 removed, 1 canary, permissions widened in 1 AppProject');
    expect(text).toContain('!! gcp: AppProject argocd/trinity: permissions widened: sourceRepos + https://example.com/other.git');
    const aws = text.slice(text.indexOf('cluster aws'), text.indexOf('cluster azure'));
    expect(aws.split('\n').map((line) => line.trimEnd())).toEqual([
      'cluster aws: 1 changed, 1 canary',
      '  Application trinity-mandelbrot-aws',
      '    ~ Rollout mandelbrot/mandelbrot  aws/mandelbrot/rollout-mandelbrot.yaml',
      '        » pod template changed: a new ReplicaSet and a 50% canary (1 of 2 pods) that pauses for an operator to promote or abort',
      '        ~ spec.template.spec.containers[name=mandelbrot].env[name=MANDELBROT_RELEASE].value: "continuous" → "faster-cycles"',
      '',
      '',
    ]);
    expect(text).toContain(
      '    - Service mandelbrot/mandelbrot  azure/mandelbrot/service-mandelbrot.yaml\n        » Argo CD prunes it: Application trinity-mandelbrot-azure syncs with automated prune',
    );
    expect(text).toContain('        + stringData:\n        +   key: (masked)');
    expect(text).not.toContain('s3cr3t-value');
  });

  test('colours with ANSI codes when asked', () => {
    const text = renderText(diff, { color: true });
    expect(text).toContain('\u001b[31m\u001b[1m!! gcp: AppProject');
    expect(text).toContain('\u001b[33m~ Rollout mandelbrot/mandelbrot');
  });

  test('says so when nothing changed', () => {
    expect(renderText(diffTrees(base, base))).toBe('Manifest changes in dist/: base → head\nNo object changed.\n');
  });

  test('a file Argo CD reads differently is a change even when no object changed', () => {
    const diff = diffTrees(
      base,
      new Map(base)
        .set('aws/mandelbrot/extra.jsonnet', '{}\n')
        .set('gcp/mandelbrot/values.yaml', '# +argocd:skip-file-rendering\nreplicas: 2\n'),
    );
    expect(hasChanges(diff)).toBe(true);
    expect(diff.files.map((file) => [file.code, file.severity])).toEqual([
      ['jsonnet', 'danger'],
      ['skip-file-rendering', 'notice'],
    ]);
    expect(renderText(diff).split('\n').slice(1, 4)).toEqual([
      '0 clusters: no object changed, 2 files Argo CD reads differently',
      '!! aws: aws/mandelbrot/extra.jsonnet: dist/aws/mandelbrot/extra.jsonnet is jsonnet: Argo CD renders it and deploys the result, which this diff does not render or show; npm run check refuses jsonnet in dist/',
      '» gcp: gcp/mandelbrot/values.yaml: dist/gcp/mandelbrot/values.yaml carries the +argocd:skip-file-rendering marker: Argo CD skips it, so nothing in it is deployed',
    ]);
  });
});

describe('renderMarkdown', () => {
  test('a summary table, the widened permissions called out, then one collapsible section per cluster', () => {
    const markdown = renderMarkdown(diffTrees(base, mixedHead()));
    expect(markdown).toContain(
      [
        '| Cluster | Added | Changed | Removed | Canaries started | Permission changes | Dangers |',
        '| --- | ---: | ---: | ---: | ---: | --- | ---: |',
        '| `aws` | 0 | 1 | 0 | 1 | — | 0 |',
        '| `azure` | 1 | 0 | 1 | 0 | — | 1 |',
        '| `gcp` | 0 | 1 | 0 | 0 | 🚨 widened (1) | 1 |',
        '| **all** | 1 | 2 | 1 | 1 | 🚨 widened (1) | 2 |',
      ].join('\n'),
    );
    expect(markdown).toContain(
      [
        '> [!CAUTION]',
        '> **Dangers to review before approving:**',
        '> - 🚨 `azure: Secret mandelbrot/api`: the sync of trinity-mandelbrot-azure fails: kind Secret is not permitted in project trinity',
        '> - 🚨 `gcp: AppProject argocd/trinity`: permissions widened: sourceRepos + https:<!-- -->//example.com/other.git',
      ].join('\n'),
    );
    expect(markdown.indexOf('| Cluster |')).toBeLessThan(markdown.indexOf('[!CAUTION]'));
    expect(count(markdown, /<details>/g)).toBe(3);
    expect(count(markdown, /<\/details>/g)).toBe(3);
    expect(markdown).toContain('<summary><b>aws</b>: 1 changed, 1 canary</summary>');
    expect(markdown).toContain(
      '```diff\n- spec.template.spec.containers[name=mandelbrot].env[name=MANDELBROT_RELEASE].value: "continuous"\n+ spec.template.spec.containers[name=mandelbrot].env[name=MANDELBROT_RELEASE].value: "faster-cycles"\n```',
    );
    expect(markdown).not.toContain('s3cr3t-value');
    expect(markdown).not.toContain('cut');
  });

  test('stays under 60,000 characters by cutting whole objects, keeps what matters most, and says what was cut', () => {
    const diff = diffTrees(base, bigHead(200));
    const markdown = renderMarkdown(diff);
    expect(markdown.length).toBeLessThan(60000);
    expect(markdown.length).toBeGreaterThan(50000);
    const total = objectsOf(diff).length;
    const shown = count(markdown, /^\*\*(➕ added|➖ removed|✏️ changed)\*\* `/gm);
    const cut = total - shown;
    expect(shown).toBeGreaterThan(10);
    expect(cut).toBeGreaterThan(10);
    expect(markdown).toContain(`**What was cut** to keep this comment short enough for GitHub: the details of ${cut} objects.`);
    expect(markdown).toMatch(/_\d+ objects of this cluster cut for length; see the note below._/);
    // The permission change, the canary and the prune come first.
    expect(markdown).toContain('**✏️ changed** `AppProject argocd/trinity`');
    expect(markdown).toContain('**✏️ changed** `Rollout mandelbrot/mandelbrot`');
    expect(markdown).toContain('**➖ removed** `Service mandelbrot/mandelbrot`');
    // Whole objects only: every shown ConfigMap has all twelve settings and a closed fence.
    const blocks = [
      ...markdown.matchAll(/^\*\*➕ added\*\* `ConfigMap mandelbrot\/bulk-\d+` in [^\n]*\n\n[^\n]*\n\n```diff\n([\s\S]*?)\n```$/gm),
    ];
    expect(blocks.length).toBe(count(markdown, /^\*\*➕ added\*\* `ConfigMap mandelbrot\/bulk-/gm));
    for (const [, lines = ''] of blocks) expect(count(lines, /^\+ {3}setting-\d+: value-/gm)).toBe(12);
    expect(count(markdown, /^```diff$/gm)).toBe(count(markdown, /^```$/gm));
    expect(count(markdown, /<details>/g)).toBe(count(markdown, /<\/details>/g));
  });

  test('honours a smaller limit', () => {
    const markdown = renderMarkdown(diffTrees(base, bigHead(30)), { maxLength: 8000 });
    expect(markdown.length).toBeLessThan(8000);
    expect(markdown).toMatch(/\*\*What was cut\*\* .*: the details of \d+ objects/);
  });

  describe('with 100 new clusters', () => {
    const clusters = 100;
    const diff = diffTrees(base, withNewClusters(base, clusters));
    // The default limit holds every row of the summary table; the smaller one cuts rows as the
    // default does for some 500 clusters.
    test.each([
      { limit: 60000, rowsCut: false },
      { limit: 8000, rowsCut: true },
    ])('under $limit characters, with the summary table, its totals and the note on what was cut', ({ limit, rowsCut }) => {
      const markdown = renderMarkdown(diff, { maxLength: limit });
      expect(markdown.length).toBeLessThan(limit);
      expect(markdown).toContain('| Cluster | Added | Changed | Removed | Canaries started | Permission changes | Dangers |');
      // Each new cluster brings a new AppProject: a widening, flagged.
      expect(markdown).toContain(`| **all** | ${clusters * 7} | 0 | 0 | 0 | 🚨 widened (${clusters}) | ${clusters} |`);
      expect(markdown).toMatch(/\*\*What was cut\*\* to keep this comment short enough for GitHub: the details of \d+ objects/);
      if (rowsCut) expect(markdown).toMatch(/\| … \d+ more clusters \|/);
      else expect(markdown).not.toContain('more clusters');
      expect(markdown.endsWith('locally for everything.\n')).toBe(true);
      expect(count(markdown, /<details>/g)).toBe(count(markdown, /<\/details>/g));
    });
  });

  test('the dangers and warnings have their own budget, most severe first, with a count of the rest', () => {
    let head: Map<string, string> = new Map(base);
    for (let index = 0; index < 400; index++) {
      head.set(
        `aws/mandelbrot/secret-${index}.yaml`,
        stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `s-${index}`, namespace: 'mandelbrot' }, data: { k: 'dg==' } }),
      );
    }
    head = edited(head, 'gcp/argocd/appproject-trinity.yaml', (project) => project.spec.sourceRepos.push('https://example.com/other.git'));
    const markdown = renderMarkdown(diffTrees(base, head));
    expect(markdown.length).toBeLessThan(60000);
    const attention = markdown.slice(markdown.indexOf('> [!CAUTION]'), markdown.indexOf('<details>'));
    expect(attention.length).toBeLessThan(60000 * 0.3 + 200);
    expect(attention).toMatch(/> - … and \d+ more \(see the note at the end\)/);
    expect(markdown).toMatch(/\d+ danger or warning lines \(the most severe are shown\)/);
    expect(markdown).toContain('| **all** | 400 | 1 | 0 | 0 | 🚨 widened (1) | 401 |');
  });

  test('escapes file names and values: a newline and an HTML comment cannot hide the rest', () => {
    const file = 'aws/mandelbrot/x\n\n<!-- hidden|.yaml';
    const head = new Map(base).set(
      file,
      stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'odd`name', namespace: 'mandelbrot' },
        data: { 'key\n\n<!--': 'v' },
      }),
    );
    const markdown = renderMarkdown(diffTrees(base, head));
    // On one line, inside a code span: GitHub shows it as text.
    expect(markdown).toContain('**➕ added** ``ConfigMap mandelbrot/odd`name`` in `aws/mandelbrot/x\\n\\n<!-- hidden\\|.yaml`');
    for (const line of markdown.split('\n').filter((candidate) => candidate.includes('<!--'))) {
      expect(line).toMatch(/^(\*\*➕ added\*\* .* in `[^`]*<!--[^`]*`|\+ {3}"key\\n\\n<!--": v)$/);
    }
  });

  test('says so when nothing changed', () => {
    expect(renderMarkdown(diffTrees(base, base))).toBe('### Manifest changes in `dist/`\n\n`base` → `head`: no object changed.\n');
  });
});

describe('renderJson', () => {
  test('is the diff model as JSON, secrets masked', () => {
    const diff = diffTrees(base, mixedHead());
    const json = renderJson(diff);
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(diff)));
    expect(json).not.toContain('s3cr3t-value');
    expect(objectsOf(JSON.parse(json)).map((object) => `${object.change} ${object.kind}`)).toEqual([
      'changed Rollout',
      'removed Service',
      'added Secret',
      'changed AppProject',
    ]);
  });
});
