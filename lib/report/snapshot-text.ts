/** `pgv snapshot` output: text (odb's words, a glog-like graph) and the `--json` documents. Pure. */
import type { History, Snapshot, WorkingMeta } from '../snapshot/metadata.js';

/** One line of `log`: a snapshot, or the working database (the `@` node). */
export interface LogEntry {
  readonly revision: number;
  readonly parent: number;
  readonly database: string;
  readonly createdAt: string;
  readonly message?: string;
  readonly tag?: string;
  readonly sizeBytes: number | null;
  readonly working: boolean;
}

/** `info` as odb prints it. */
export function renderInfoText(database: string, m: WorkingMeta): string {
  return [`database: ${database}`, `version : ${m.version} (parent: ${m.parent}, tip: ${m.tip})`].join('\n');
}

/** `info --json`. */
export function infoJson(database: string, m: WorkingMeta): { database: string; version: number; parent: number; tip: number } {
  return { database, version: m.version, parent: m.parent, tip: m.tip };
}

/** The working database and its snapshots, newest first. */
export function logEntries(h: History, m: WorkingMeta): LogEntry[] {
  const snaps: LogEntry[] = h.snapshots.map((s) => ({ ...entryOf(s), working: false }));
  const working: LogEntry = { revision: m.version, parent: m.parent, database: h.working, createdAt: m.createdAt, sizeBytes: h.sizeBytes, working: true };
  return [working, ...snaps].sort((a, b) => b.revision - a.revision);
}

function entryOf(s: Snapshot): Omit<LogEntry, 'working'> {
  return {
    revision: s.revision,
    parent: s.parent,
    database: s.database,
    createdAt: s.createdAt,
    ...(s.message !== undefined ? { message: s.message } : {}),
    ...(s.tag !== undefined ? { tag: s.tag } : {}),
    sizeBytes: s.sizeBytes,
  };
}

/** `log --json`. */
export function logJson(entries: readonly LogEntry[]): { revisions: unknown[] } {
  return {
    revisions: entries.map((e) => ({
      revision: e.revision,
      parent: e.parent,
      database: e.database,
      created_at: e.createdAt,
      ...(e.message !== undefined ? { message: e.message } : {}),
      ...(e.tag !== undefined ? { tag: e.tag } : {}),
      size_bytes: e.sizeBytes,
    })),
  };
}

/** `log` as text: a graph like odb's (Mercurial's) glog, one line per revision, newest first. */
export function renderLogText(entries: readonly LogEntry[]): string {
  const revW = Math.max(...entries.map((e) => String(e.revision).length));
  const dbW = Math.max(...entries.map((e) => e.database.length));
  const present = new Set(entries.map((e) => e.revision));
  const lines = graphLines(
    entries.map((e) => ({
      revision: e.revision,
      parent: e.parent !== e.revision && present.has(e.parent) ? e.parent : null,
      truncated: e.parent !== e.revision && !present.has(e.parent),
      marker: e.working ? '@' : 'o',
      text: [
        String(e.revision).padStart(revW),
        e.database.padEnd(dbW),
        shortTime(e.createdAt),
        (e.sizeBytes === null ? '?' : formatBytes(e.sizeBytes)).padStart(9),
        [e.working ? '(working database)' : '', e.tag ? `[${e.tag}]` : '', e.message ?? '', e.parent !== e.revision && !present.has(e.parent) ? `(parent ${e.parent} purged)` : '']
          .filter(Boolean)
          .join(' '),
      ].join('  '),
    })),
  );
  return lines.join('\n');
}

/** A node of the graph. `parent` null: a root, or a parent no longer listed (`truncated`, drawn `~`). */
export interface GraphNode {
  readonly revision: number;
  readonly parent: number | null;
  readonly truncated?: boolean;
  readonly marker: string;
  readonly text: string;
}

/**
 * Draw a tree whose nodes come newest first (a parent always has a lower number). Each column
 * waits for one revision; a node takes the column waiting for it (or a new one on the right);
 * columns waiting for the same revision join (`|/`), crossing others (`X`) when they must; a
 * line whose parent is not listed (purged) ends in `~`, as Mercurial draws it.
 */
