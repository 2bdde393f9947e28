import { painter, type TextStyle } from '../util/terminal-color.js';
import { type ChangeCounts, describeObject, type ManifestDiff, type ObjectDiff, objectsOf, type Severity } from './diff-model.js';
import { formatFieldChange, objectLines } from './value-display.js';

export interface TextRenderOptions {
  /**
   * ANSI colours, for a terminal.
   *
   * @default false
   */
  readonly color?: boolean;
}

const SEVERITY_MARK: Record<Severity, string> = { danger: '!!', warning: '!', notice: '»', info: '·' };
const SEVERITY_STYLE: Record<Severity, TextStyle> = { danger: ['red', 'bold'], warning: 'yellow', notice: 'cyan', info: 'dim' };
const CHANGE_MARK = { added: '+', removed: '-', changed: '~' } as const;
const CHANGE_STYLE: Record<ObjectDiff['change'], TextStyle> = { added: 'green', removed: 'red', changed: 'yellow' };

/** `2 added, 1 changed, 1 canary, permissions widened in 1 AppProject`: the non-zero counts. */
export function describeCounts(counts: ChangeCounts): string {
  const parts: string[] = [];
  const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
  if (counts.added) parts.push(`${counts.added} added`);
  if (counts.changed) parts.push(`${counts.changed} changed`);
  if (counts.removed) parts.push(`${counts.removed} removed`);
  if (counts.canaries) parts.push(plural(counts.canaries, 'canary', 'canaries'));
  if (counts.permissionsWidened) parts.push(`permissions widened in ${plural(counts.permissionsWidened, 'AppProject')}`);
  if (counts.permissionsNarrowed) parts.push(`permissions narrowed in ${plural(counts.permissionsNarrowed, 'AppProject')}`);
  if (counts.warnings) parts.push(plural(counts.warnings, 'warning'));
  return parts.join(', ');
}

/** The diff's counts, with the files Argo CD reads differently: `1 added, 1 file Argo CD reads differently`. */
export function describeTotals(diff: ManifestDiff): string {
  const plural = (count: number) => `${count} file${count === 1 ? '' : 's'}`;
  const review = diff.files.filter((file) => file.code === 'review-code').length;
  const read = diff.files.length - review;
  const files = read === 0 ? '' : `${plural(read)} Argo CD reads differently`;
  const code = review === 0 ? '' : `${plural(review)} of the review's own code changed`;
  return [describeCounts(diff.totals) || 'no object changed', files, code].filter(Boolean).join(', ');
}

/** A danger or warning of the diff, with where it is. */
export interface AttentionItem {
  /** `aws: Rollout mandelbrot/mandelbrot`, or the file for a file finding. */
  readonly where: string;
  readonly severity: Severity;
  readonly message: string;
}

/** Every danger and warning of the diff, file findings included, most severe first. */
export function attentionItems(diff: ManifestDiff): AttentionItem[] {
  const items: AttentionItem[] = diff.files.map((file) => ({
    where: file.cluster === '' ? file.file : `${file.cluster}: ${file.file}`,
    severity: file.severity,
    message: file.message,
  }));
  for (const object of objectsOf(diff)) {
    for (const meaning of object.meanings) {
      if (meaning.severity === 'danger' || meaning.severity === 'warning')
        items.push({ where: `${object.cluster}: ${describeObject(object)}`, severity: meaning.severity, message: meaning.message });
    }
  }
  const rank = { danger: 0, warning: 1, notice: 2, info: 3 };
  return items
    .filter((item) => item.severity === 'danger' || item.severity === 'warning')
    .sort((a, b) => rank[a.severity] - rank[b.severity]);
}

/** The diff for a terminal or a log: grouped by cluster, then Application, every field shown. */
export function renderText(diff: ManifestDiff, options: TextRenderOptions = {}): string {
  const paint = painter(options.color);
  const lines: string[] = [];
  lines.push(paint('bold', `Manifest changes in dist/: ${diff.base} → ${diff.head}`));
  if (diff.clusters.length === 0 && diff.files.length === 0) {
    lines.push('No object changed.');
    return `${lines.join('\n')}\n`;
  }
  lines.push(`${diff.clusters.length} cluster${diff.clusters.length === 1 ? '' : 's'}: ${describeTotals(diff)}`);
  for (const item of attentionItems(diff).filter((candidate) => candidate.severity === 'danger')) {
    lines.push(paint(SEVERITY_STYLE.danger, `${SEVERITY_MARK.danger} ${item.where}: ${item.message}`));
  }
  for (const file of diff.files.filter((candidate) => candidate.severity !== 'danger')) {
    lines.push(
      paint(
        SEVERITY_STYLE[file.severity],
        `${SEVERITY_MARK[file.severity]} ${file.cluster === '' ? '' : `${file.cluster}: `}${file.file}: ${file.message}`,
      ),
    );
  }
  for (const cluster of diff.clusters) {
    lines.push('', paint('bold', `cluster ${cluster.cluster}: ${describeCounts(cluster.counts)}`));
    for (const group of cluster.groups) {
      const owner = group.applications.length > 0 ? `Application ${group.applications.join(', ')}` : 'no Application (applied by hand)';
      lines.push(`  ${paint('bold', owner)}`);
      for (const object of group.objects) {
        const moved = object.previousFile ? ` (moved from ${object.previousFile})` : '';
        lines.push(
          `    ${paint(CHANGE_STYLE[object.change], `${CHANGE_MARK[object.change]} ${describeObject(object)}`)}  ${paint('dim', `${object.file}${moved}`)}`,
        );
        for (const meaning of object.meanings) {
          lines.push(`        ${paint(SEVERITY_STYLE[meaning.severity], `${SEVERITY_MARK[meaning.severity]} ${meaning.message}`)}`);
        }
        for (const field of object.fields) {
          lines.push(`        ${paint(CHANGE_STYLE[field.change], `${CHANGE_MARK[field.change]} ${formatFieldChange(field)}`)}`);
        }
        if (object.change === 'added' && object.object) {
          for (const line of objectLines(object.object)) lines.push(`        ${paint('green', `+ ${line}`)}`);
        }
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
