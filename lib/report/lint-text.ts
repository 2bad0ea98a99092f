/** Lint findings for people: `file:line:col: level rule: message`, then why and the safe rewrite. Pure. */
import type { Finding } from '../lint/lint.js';
import { plural } from '../util/format.js';

/** One finding as its lines (`indent` before each). */
export function findingLines(f: Finding, indent = ''): string[] {
  return [`${indent}${f.file}:${f.line}:${f.column}: ${f.level} ${f.rule}: ${f.message}`, `${indent}  why: ${f.why}`, `${indent}  fix: ${f.fix}`];
}

/** The report of `pgv lint`. */
export function renderLintText(findings: readonly Finding[], scripts: number): string {
  const errors = findings.filter((f) => f.level === 'error').length;
  const warnings = findings.length - errors;
  const lines = findings.flatMap((f) => findingLines(f));
  lines.push(
    findings.length === 0
      ? `${plural(scripts, 'script')} linted: no findings.`
      : `${plural(findings.length, 'finding')} (${plural(errors, 'error')}, ${plural(warnings, 'warning')}) in ${plural(new Set(findings.map((f) => f.file)).size, 'script')}; ${plural(scripts, 'script')} linted.`,
  );
  return lines.join('\n');
}