export function graphLines(nodes: readonly GraphNode[]): string[] {
  let cols: number[] = [];
  const rows: Array<{ graph: string; text?: string }> = [];
  const draw = (cells: Array<[number, string]>) => {
    const width = Math.max(0, ...cells.map(([pos]) => pos + 1));
    const chars = Array.from({ length: width }, () => ' ');
    for (const [pos, ch] of cells) chars[pos] = ch;
    return chars.join('');
  };
  for (const n of nodes) {
    while (cols.filter((c) => c === n.revision).length > 1) {
      const j = cols.lastIndexOf(n.revision);
      if (cols[j - 1] === n.revision) {
        rows.push({ graph: draw(cols.map((_, k): [number, string] => (k < j ? [2 * k, '|'] : [2 * k - 1, '/']))) });
        cols.splice(j, 1);
      } else {
        rows.push({ graph: draw([...cols.map((_, k): [number, string] => [2 * k, '|']).filter(([pos]) => pos !== 2 * (j - 1) && pos !== 2 * j), [2 * j - 1, 'X']]) });
        [cols[j - 1], cols[j]] = [cols[j]!, cols[j - 1]!];
      }
    }
    let c = cols.indexOf(n.revision);
    if (c < 0) {
      cols.push(n.revision);
      c = cols.length - 1;
    }
    rows.push({ graph: draw(cols.map((_, k): [number, string] => [2 * k, k === c ? n.marker : '|'])), text: n.text });
    if (n.parent !== null) {
      cols[c] = n.parent;
    } else {
      if (n.truncated) rows.push({ graph: draw(cols.map((_, k): [number, string] => [2 * k, k === c ? '~' : '|'])) });
      if (c < cols.length - 1) rows.push({ graph: draw(cols.map((_, k): [number, string] => (k < c ? [2 * k, '|'] : k === c ? [2 * k, ' '] : [2 * k - 1, '/']))) });
      cols = cols.filter((_, k) => k !== c);
    }
  }
  const width = Math.max(...rows.filter((r) => r.text !== undefined).map((r) => r.graph.length));
  return rows.map((r) => (r.text === undefined ? r.graph : `${r.graph.padEnd(width)}  ${r.text}`).trimEnd());
}

/** Snapshots in a purge listing, one per line. */
export function renderPurgeText(working: string, selected: readonly Snapshot[], o: { dryRun: boolean; dropped: readonly Snapshot[] }): string {
  if (selected.length === 0) return `Nothing to purge: no snapshot of "${working}" matches.`;
  const list = o.dryRun ? selected : o.dropped;
  const total = list.reduce((sum, s) => sum + (s.sizeBytes ?? 0), 0);
  const n = list.length;
  const head = o.dryRun ? `Would drop ${n} snapshot${n === 1 ? '' : 's'} of "${working}" (${formatBytes(total)}):` : `Dropped ${n} snapshot${n === 1 ? '' : 's'} of "${working}" (${formatBytes(total)}):`;
  const revW = Math.max(...list.map((s) => String(s.revision).length), 1);
  const dbW = Math.max(...list.map((s) => s.database.length), 1);
  const rows = list.map((s) =>
    `  ${String(s.revision).padStart(revW)}  ${s.database.padEnd(dbW)}  ${shortTime(s.createdAt)}  ${(s.sizeBytes === null ? '?' : formatBytes(s.sizeBytes)).padStart(9)}${s.tag ? `  [${s.tag}]` : ''}`.trimEnd(),
  );
  return [head, ...rows, ...(o.dryRun ? ['Run again with --yes to drop them.'] : [])].join('\n');
}

/** `purge --json`. */
export function purgeJson(o: { dryRun: boolean; selected: readonly Snapshot[]; dropped: readonly Snapshot[] }): unknown {
  const list = o.dryRun ? o.selected : o.dropped;
  return {
    dry_run: o.dryRun,
    snapshots: list.map((s) => ({ revision: s.revision, database: s.database, created_at: s.createdAt, ...(s.tag !== undefined ? { tag: s.tag } : {}), size_bytes: s.sizeBytes })),
    size_bytes: list.reduce((sum, s) => sum + (s.sizeBytes ?? 0), 0),
  };
}

/** `2024-05-01 10:02:03Z` from an ISO timestamp. */
function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** Bytes for humans, in powers of 1024 as pg_size_pretty does. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} bytes` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}
