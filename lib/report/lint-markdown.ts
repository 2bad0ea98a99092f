/** Lint findings as Markdown: a table of findings per script file. Pure. */
import type { Finding } from '../lint/lint.js';
import { cell, code, table } from './markdown.js';

/** Render `pgv lint`'s findings for a pull-request comment or $GITHUB_STEP_SUMMARY. */
export function renderLintMarkdown(findings: readonly Finding[], scripts: number): string {
  const errors = findings.filter((f) => f.level === 'error').length;
  const lines = ['## pgv lint', '', findings.length === 0 ? `${scripts} script${scripts === 1 ? '' : 's'} linted: no findings.` : `${findings.length} finding${findings.length === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}) in ${scripts} script${scripts === 1 ? '' : 's'} linted.`];
  const files = [...new Set(findings.map((f) => f.file))];
  for (const file of files) {
    const rows = findings.filter((f) => f.file === file).map((f) => [`${f.line}:${f.column}`, f.level === 'error' ? ':x: error' : ':warning: warning', code(f.rule), cell(f.message), cell(f.fix)]);
    lines.push('', `### ${code(file)}`, '', ...table(['where', 'level', 'rule', 'finding', 'safe rewrite'], rows));
  }
  return lines.join('\n');
}
