import { type ClusterDiff, describeObject, type ManifestDiff, type ObjectDiff, objectsOf, type Severity } from './diff-model.js';
import { fencedBlock, htmlText, inlineCode, markdownText } from './markdown-escape.js';
import { attentionItems, describeCounts, describeTotals } from './render-text.js';
import { formatFieldChange, objectLines } from './value-display.js';

export interface MarkdownRenderOptions {
  /**
   * The result stays shorter than this many characters, whatever the input: GitHub rejects
   * comments over 65,536. The summary table and the note on what was cut always stay.
   *
   * @default 60000
   */
  readonly maxLength?: number;
}

const SEVERITY_ICON: Record<Severity, string> = { danger: '🚨', warning: '⚠️', notice: '🔸', info: '▫️' };
const CHANGE_LABEL = { added: '➕ added', removed: '➖ removed', changed: '✏️ changed' } as const;

/** Shares of `maxLength`: the summary table, the list of dangers and warnings; the details get the rest. */
const TABLE_SHARE = 0.2;
const ATTENTION_SHARE = 0.3;
/** Room kept for the note that says what was cut. */
const CUT_NOTE_ROOM = 1500;

function objectBlock(object: ObjectDiff): string {
  const moved = object.previousFile ? ` (moved from ${inlineCode(object.previousFile)})` : '';
  const parts = [`**${CHANGE_LABEL[object.change]}** ${inlineCode(describeObject(object))} in ${inlineCode(object.file)}${moved}`];
  parts.push(object.meanings.map((meaning) => `- ${SEVERITY_ICON[meaning.severity]} ${markdownText(meaning.message)}`).join('\n'));
  const lines = object.fields.flatMap((field) =>
    field.change === 'changed'
      ? [`- ${formatFieldChange({ ...field, change: 'removed' })}`, `+ ${formatFieldChange({ ...field, change: 'added' })}`]
      : [`${field.change === 'added' ? '+' : '-'} ${formatFieldChange(field)}`],
  );
  if (object.change === 'added' && object.object) lines.push(...objectLines(object.object).map((line) => `+ ${line}`));
  if (lines.length > 0) parts.push(fencedBlock('diff', lines));
  return `${parts.join('\n\n')}\n`;
}

const SEVERITY_RANK: Record<Severity, number> = { danger: 0, warning: 1, notice: 2, info: 3 };

/** Lower comes first when room runs out: what a reviewer must not miss. */
function priorityOf(object: ObjectDiff): number {
  return Math.min(3, ...object.meanings.map((meaning) => SEVERITY_RANK[meaning.severity]));
}

type Counts = ClusterDiff['counts'];

function permissionCell(counts: Counts): string {
  const parts = [
    counts.permissionsWidened ? `🚨 widened (${counts.permissionsWidened})` : '',
    counts.permissionsNarrowed ? `narrowed (${counts.permissionsNarrowed})` : '',
  ];
  return parts.filter(Boolean).join(', ') || '—';
}

const tableRow = (name: string, counts: Counts) =>
  `| ${name} | ${counts.added} | ${counts.changed} | ${counts.removed} | ${counts.canaries} | ${permissionCell(counts)} | ${counts.dangers} |`;

/** The summary table within `budget` characters: as many cluster rows as fit, then a count of the rest, then the totals. */
function summaryTable(diff: ManifestDiff, budget: number): { text: string; cutRows: number } {
  const lines = [
    '| Cluster | Added | Changed | Removed | Canaries started | Permission changes | Dangers |',
    '| --- | ---: | ---: | ---: | ---: | --- | ---: |',
  ];
  const totals = diff.clusters.length > 1 ? tableRow('**all**', diff.totals) : '';
  let length = lines.join('\n').length + totals.length + 200;
  let shown = 0;
  for (const cluster of diff.clusters) {
    const row = tableRow(inlineCode(cluster.cluster), cluster.counts);
    if (length + row.length + 1 > budget) break;
    lines.push(row);
    length += row.length + 1;
    shown++;
  }
  const cutRows = diff.clusters.length - shown;
  if (cutRows > 0) lines.push(`| … ${cutRows} more cluster${cutRows === 1 ? '' : 's'} | | | | | | |`);
  if (totals) lines.push(totals);
  return { text: lines.join('\n'), cutRows };
}

/** Dangers and warnings, most severe first, within `budget` characters; the rest counted. */
function attentionList(diff: ManifestDiff, budget: number): { text: string; cut: number } {
  const items = attentionItems(diff);
  if (items.length === 0) return { text: '', cut: 0 };
  const dangers = items.some((item) => item.severity === 'danger');
  const lines = [dangers ? '> [!CAUTION]' : '> [!WARNING]', `> **${dangers ? 'Dangers' : 'Warnings'} to review before approving:**`];
  let length = lines.join('\n').length + 100;
  let shown = 0;
  for (const item of items) {
    const line = `> - ${SEVERITY_ICON[item.severity]} ${inlineCode(item.where)}: ${markdownText(item.message)}`;
    if (length + line.length + 1 > budget) break;
    lines.push(line);
    length += line.length + 1;
    shown++;
  }
  const cut = items.length - shown;
  if (cut > 0) lines.push(`> - … and ${cut} more (see the note at the end)`);
  return { text: lines.join('\n'), cut };
}

