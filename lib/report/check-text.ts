/**
 * A check for people: the differences grouped by kind (`-` only in db1, `+` only in db2, `~`
 * different, with the differing properties of both sides), then a count per kind. Pure.
 */
import { kinds as allKinds, type Comparison, type Definition, type Difference, type KindSummary, type Value } from '../check/model.js';
import { changedSpan, collapseUnchanged, diffLines } from './text-diff.js';

/** What the report says about the two databases and what was left out. */
export interface CheckReportContext {
  /** One line each: which database is db1 and which db2. */
  readonly db1: string;
  readonly db2: string;
  /** Show whole definitions (of objects on one side, and every line of long texts). */
  readonly verbose: boolean;
}

const marks = { 'only-in-1': '-', 'only-in-2': '+', different: '~' } as const;

/** Render a comparison as text. */
export function renderCheckText(result: Comparison, context: CheckReportContext): string {
  const lines = [`db1: ${context.db1}`, `db2: ${context.db2}`];
  if (!result.identical) lines.push('(- only in db1, + only in db2, ~ different: the differing properties of both)');
  for (const s of result.summary) {
    const diffs = result.differences.filter((d) => d.kind === s.kind);
    if (diffs.length === 0) continue;
    lines.push('', `${s.kind}: ${counts(s)}`);
    for (const d of diffs) lines.push(...renderDifference(d, context.verbose));
  }
  lines.push('', ...summaryTable(result.summary));
  const compared = result.summary.map((s) => s.kind);
  const skipped = allKinds.filter((k) => !compared.includes(k));
  const objects = result.summary.reduce((n, s) => n + Math.max(s.db1, s.db2), 0);
  const differing = result.summary.filter((s) => s.onlyIn1 + s.onlyIn2 + s.different > 0).length;
  lines.push(
    '',
    result.identical
      ? `Identical: ${objects} object${objects === 1 ? '' : 's'} in ${compared.length} kind${compared.length === 1 ? '' : 's'} compared.`
      : `Different: ${result.differences.length} difference${result.differences.length === 1 ? '' : 's'} in ${differing} kind${differing === 1 ? '' : 's'}.`,
  );
  if (skipped.length) lines.push(`Not compared: ${skipped.join(', ')}${skipped.some((k) => k === 'privileges' || k === 'comments') ? ' (opt-in kinds: --include privileges,comments)' : ''}.`);
  return lines.join('\n');
}

function counts(s: KindSummary): string {
  const parts: string[] = [];
  if (s.onlyIn1) parts.push(`${s.onlyIn1} only in db1`);
  if (s.onlyIn2) parts.push(`${s.onlyIn2} only in db2`);
  if (s.different) parts.push(`${s.different} different`);
  return parts.join(', ');
}

function summaryTable(summary: readonly KindSummary[]): string[] {
  const header = ['kind', 'db1', 'db2', 'only in db1', 'only in db2', 'different'];
  const rows = summary.map((s) => [s.kind, String(s.db1), String(s.db2), String(s.onlyIn1), String(s.onlyIn2), String(s.different)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

function renderDifference(d: Difference, verbose: boolean): string[] {
  if (d.change !== 'different') {
    const head = `  ${marks[d.change]} ${d.name}`;
    const def = d.db1 ?? d.db2 ?? {};
    if (!verbose) return [head];
    return [head, ...Object.entries(def).flatMap(([k, v]) => property(k, v))];
  }
  const out = [`  ${marks[d.change]} ${d.name}`];
  const a = d.db1 ?? {};
  const b = d.db2 ?? {};
  for (const key of keysOf(a, b)) {
    if (sameValue(a[key], b[key])) continue;
    out.push(`      ${key}:`, ...changedProperty(a[key], b[key], verbose));
  }
  return out;
}

function keysOf(a: Definition, b: Definition): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])];
}

function sameValue(a: Value | undefined, b: Value | undefined): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

/** A value as lines: a list one item per line, a text line by line. */
function linesOf(v: Value | undefined): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map(String);
  return String(v).split('\n');
}

function oneLine(v: Value | undefined): string {
  if (v === undefined || v === null) return '(none)';
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

function property(key: string, v: Value): string[] {
  const lines = linesOf(v);
  if (lines.length <= 1 && !Array.isArray(v)) return [`      ${key}: ${oneLine(v)}`];
  return [`      ${key}:`, ...lines.map((l) => `          ${l}`)];
}

/** Both sides of one changed property; the change marked with carets or -/+ lines. */
function changedProperty(a: Value | undefined, b: Value | undefined, verbose: boolean): string[] {
  const la = linesOf(a);
  const lb = linesOf(b);
  const multiLine = la.length > 1 || lb.length > 1 || (Array.isArray(a) && la.length > 0 && Array.isArray(b) && lb.length > 0);
  if (!multiLine) {
    const left = oneLine(a);
    const right = oneLine(b);
    const out = [`        db1: ${left}`, `        db2: ${right}`];
    if (typeof a === 'string' && typeof b === 'string') {
      const [start, end] = changedSpan(a, b);
      out.push(`             ${' '.repeat(start)}${'^'.repeat(Math.max(1, end - start))}`);
    }
    return out;
  }
  const diff = diffLines(la, lb);
  // Short texts are shown whole; long ones keep 3 lines around each change (all with --verbose).
  const shown = verbose || diff.length <= 20 ? diff : collapseUnchanged(diff, 3);
  return [
    '        (- db1, + db2)',
    ...shown.map((l) => `        ${l.op} ${l.text}`.trimEnd()),
  ];
}
