/**
 * Linting one script: parse it with the PostgreSQL grammar, run every rule on every statement,
 * drop what ignore comments silence, apply the levels. Pure given a loaded parser.
 */
import type { Comment, Parser, ParsedStatement } from './parse.js';
import { createdTables, notRobust, rules, type LintLevel, type RuleContext } from './rules.js';
import { levelOf, type LintSettings } from './settings.js';
import { nodeOf } from './tree.js';

/** One finding: where, which rule, what, why it hurts and the safe rewrite. */
export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly rule: string;
  readonly level: LintLevel;
  readonly message: string;
  readonly why: string;
  readonly fix: string;
}

/** A script to lint: its file (as shown), its text, and whether it runs in a transaction. */
export interface LintInput {
  readonly file: string;
  readonly text: string;
  readonly transactional: boolean;
}

const ignoreLine = /^(?:--|\/\*)\s*(squawk-ignore|pgv:lint-ignore)(-file)?\b([^*]*)/i;

/** Lint one script. */
export function lintScript(input: LintInput, settings: LintSettings, parser: Parser): Finding[] {
  const { file, text } = input;
  const at = lineIndex(text);
  const parsed = parser.parse(text);
  if (!parsed.ok) {
    const { line, column } = at(parsed.offset);
    return [{ file, line, column, rule: 'syntax-error', level: 'error', message: parsed.message, why: 'the script cannot run: PostgreSQL stops at this point', fix: 'fix the SQL (the position is where the grammar stopped)' }];
  }
  const ignores = readIgnores(text, /squawk-ignore|lint-ignore/i.test(text) ? parser.comments(text) : []);
  const statements = parsed.statements;
  const created = new Set<string>();
  const notIdempotent = input.transactional ? -1 : statements.findIndex((s) => notRobust(...nodeOf(s.node)));
  const findings: Finding[] = [];
  statements.forEach((s, index) => {
    const [type, body] = nodeOf(s.node);
    const start = significantStart(text, s);
    const silenced = ignoresBefore(ignores, statements[index - 1]?.end ?? 0, start);
    const ctx: RuleContext = { transactional: input.transactional, created, count: statements.length, index, notIdempotent };
    for (const rule of rules) {
      const level = levelOf(rule.id, settings);
      if (level === 'off' || silenced(rule.id)) continue;
      const v = rule.check(type, body, ctx);
      if (v) findings.push({ file, ...at(start), rule: rule.id, level, ...v });
    }
    for (const t of createdTables(s.node)) created.add(t);
  });
  return findings;
}

interface Ignore {
  readonly rules: ReadonlySet<string> | 'all';
  readonly file: boolean;
  readonly start: number;
}

/** `-- squawk-ignore RULE[,RULE]` and `-- pgv:lint-ignore RULE` (also `-file` variants, and none = every rule). */
function readIgnores(text: string, comments: readonly Comment[]): Ignore[] {
  const out: Ignore[] = [];
  for (const c of comments) {
    const m = ignoreLine.exec(c.text);
    if (!m) continue;
    // After the rule list, `--` starts a free-text reason (squawk's convention).
    const list = (m[3] ?? '').split('--')[0]!.split(/[\s,]+/).filter(Boolean).map((r) => r.toLowerCase());
    out.push({ rules: list.length ? new Set(list) : 'all', file: m[2] !== undefined, start: c.start });
  }
  return out;
}

/** Is `rule` silenced for a statement whose leading comments lie between `from` and `to`? */
function ignoresBefore(ignores: readonly Ignore[], from: number, to: number): (rule: string) => boolean {
  const active = ignores.filter((i) => i.file || (i.start >= from && i.start < to));
  if (active.length === 0) return () => false;
  return (rule) => active.some((i) => i.rules === 'all' || i.rules.has(rule));
}

/** Where a statement really starts: after white space and comments before it. */
function significantStart(text: string, s: ParsedStatement): number {
  let i = s.start;
  for (;;) {
    while (i < s.end && /\s/.test(text[i]!)) i++;
    if (text.startsWith('--', i)) {
      const eol = text.indexOf('\n', i);
      if (eol < 0 || eol >= s.end) return i;
      i = eol + 1;
    } else if (text.startsWith('/*', i)) {
      const close = text.indexOf('*/', i + 2);
      if (close < 0 || close >= s.end) return i;
      i = close + 2;
    } else return i;
  }
}

/** offset → 1-based line and column, by binary search over the line starts (big dumps have many statements). */
function lineIndex(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}
