import { ClusterDiff, describeObject, ManifestDiff, ObjectDiff, objectsOf, Severity } from './diff-model.js';
import { describeCounts, prominentMeanings } from './render-text.js';
import { formatFieldChange, objectLines } from './value-display.js';

export interface MarkdownRenderOptions {
  /**
   * The result stays shorter than this many characters: whole objects are cut, the most
   * important kept, and a note says what was cut. GitHub rejects comments over 65,536.
   *
   * @default 60000
   */
  readonly maxLength?: number;
}

const SEVERITY_ICON: Record<Severity, string> = { danger: '🚨', warning: '⚠️', notice: '🔸', info: '▫️' };
const CHANGE_LABEL = { added: '➕ added', removed: '➖ removed', changed: '✏️ changed' } as const;
/** Room kept for the note that lists the cut objects. */
const CUT_NOTE_ROOM = 2000;

/** Text for Markdown paragraphs and list items: no accidental emphasis, links or HTML. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|#]/g, (character) => `\\${character}`);
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A fence longer than any run of backticks inside, so content never closes it. */
function fenced(language: string, lines: readonly string[]): string {
  const longest = Math.max(2, ...lines.map((line) => Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length))));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${lines.join('\n')}\n${fence}`;
}

function objectBlock(object: ObjectDiff): string {
  const moved = object.previousFile ? ` (moved from \`${object.previousFile}\`)` : '';
  const parts = [`**${CHANGE_LABEL[object.change]}** \`${describeObject(object)}\` in \`${object.file}\`${moved}`];
  parts.push(object.meanings.map((meaning) => `- ${SEVERITY_ICON[meaning.severity]} ${escapeMarkdown(meaning.message)}`).join('\n'));
  const lines = object.fields.flatMap((field) =>
    field.change === 'changed'
      ? [`- ${formatFieldChange({ ...field, change: 'removed' })}`, `+ ${formatFieldChange({ ...field, change: 'added' })}`]
      : [`${field.change === 'added' ? '+' : '-'} ${formatFieldChange(field)}`],
  );
  if (object.change === 'added' && object.object) lines.push(...objectLines(object.object).map((line) => `+ ${line}`));
  if (lines.length > 0) parts.push(fenced('diff', lines));
  return `${parts.join('\n\n')}\n`;
}

/** Lower comes first when room runs out: what a reviewer must not miss. */
function priorityOf(object: ObjectDiff): number {
  const severities = object.meanings.map((meaning) => meaning.severity);
  if (severities.includes('danger')) return 0;
  if (severities.includes('warning')) return 1;
  if (severities.includes('notice')) return 2;
  return 3;
}

function summaryTable(diff: ManifestDiff, maxRows: number): string {
  const permissionCell = (counts: ClusterDiff['counts']) =>
    [counts.permissionsWidened ? `🚨 widened (${counts.permissionsWidened})` : '', counts.permissionsNarrowed ? `narrowed (${counts.permissionsNarrowed})` : '']
      .filter(Boolean)
      .join(', ') || '—';
  const row = (name: string, counts: ClusterDiff['counts']) =>
    `| ${name} | ${counts.added} | ${counts.changed} | ${counts.removed} | ${counts.canaries} | ${permissionCell(counts)} |`;
  const rows = diff.clusters.slice(0, maxRows).map((cluster) => row(`\`${cluster.cluster}\``, cluster.counts));
  if (diff.clusters.length > maxRows) rows.push(`| … ${diff.clusters.length - maxRows} more clusters | | | | | |`);
  if (diff.clusters.length > 1) rows.push(row('**all**', diff.totals));
  return ['| Cluster | Added | Changed | Removed | Canaries started | Permission changes |', '| --- | ---: | ---: | ---: | ---: | --- |', ...rows].join('\n');
}

