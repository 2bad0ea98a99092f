/** What `pgv test-and-upgrade` prints over many parts: a line per shape, the upgrade's run report, the verdict. Pure. */
import { ExitCode } from '../errors.js';
import type { FleetRehearsal, ShapeRehearsal } from '../fleet/rehearse-shapes.js';
import { renderCheckJson } from './check-json.js';
import { renderError } from './error-text.js';
import { renderRehearsal } from './rehearsal.js';
import { renderRunReport, type RunReport } from './run.js';
import { plural } from '../util/format.js';

/** Members named per shape in text before "… and N more" (the JSON names them all). */
const shownMembers = 6;

/** The report of a fleet rehearsal: exit code, text, --json document, stderr lines. */
export function renderFleetRehearsal(r: FleetRehearsal, verbose: boolean): RunReport {
  const applied = r.upgrade ? renderRunReport(r.upgrade, verbose) : undefined;
  const failed = r.shapes.filter((s) => !s.passed);
  const hardFailure = r.unreadable.length > 0 || failed.some((s) => s.error !== undefined || s.rehearsal?.outcome === 'failed-on-copy');
  const exitCode = applied && applied.exitCode !== ExitCode.ok ? applied.exitCode : hardFailure ? ExitCode.failed : failed.length ? ExitCode.differences : ExitCode.ok;
  const total = r.shapes.reduce((n, s) => n + s.members.length, 0) + r.unreadable.length;
  const untouched = failed.reduce((n, s) => n + s.members.length, 0) + r.unreadable.length;
  const lines = r.shapes.map((s, i) => `shape ${i + 1}/${r.shapes.length}: ${shapeName(s)}, ${members(s)}: ${verdict(s)}`);
  for (const f of r.unreadable) lines.push(`✖ ${f.label} (part ${f.part}): could not be read, not touched: ${f.error.message}`);
  if (applied) lines.push('', applied.text);
  lines.push(
    '',
    untouched
      ? `${total - untouched} of ${total} databases rehearsed and upgraded (or up to date); ${untouched} not touched: ${failed.map((s) => `shape ${r.shapes.indexOf(s) + 1}`).concat(r.unreadable.length ? ['the unreadable'] : []).join(', ')}.`
      : `${r.shapes.length} shape${r.shapes.length === 1 ? '' : 's'} rehearsed, once each; all ${total} databases upgraded (or up to date).`,
  );
  const errors = [
    ...failed.flatMap((s) => (s.error ? renderError(s.error, verbose) : s.rehearsal ? renderRehearsal(s.rehearsal, verbose).errors : [])),
    ...(applied?.errors ?? []),
  ];
  return {
    exitCode,
    text: lines.join('\n'),
    errors,
    json: {
      ok: exitCode === ExitCode.ok,
      shapes: r.shapes.map((s) => shapeJson(s)),
      unreadable: r.unreadable.map((f) => ({ database: f.label, part: f.part, error: f.error })),
      apply: applied ? applied.json : null,
    },
  };
}

function shapeJson(s: ShapeRehearsal): Record<string, unknown> {
  const r = s.rehearsal;
  return {
    version: s.version,
    fingerprint: s.fingerprint,
    count: s.members.length,
    databases: s.members.map((m) => m.label),
    parts: s.members.map((m) => m.part),
    rehearsed_on: s.representative,
    outcome: r ? r.outcome : 'error',
    passed: s.passed,
    phases: (r?.phases ?? []).map((p) => ({ name: p.name, status: p.status, duration_ms: Math.round(p.durationMs), ...(p.detail ? { detail: p.detail } : {}) })),
    ...(r?.method ? { method: r.method } : {}),
    ...(s.error ? { error: s.error.toJSON() } : r?.error ? { error: r.error.toJSON() } : {}),
    ...(r?.comparison ? { check: renderCheckJson(r.comparison.result, r.comparison.databases) } : {}),
  };
}

function shapeName(s: ShapeRehearsal): string {
  return s.fingerprint === null ? 'missing databases' : `version ${s.version ?? 'none'} · ${s.fingerprint.slice(0, 12)}`;
}

function members(s: ShapeRehearsal): string {
  const names = s.members.map((m) => m.label);
  const shown = names.length <= shownMembers ? names.join(', ') : `${names.slice(0, shownMembers).join(', ')}, … and ${names.length - shownMembers} more`;
  return `${names.length} database${names.length === 1 ? '' : 's'} (${shown})`;
}

function verdict(s: ShapeRehearsal): string {
  const on = `rehearsed on a copy of ${s.members[0]!.label}`;
  if (s.error) return `could not be rehearsed (${s.error.message}); not touched`;
  switch (s.rehearsal!.outcome) {
    case 'up-to-date':
      return 'up to date; nothing to rehearse';
    case 'rehearsed':
      return `${on}, identical to a fresh build; rolled out to its members (below)`;
    case 'failed-on-copy':
      return `${on}: the upgrade failed on the copy${s.rehearsal!.error ? ` (${s.rehearsal!.error.message})` : ''}; not touched`;
    case 'different': {
      const differences = s.rehearsal!.comparison!.result.differences;
      const where = (c: string) => (c === 'only-in-1' ? 'only in the upgraded copy' : c === 'only-in-2' ? 'only in the fresh build' : 'different');
      const shown = differences.slice(0, 3).map((d) => `${d.kind} ${d.name} (${where(d.change)})`);
      const more = differences.length > shown.length ? `; and ${differences.length - shown.length} more (--json)` : '';
      return `${on}: the upgraded copy differs from a fresh build (${plural(differences.length, 'difference')}: ${shown.join('; ')}${more}); not touched`;
    }
    case 'lock-policy':
      return `${on}: the trace broke the lock policy (lint.max_lock_ms); not touched`;
    default:
      return `${on}: ${s.rehearsal!.outcome}`;
  }
}
