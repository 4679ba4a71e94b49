/** Markdown tables for bench/RESULTS.md sections. */
export interface MarkdownColumn {
  title: string;
  /** Numbers read best right-aligned. */
  align?: 'left' | 'right' | 'center';
}

function escapeCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A GitHub-flavoured Markdown table; every row must have one cell per column. */
export function renderMarkdownTable(columns: readonly MarkdownColumn[], rows: readonly (readonly string[])[]): string {
  rows.forEach((row, index) => {
    if (row.length !== columns.length) {
      throw new RangeError(`Markdown table row ${index} has ${row.length} cells for ${columns.length} columns`);
    }
  });
  const header = `| ${columns.map((column) => escapeCell(column.title)).join(' | ')} |`;
  const rule = `|${columns
    .map((column) => (column.align === 'right' ? '---:' : column.align === 'center' ? ':---:' : '---'))
    .map((cell) => `${cell}|`)
    .join('')}`;
  const body = rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`);
  return [header, rule, ...body].join('\n') + '\n';
}

/** "8,909" */
export function formatCount(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-';
}

/** "78.8%" of a share in [0, 1]. */
export function formatShare(value: number): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : '-';
}