function header(diff: ManifestDiff, maxRows: number): string {
  const parts = [`### Manifest changes in \`dist/\``, `\`${escapeHtml(diff.base)}\` → \`${escapeHtml(diff.head)}\`: ${escapeMarkdown(describeCounts(diff.totals))}`];
  const prominent = prominentMeanings(diff);
  if (prominent.length > 0) {
    parts.push(['> [!CAUTION]', '> **Permissions widened.** Review these before approving:', ...prominent.map(({ where, meaning }) => `> - ${escapeMarkdown(`${where}: ${meaning.message}`)}`)].join('\n'));
  }
  parts.push(summaryTable(diff, maxRows));
  return `${parts.join('\n\n')}\n`;
}

/**
 * The diff as a pull-request comment: a summary table, the permission changes called out, then
 * one collapsible section per cluster with every object by Application.
 */
export function renderMarkdown(diff: ManifestDiff, options: MarkdownRenderOptions = {}): string {
  const maxLength = options.maxLength ?? 60000;
  if (diff.clusters.length === 0) {
    return `### Manifest changes in \`dist/\`\n\n\`${escapeHtml(diff.base)}\` → \`${escapeHtml(diff.head)}\`: no object changed.\n`;
  }
  let rows = diff.clusters.length;
  let top = header(diff, rows);
  while (top.length > maxLength / 2 && rows > 1) top = header(diff, (rows = Math.floor(rows / 2)));

  const objects = objectsOf(diff);
  const blocks = new Map(objects.map((object) => [object, objectBlock(object)]));
  const kept = new Set<ObjectDiff>();
  let room = maxLength - top.length - CUT_NOTE_ROOM - skeletonLength(diff);
  const ranked = objects.map((object, order) => ({ object, order, priority: priorityOf(object) })).sort((a, b) => a.priority - b.priority || a.order - b.order);
  for (const { object } of ranked) {
    const size = blocks.get(object)!.length + 1;
    if (size <= room) {
      kept.add(object);
      room -= size;
    }
  }

  const sections = diff.clusters.map((cluster) => clusterSection(cluster, blocks, kept));
  const cut = objects.filter((object) => !kept.has(object));
  let text = [top, ...sections, cut.length > 0 ? cutNote(cut) : ''].join('\n');
  // Only reachable with a header near the limit: keep the summary, drop the details.
  if (text.length >= maxLength) text = `${top}\n${cutNote(objects)}`.slice(0, maxLength - 1);
  return text;
}

/**
 * Characters of everything but the object blocks, at most: cluster sections with their cut line
 * as if every object were cut, and Application headings.
 */
function skeletonLength(diff: ManifestDiff): number {
  const perCluster = (cluster: ClusterDiff) =>
    clusterSection(cluster, new Map(), new Set()).length + cluster.groups.reduce((sum, group) => sum + groupHeading(group.applications).length + 1, 0);
  return diff.clusters.reduce((sum, cluster) => sum + perCluster(cluster) + 1, 0);
}

function groupHeading(applications: readonly string[]): string {
  return applications.length > 0 ? `#### Application ${applications.map((name) => `\`${name}\``).join(', ')}\n` : '#### No Application (applied by hand)\n';
}

function clusterSection(cluster: ClusterDiff, blocks: Map<ObjectDiff, string>, kept: Set<ObjectDiff>): string {
  const parts = [`<details>\n<summary><b>${escapeHtml(cluster.cluster)}</b>: ${escapeHtml(describeCounts(cluster.counts))}</summary>\n`];
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

function cutNote(cut: readonly ObjectDiff[]): string {
  const lines = [`**${cut.length} object${cut.length === 1 ? '' : 's'} cut** to keep this comment short enough for GitHub; run \`npm run diff\` locally for everything. Cut:`];
  let length = lines[0].length;
  for (const [index, object] of cut.entries()) {
    const line = `- \`${object.cluster}\`: ${object.change} \`${describeObject(object)}\``;
    if (length + line.length > CUT_NOTE_ROOM - 200) {
      lines.push(`- … and ${cut.length - index} more`);
      break;
    }
    lines.push(line);
    length += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}
