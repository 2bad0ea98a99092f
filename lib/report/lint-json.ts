/** The `--json` form of lint findings; described by schemas/pgv.lint.schema.json. Pure. */
import type { Finding } from '../lint/lint.js';

/** One finding as JSON. */
export function findingJson(f: Finding): Record<string, unknown> {
  return { file: f.file, line: f.line, column: f.column, rule: f.rule, level: f.level, message: f.message, why: f.why, fix: f.fix };
}

/** The document `pgv lint --json` prints. */
export function renderLintJson(findings: readonly Finding[], scripts: number): unknown {
  const errors = findings.filter((f) => f.level === 'error').length;
  return { ok: errors === 0, scripts, errors, warnings: findings.length - errors, findings: findings.map(findingJson) };
}
