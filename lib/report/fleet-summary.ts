/**
 * The end of a fleet run: a table of the parts that failed or did not run, with their errors,
 * built from the run's events (part-finished), for text and for `--json` (`failures`). Pure.
 */
import type { EventSink, PartFinished } from '../exec/events.js';

/** One failed or not-run part. */
export interface FailureRow {
  readonly part: string;
  readonly database: string;
  readonly status: 'failed' | 'skipped';
  readonly code: string;
  readonly message: string;
}

/** Collects the failures of a run from its events; pass `onEvent` on to the run. */
export function failureCollector(next?: EventSink): { readonly onEvent: EventSink; rows(): FailureRow[] } {
  const rows: FailureRow[] = [];
  return {
    onEvent: (e) => {
      if (e.type === 'part-finished' && (e.status === 'failed' || e.status === 'skipped')) rows.push(rowOf(e));
      next?.(e);
    },
    rows: () => [...rows],
  };
}

function rowOf(e: PartFinished): FailureRow {
  return { part: e.part, database: e.database, status: e.status as 'failed' | 'skipped', code: e.error?.code ?? 'unknown', message: e.error?.message ?? '' };
}

/** The table as lines: a count, then one row per part (failed first), errors on one line each. */
export function renderFailureTable(rows: readonly FailureRow[], total: number): string[] {
  if (rows.length === 0) return [];
  const failed = rows.filter((r) => r.status === 'failed');
  const skipped = rows.filter((r) => r.status === 'skipped');
  const head = `${failed.length} of ${total} database${total === 1 ? '' : 's'} failed${skipped.length ? `, ${skipped.length} not run` : ''}:`;
  const ordered = [...failed, ...skipped];
  const width = Math.min(60, Math.max(4, ...ordered.map((r) => r.part.length)));
  const line = (a: string, b: string, c: string) => `  ${a.padEnd(width)}  ${b.padEnd(7)}  ${c}`;
  return ['', head, line('part', 'status', 'error'), ...ordered.map((r) => line(r.part, r.status === 'failed' ? 'failed' : 'not run', oneLine(r.message)))];
}

/** The failures for `--json`. */
export function failuresJson(rows: readonly FailureRow[]): unknown[] {
  return rows.map((r) => ({ part: r.part, database: r.database, status: r.status === 'failed' ? 'failed' : 'not-run', error: { code: r.code, message: r.message } }));
}

function oneLine(text: string): string {
  const first = text.split('\n')[0] ?? '';
  return first.length > 160 ? `${first.slice(0, 157)}...` : first;
}
