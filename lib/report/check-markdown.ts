/** A comparison as Markdown: a summary table by kind, then a table of the differences. Pure. */
import type { Comparison } from '../check/model.js';
import { cell, code, table } from './markdown.js';

/** Render `pgv check`'s result for a pull-request comment or $GITHUB_STEP_SUMMARY. */
export function renderCheckMarkdown(result: Comparison, context: { readonly db1: string; readonly db2: string }): string {
  const lines = ['## pgv check', '', `- db1: ${code(context.db1)}`, `- db2: ${code(context.db2)}`, '', result.identical ? 'Identical.' : `Different: ${result.differences.length} difference${result.differences.length === 1 ? '' : 's'}.`];
  lines.push('', ...table(['kind', 'db1', 'db2', 'only in db1', 'only in db2', 'different'], result.summary.map((s) => [s.kind, String(s.db1), String(s.db2), String(s.onlyIn1), String(s.onlyIn2), String(s.different)])));
  if (result.differences.length) {
    const change = { 'only-in-1': 'only in db1', 'only-in-2': 'only in db2', different: 'different' } as const;
    lines.push('', '### Differences', '', ...table(['kind', 'object', 'change'], result.differences.map((d) => [d.kind, cell(d.name), change[d.change]])));
  }
  return lines.join('\n');
}
