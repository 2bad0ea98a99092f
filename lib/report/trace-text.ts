/** A trace for people: the blocking and slow statements first, each with its locks and rewrites. Pure. */
import { blockingMs, policyKey, worstFirst, type PolicyViolation, type Trace, type TracedLock } from '../trace/model.js';
import { formatDuration } from '../util/format.js';

const kinds: Record<string, string> = { r: 'table', p: 'partitioned table', i: 'index', I: 'partitioned index', m: 'materialized view', t: 'toast table', S: 'sequence' };

/** Bytes as people read them (1.1 GB, 8.0 kB). */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

function relation(l: { relation: string; kind: string; sizeBytes: number | null; rowsEstimate?: number | null }): string {
  const facts = [kinds[l.kind] ?? l.kind, l.sizeBytes === null ? 'new' : formatBytes(l.sizeBytes), ...(l.rowsEstimate !== undefined && l.rowsEstimate !== null && l.rowsEstimate >= 0 && l.kind !== 'i' ? [`~${Math.round(l.rowsEstimate).toLocaleString('en-US')} rows`] : [])];
  return `${l.relation} (${facts.join(', ')})`;
}

function lockLine(l: TracedLock): string {
  return `${l.mode} on ${relation(l)}${l.heldMs !== undefined ? `, held ${formatDuration(l.heldMs)}` : ''}`;
}

/** The report of `pgv trace` / `test-and-upgrade --trace`. */
export function renderTraceText(trace: Trace, violations: readonly PolicyViolation[]): string {
  const lines = [`trace on ${trace.database}: ${trace.statements.length} statement${trace.statements.length === 1 ? '' : 's'} in ${formatDuration(trace.durationMs)} (blocking and slow first)`];
  for (const s of worstFirst(trace.statements)) {
    const blocking = blockingMs(s);
    lines.push(`${s.script}:${s.line}  ${s.text}`);
    lines.push(`    ${formatDuration(s.durationMs)}${blocking ? `; holds a strong lock for ${formatDuration(blocking)} until commit` : ''}${s.sampled ? ' (outside a transaction: locks sampled every 5 ms)' : ''}`);
    for (const l of s.locks.filter((l) => l.heldMs !== undefined)) lines.push(`    lock ${lockLine(l)}`);
    const weak = s.locks.filter((l) => l.heldMs === undefined);
    if (weak.length) lines.push(`    also ${weak.map((l) => `${l.mode} on ${l.relation}`).join(', ')}`);
    for (const r of s.rewrites) lines.push(`    rewrote ${relation(r)}`);
  }
  for (const v of violations) {
    lines.push(`policy: ${v.mode} on ${v.relation} held ${formatDuration(v.heldMs)}, over lint.max_lock_ms.${policyKey(v.mode)} = ${formatDuration(v.limitMs)} (${v.script}:${v.line})`);
  }
  return lines.join('\n');
}
