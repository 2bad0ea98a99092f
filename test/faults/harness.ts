/**
 * The fault-injection suite's shared checks: a tally per case, the output invariants of one pgv
 * run, the ledger invariants of one database, leftover throwaway databases, and kill timing.
 * Loaded after test/faults/run.ts has started the cluster (test/helpers/db.ts reads its socket).
 */
import type { PgvRun, RunningPgv } from '../helpers/cli.js';
import { withDb } from '../helpers/db.js';
import type { EmbeddedServerConfig } from '../../lib/config/types.js';

/** What one case did: its runs, how many passed, the invariant violations, kill points and fuzz inputs tried. */
export class Tally {
  runs = 0;
  passed = 0;
  killPoints = 0;
  fuzzInputs = 0;
  readonly violations: string[] = [];

  /** Record one run: it passed when `problems` is empty. */
  check(label: string, problems: readonly string[]): void {
    this.runs++;
    if (problems.length === 0) this.passed++;
    else this.violations.push(...problems.map((p) => `${label}: ${p}`));
  }
}

/** A pgv run's output invariants: an allowed exit code, never 70, never a stack trace, a message when it fails. */
export function outputProblems(run: PgvRun, allowed: readonly number[] = [0, 3]): string[] {
  const problems: string[] = [];
  if (!allowed.includes(run.code)) problems.push(`exit code ${run.code} (allowed: ${allowed.join(', ')})\n${run.stderr.slice(0, 2000)}`);
  if (/\n\s{4}at /.test(`\n${run.stderr}\n${run.stdout}`)) problems.push(`a stack trace:\n${run.stderr.slice(0, 2000)}`);
  if (run.code !== 0 && run.stderr.trim() === '' && run.stdout.trim() === '') problems.push(`exit ${run.code} without a message`);
  return problems;
}

/** One script of a test project and how to see its effect in the catalog. */
export interface ScriptEffect {
  readonly script: string;
  /** Is the script's effect in the catalog? */
  readonly effect: string;
  /** No transaction: an unrecorded script may have left part of its effect (pgv refuses to rerun it). */
  readonly noTransaction?: boolean;
}

type LedgerRow = { script: string; success: boolean };

/** The ledger rows of `db` (none when the ledger does not exist yet). */
export async function ledgerRows(db: string, table = 'pgv.upgrades'): Promise<LedgerRow[]> {
  return withDb(db, async (c) => {
    const exists = (await c.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table])).rows[0]!.t;
    if (!exists) return [];
    return (await c.query<LedgerRow>(`SELECT script, success FROM ${table} ORDER BY id`)).rows;
  });
}

/** Every script recorded at most once, and recorded (as a success) iff its effect is in the catalog. */
export async function ledgerProblems(db: string, scripts: readonly ScriptEffect[]): Promise<string[]> {
  const rows = await ledgerRows(db);
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const r of rows) seen.set(r.script, (seen.get(r.script) ?? 0) + 1);
  for (const [script, n] of seen) if (n > 1) problems.push(`${script} recorded ${n} times`);
  await withDb(db, async (c) => {
    for (const s of scripts) {
      const recorded = rows.some((r) => r.script === s.script && r.success);
      const present = (await c.query<{ ok: boolean }>(`SELECT (${s.effect}) AS ok`)).rows[0]!.ok === true;
      if (recorded && !present) problems.push(`${s.script} recorded but its effect is missing`);
      if (!recorded && present && !s.noTransaction) problems.push(`${s.script} has its effect but is not recorded`);
    }
  });
  return problems;
}

/** Throwaway databases derived from `base` (rehearsal copies, references, revert copies, renamed-away working databases). */
export async function throwawayDatabases(base: string): Promise<string[]> {
  return withDb('postgres', async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE left(datname, length($1)) = $1 AND datname <> $1
         AND (datname ~ '_pgv_[a-z]+_[0-9a-f]+$' OR datname ~ '~(revert|discard)$')`,
      [base],
    );
    return rows.map((r) => r.datname);
  });
}

/** Wait until no session other than this probe is connected to `db` (an orphaned backend may outlive a killed pgv). */
export async function waitIdle(db: string, ms = 20000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // Sessions in the database, and statements elsewhere naming it (an orphaned CREATE DATABASE … of a killed run).
    const n = await withDb('postgres', async (c) =>
      (await c.query("SELECT 1 FROM pg_stat_activity WHERE (datname = $1 OR (state = 'active' AND strpos(query, $1) > 0)) AND pid <> pg_backend_pid()", [db])).rowCount);
    if (n === 0) return;
    await sleep(50);
  }
  throw new Error(`sessions on ${db} did not end within ${ms} ms`);
}

/** Sleep `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A seeded pseudo-random generator (mulberry32): the same seed tries the same points. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` kill delays spread over `[0, span]` ms, each jittered inside its slot. */
export function killDelays(count: number, span: number, random: () => number): number[] {
  return Array.from({ length: count }, (_, i) => Math.round(((i + random()) / count) * span));
}

/** SIGKILL a running pgv after `delay` ms; true when the kill landed before it finished. */
export async function killAfter(running: RunningPgv, delay: number): Promise<{ killed: boolean; run: PgvRun }> {
  let finished = false;
  void running.done.then(() => (finished = true));
  await sleep(delay);
  const killed = !finished && running.child.kill('SIGKILL');
  return { killed, run: await running.done };
}

/** The suite's own cluster, as test/faults/run.ts started it (for restarts in the middle of a run). */
export function faultServer(): EmbeddedServerConfig {
  const dir = process.env.PGV_FAULTS_CLUSTER;
  if (!dir) throw new Error('PGV_FAULTS_CLUSTER is not set: run `npm run test:faults`');
  return { mode: 'embedded', dir, port: 5432, tcp: false, settings: { max_connections: '200' } };
}

/** One case of the suite: a name and a body that records its runs in the tally. */
export interface FaultCase {
  readonly name: string;
  run(tally: Tally): Promise<void>;
}
