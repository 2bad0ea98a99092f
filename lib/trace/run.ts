/**
 * Tracing scripts on a rehearsal copy, one statement at a time: after each statement, the locks
 * its session holds (pg_locks) and each relation's file (pg_class.relfilenode: a new one means the
 * relation was rewritten); at commit, how long each strong lock was held. Scripts that run
 * outside a transaction are sampled from a second session while each statement runs (every 5 ms: a statement shorter than that may show no locks). Only ever
 * pointed at a throwaway copy: statements run without pgv's ledger rows.
 */
import { connect, serverErrorOf, type Db } from '../db/client.js';
import type { ConnectionSpec } from '../db/connection.js';
import { scriptFailure } from '../exec/script-error.js';
import type { Script } from '../recipes/types.js';
import { strongModes, type Rewrite, type Trace, type TracedLock, type TracedStatement } from './model.js';

/** A relation as the catalog shows it. */
interface Rel {
  readonly oid: number;
  readonly name: string;
  readonly kind: string;
  readonly node: number;
  readonly size?: number;
  readonly rows?: number;
}

const userRelations = `FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' AND c.relkind IN ('r', 'p', 'i', 'I', 'm', 't', 'S')`;
const relName = "pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname)";

/** Sizes and row estimates before anything runs (pg_relation_size locks each relation: not inside the traced transaction). */
const baselineSql = `SELECT c.oid::int8 AS oid, ${relName} AS name, c.relkind::text AS kind, c.relfilenode::int8 AS node, pg_catalog.pg_relation_size(c.oid) AS size, c.reltuples::float8 AS rows ${userRelations}`;
/** After each statement, in its own transaction: the files of the relations and the session's relation locks, in one round trip. */
const stateSql = `SELECT (SELECT coalesce(json_agg(json_build_array(c.oid::int8, ${relName}, c.relkind::text, c.relfilenode::int8)), '[]') ${userRelations}) AS rels,
  (SELECT coalesce(json_agg(json_build_array(l.relation::int8, l.mode)), '[]') FROM pg_catalog.pg_locks l WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation' AND l.granted) AS locks`;
const sampleSql = "SELECT l.relation::int8 AS oid, l.mode FROM pg_catalog.pg_locks l WHERE l.pid = $1 AND l.locktype = 'relation' AND l.granted";

/** Trace `scripts` (in order) on the database of `spec`. A failing statement throws the script's error with file and line. */
export async function traceScripts(spec: ConnectionSpec, scripts: readonly Script[], options: { lockTimeoutMs: number }): Promise<Trace> {
  const t0 = performance.now();
  const work = await connect(spec);
  const observer = await connect(spec);
  try {
    const base = new Map<number, Rel>();
    for (const r of (await work.query<{ oid: string; name: string; kind: string; node: string; size: string; rows: number }>(baselineSql)).rows) {
      base.set(Number(r.oid), { oid: Number(r.oid), name: r.name, kind: r.kind, node: Number(r.node), size: Number(r.size), rows: r.rows });
    }
    const statements: TracedStatement[] = [];
    for (const script of scripts) statements.push(...(await traceScript(work, observer, script, base, options)));
    return { database: spec.dbname, statements, durationMs: performance.now() - t0 };
  } finally {
    await observer.end();
    await work.end();
  }
}

interface State {
  readonly rels: Map<number, Rel>;
  readonly locks: Set<string>;
}

async function stateOf(db: Db): Promise<State> {
  const { rows } = await db.query<{ rels: Array<[number, string, string, number]>; locks: Array<[number, string]> }>(stateSql);
  const rels = new Map(rows[0]!.rels.map(([oid, name, kind, node]) => [Number(oid), { oid: Number(oid), name, kind, node: Number(node) }]));
  return { rels, locks: new Set(rows[0]!.locks.map(([oid, mode]) => `${oid} ${mode}`)) };
}