/**
 * The diff as a pull-request comment: the counts, a summary table, the dangers and warnings
 * (each within its own share of the length), then one collapsible section per cluster with every
 * object by Application, and a note saying what was cut for length.
 */
export function renderMarkdown(diff: ManifestDiff, options: MarkdownRenderOptions = {}): string {
  const maxLength = options.maxLength ?? 60000;
  const title = `### Manifest changes in ${inlineCode('dist/')}`;
  const sides = `${inlineCode(diff.base.slice(0, 200))} → ${inlineCode(diff.head.slice(0, 200))}`;
  if (diff.clusters.length === 0 && diff.files.length === 0) return `${title}\n\n${sides}: no object changed.\n`;

  const table = summaryTable(diff, Math.floor(maxLength * TABLE_SHARE));
  const attention = attentionList(diff, Math.floor(maxLength * ATTENTION_SHARE));
  const top = [title, `${sides}: ${markdownText(describeTotals(diff))}`, table.text, attention.text].filter(Boolean).join('\n\n') + '\n';

  const objects = objectsOf(diff);
  const blocks = new Map<ObjectDiff, string>();
  const kept = new Set<ObjectDiff>();
  let room = maxLength - top.length - CUT_NOTE_ROOM - skeletonLength(diff);
  const ranked = objects
    .map((object, order) => ({ object, order, priority: priorityOf(object) }))
    .sort((a, b) => a.priority - b.priority || a.order - b.order);
  for (const { object } of ranked) {
    // A huge object (a ConfigMap of 80,000 keys) is not rendered only to be cut.
    if (object.object && leafCount(object.object, room) > room / 8) continue;
    const block = objectBlock(object);
    if (block.length + 1 <= room) {
      blocks.set(object, block);
      kept.add(object);
      room -= block.length + 1;
    }
  }
  let sections = diff.clusters.map((cluster) => clusterSection(cluster, blocks, kept)).join('\n');
  // With very many clusters even the empty sections do not fit: then none is shown.
  if (room < 0) {
    kept.clear();
    sections = '';
  }
  const note = cutNote({
    objects: objects.length - kept.size,
    rows: table.cutRows,
    attention: attention.cut,
    sectionsDropped: sections === '' && diff.clusters.length > 0,
  });
  return [top, sections, note].filter(Boolean).join('\n');
}

/** Leaves under `value`, counting no further than `limit`: each becomes at least one line of about 8 characters. */
function leafCount(value: unknown, limit: number): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && count <= limit) {
    const item = stack.pop();
    if (item && typeof item === 'object') for (const child of Object.values(item)) stack.push(child);
    else count++;
  }
  return count;
}

/** Characters of the cluster sections without any object block, at most. */
function skeletonLength(diff: ManifestDiff): number {
  const perCluster = (cluster: ClusterDiff) =>
    clusterSection(cluster, new Map(), new Set()).length +
    cluster.groups.reduce((sum, group) => sum + groupHeading(group.applications).length + 1, 0);
  return diff.clusters.reduce((sum, cluster) => sum + perCluster(cluster) + 1, 0);
}

function groupHeading(applications: readonly string[]): string {
  return applications.length > 0
    ? `#### Application ${applications.map(inlineCode).join(', ')}\n`
    : '#### No Application (applied by hand)\n';
}

function clusterSection(cluster: ClusterDiff, blocks: Map<ObjectDiff, string>, kept: Set<ObjectDiff>): string {
  const parts = [`<details>\n<summary><b>${htmlText(cluster.cluster)}</b>: ${htmlText(describeCounts(cluster.counts))}</summary>\n`];
  let cut = 0;
  for (const group of cluster.groups) {
    const shown = group.objects.filter((object) => kept.has(object));
    cut += group.objects.length - shown.length;
    if (shown.length === 0) continue;
    parts.push(groupHeading(group.applications), ...shown.map((object) => blocks.get(object)!));
  }
  if (cut > 0) parts.push(`_${cut} object${cut === 1 ? '' : 's'} of this cluster cut for length; see the note below._\n`);
  parts.push('</details>\n');
  return parts.join('\n');
}

/** What was left out, in counts: always short, so it always fits. */
function cutNote(cut: { objects: number; rows: number; attention: number; sectionsDropped: boolean }): string {
  const parts: string[] = [];
  if (cut.objects > 0)
    parts.push(
      `the details of ${cut.objects} object${cut.objects === 1 ? '' : 's'}${cut.sectionsDropped ? ' (every cluster section)' : ''}`,
    );
  if (cut.attention > 0) parts.push(`${cut.attention} danger or warning line${cut.attention === 1 ? '' : 's'} (the most severe are shown)`);
  if (cut.rows > 0) parts.push(`${cut.rows} row${cut.rows === 1 ? '' : 's'} of the summary table (the totals row counts them)`);
  if (parts.length === 0) return '';
  return `**What was cut** to keep this comment short enough for GitHub: ${parts.join('; ')}. Run ${inlineCode('npm run diff')} locally for everything.\n`;
}