async function traceScript(work: Db, observer: Db, script: Script, base: Map<number, Rel>, options: { lockTimeoutMs: number }): Promise<TracedStatement[]> {
  const { sql, statements, transactional } = script.prepared;
  const out: Array<TracedStatement & { started: number; strong: TracedLock[] }> = [];
  const describe = (oid: number, now: Map<number, Rel>): { relation: string; kind: string; sizeBytes: number | null; rowsEstimate: number | null } => {
    const b = base.get(oid);
    const r = now.get(oid) ?? b;
    return { relation: r?.name ?? `oid ${oid}`, kind: r?.kind ?? '?', sizeBytes: b?.size ?? null, rowsEstimate: b?.rows ?? null };
  };
  const run = async (k: number) => {
    const s = statements[k]!;
    try {
      await work.query(sql.slice(s.start, s.end));
    } catch (e) {
      const server = serverErrorOf(e);
      if (transactional) await work.query('ROLLBACK').catch(() => undefined);
      throw server ? scriptFailure(script.path, sql, server, s.start, '', s) : e;
    }
  };
  if (transactional) {
    await work.query(`BEGIN${options.lockTimeoutMs ? `; SET LOCAL lock_timeout = ${Math.round(options.lockTimeoutMs)}` : ''}`);
    let before = await stateOf(work);
    for (let k = 0; k < statements.length; k++) {
      const started = performance.now();
      await run(k);
      const durationMs = performance.now() - started;
      const after = await stateOf(work);
      const locks = [...after.locks].filter((l) => !before.locks.has(l)).map((l) => {
        const [oid, mode] = l.split(' ') as [string, string];
        return { mode, ...describe(Number(oid), after.rels) };
      }).filter((l) => !l.relation.startsWith('oid '));
      out.push({ ...statementOf(script, k), durationMs, locks, rewrites: rewrites(before.rels, after.rels, base), sampled: false, started, strong: [] });
      before = after;
    }
    await work.query('COMMIT');
    const committed = performance.now();
    // Strong locks are held from the statement that took them until the commit.
    return out.map(({ started, strong: _s, ...s }) => ({ ...s, locks: s.locks.map((l) => (isStrong(l.mode) ? { ...l, heldMs: committed - started } : l)) }));
  }
  const result: TracedStatement[] = [];
  for (let k = 0; k < statements.length; k++) {
    const before = await stateOf(work);
    const seen = new Map<string, { first: number; last: number }>();
    let running = true;
    const sampler = (async () => {
      while (running) {
        const now = performance.now();
        for (const r of (await observer.query<{ oid: string; mode: string }>(sampleSql, [work.backendPid])).rows) {
          const key = `${r.oid} ${r.mode}`;
          const s = seen.get(key);
          if (s) s.last = now;
          else seen.set(key, { first: now, last: now });
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const started = performance.now();
    try {
      await run(k);
    } finally {
      running = false;
      await sampler;
    }
    const durationMs = performance.now() - started;
    const after = await stateOf(work);
    const locks = [...seen].map(([key, t]) => {
      const [oid, mode] = key.split(' ') as [string, string];
      return { mode, ...describe(Number(oid), after.rels.size ? after.rels : before.rels), ...(isStrong(mode) ? { heldMs: t.last - t.first } : {}) };
    }).filter((l) => !l.relation.startsWith('oid '));
    result.push({ ...statementOf(script, k), durationMs, locks, rewrites: rewrites(before.rels, after.rels, base), sampled: true });
  }
  return result;
}

function isStrong(mode: string): boolean {
  return (strongModes as readonly string[]).includes(mode);
}

function statementOf(script: Script, k: number): { script: string; line: number; text: string } {
  const s = script.prepared.statements[k]!;
  const first = s.text.split('\n').find((l) => l.trim() && !l.trim().startsWith('--')) ?? s.text;
  return { script: script.name, line: s.line, text: first.trim().length > 100 ? `${first.trim().slice(0, 99)}…` : first.trim() };
}

/** Relations that existed before and after a statement with another file: rewritten. */
function rewrites(before: Map<number, Rel>, after: Map<number, Rel>, base: Map<number, Rel>): Rewrite[] {
  const out: Rewrite[] = [];
  for (const [oid, b] of before) {
    const a = after.get(oid);
    if (a && a.node !== b.node && b.node !== 0) out.push({ relation: a.name, kind: a.kind, sizeBytes: base.get(oid)?.size ?? null });
  }
  return out;
}
