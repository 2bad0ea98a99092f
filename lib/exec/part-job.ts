/**
 * Running one part's plan against its database: create it if needed, take the lock, look again
 * (another runner may have done the work meanwhile), plan again, run each step. One session per
 * part, held for the whole run so the advisory lock covers every step. Transactional scripts are
 * pipelined: while one runs, the next ones already wait at the server (script-message.ts says
 * why a failure still stops the run at the failing script).
 */
import { pathToFileURL } from 'node:url';
import type { Part } from '../config/types.js';
import { PgvError, isPgvError } from '../errors.js';
import { connect, serverErrorOf, type Db } from '../db/client.js';
import type { ConnectionSpec } from '../db/connection.js';
import { connectMaintenance } from '../db/maintenance.js';
import { quoteIdent } from '../db/ident.js';
import { createLedgerSql, finishLedgerRowSql, insertLedgerRowSql, statementDurationSql, type LedgerEntry, type LedgerStyle } from '../db/ledger.js';
import { acquireLock } from '../db/lock.js';
import { observeWith, observePart } from '../db/observe.js';
import type { ScriptSet, Script } from '../recipes/types.js';
import { changedScriptsRefusal } from '../plan/plan.js';
import type { PartPlan, RunScriptStep, Step } from '../plan/types.js';
import { scriptMessage } from './script-message.js';
import { scriptFailure } from './script-error.js';
import { defaultRetries, isLockTimeout, retryPauseMs } from './lock-retry.js';
import { pgvVersion } from '../version.js';

/** What a part job needs. */
export interface PartJobInput {
  readonly part: Part;
  readonly spec: ConnectionSpec;
  readonly scripts: ScriptSet;
  /** Plan the part again from a fresh observation (the planner, bound to this part). */
  readonly replan: (observed: Awaited<ReturnType<typeof observePart>>) => PartPlan;
  readonly lockTimeoutMs: number;
  /** Told about each retry of a script that hit ddl_lock_timeout (for the progress output). */
  readonly onRetry?: (message: string) => void;
}

/**
 * Pipelining bounds: transactional scripts sent ahead of the one that runs, their size, and the
 * work they stand for as measured so far. Scripts already sent run even if pgv is killed, so what
 * waits in the queue stays small: a tenth of a second of work (none while scripts are slow). The
 * count is high enough that the server still has work queued when pgv's process is not scheduled
 * for a few milliseconds (16 left it idle on a busy machine: 420 ms instead of 370 for 1000 tiny
 * scripts).
 */
const aheadScripts = 64;
const aheadBytes = 1 << 20;
const aheadMs = 100;

const setsRole = /\bSET\s+(SESSION\s+)?(ROLE|SESSION\s+AUTHORIZATION)\b/i;

/** A script's query on its way: settles when the server has answered. */
interface Sent {
  readonly done: Promise<void>;
  readonly prefix: string;
  /** Statements of pgv's own before the script (BEGIN, SET LOCAL, the guard). */
  readonly prefixStatements: number;
  readonly kind: string;
  readonly mark: string;
  readonly bytes: number;
  readonly at: number;
}

/** A running part: its session and the steps left to run. */
export class PartJob {
  private db: Db | undefined;
  /** The ledger's layout, as observed under the lock. */
  private style: LedgerStyle = 'pgv';
  private readonly scripts: ReadonlyMap<string, Script>;
  /** The steps begin() planned, and where each is in that list. */
  private steps: readonly Step[] = [];
  private readonly index = new Map<Step, number>();
  /** Scripts sent ahead of the step that runs, not yet waited for; the index of the next one to send. */
  private readonly ahead = new Map<Step, Sent>();
  private aheadBytes = 0;
  private frontier = 0;
  /** Marks: a counter, and the mark of the last script sent whose answer has not been seen. */
  private marks = 0;
  private unconfirmed: string | null = null;
  private failed = false;
  /** Transactional scripts answered, the time they took, and when the last answer came. */
  private answered = 0;
  private answeredMs = 0;
  private lastAnswer = 0;

  constructor(private readonly input: PartJobInput) {
    const { init, updates, preAll, postAll } = input.scripts;
    const all = [...(init ? [init] : []), ...updates, ...(preAll ? [preAll] : []), ...(postAll ? [postAll] : [])];
    this.scripts = new Map(all.map((s) => [s.name, s]));
  }

  /** Create the database if planned, lock, observe and plan again; returns the steps to run. */
  async begin(initial: PartPlan, onCreated: (step: Step, ms: number) => void): Promise<PartPlan> {
    const create = initial.steps.find((s) => s.kind === 'create-database');
    if (create) {
      const t0 = performance.now();
      await this.createDatabase();
      onCreated(create, performance.now() - t0);
    }
    this.db = await connect(this.input.spec, { pipeline: true });
    await acquireLock(this.db, this.input.lockTimeoutMs);
    const observed = await observeWith(this.db, this.input.part.upgradesTable);
    this.style = observed.ledger.style;
    const fresh = this.input.replan(observed);
    this.steps = fresh.steps;
    fresh.steps.forEach((s, k) => this.index.set(s, k));
    const refusal = changedScriptsRefusal([fresh]);
    if (refusal) throw refusal;
    return fresh;
  }

  /** Run one step. Throws PgvError on failure; the step left nothing behind. */
  async run(step: Step): Promise<void> {
    const db = this.db;
    if (!db) throw new Error('PartJob.run before begin');
    switch (step.kind) {
      case 'create-database':
        return; // done in begin(), before the lock could be taken
      case 'create-ledger':
        await db.query(`BEGIN; ${createLedgerSql(this.input.part.upgradesTable)}; COMMIT`);
        return;
      case 'accept-script':
        await db.query(this.insertRow({ version: step.version, script: step.script, kind: 'accept', checksum: step.checksum, md5: step.checksum, success: true, pgvVersion }));
        return;
      case 'baseline':
        await db.query(this.insertRow({ version: step.version, script: 'baseline', kind: 'baseline', checksum: null, md5: null, success: true, pgvVersion }));
        return;
      case 'precondition':
        return this.precondition(db, step.script, step.version);
      case 'run-script': {
        const script = this.scriptNamed(step.script);
        if (!script.prepared.transactional) return this.runOutsideTransaction(db, script, step.scriptKind);
        let sent = this.ahead.get(step);
        if (sent) {
          this.ahead.delete(step);
          this.aheadBytes -= sent.bytes;
        } else sent = this.send(db, step, script);
        this.sendAhead(db, step);
        return this.confirmWithRetries(db, step, script, sent);
      }
    }
  }

  /**
   * Wait for a script; when it ran into ddl_lock_timeout, run it again in a fresh transaction after
   * a pause (lock-retry.ts), up to the part's `ddl_lock_retries`. The scripts sent ahead of it
   * failed behind it and are sent again when their turn comes.
   */
  private async confirmWithRetries(db: Db, step: RunScriptStep, script: Script, first: Sent): Promise<void> {
    const { part } = this.input;
    const retries = part.ddlLockRetries ?? defaultRetries(part.ddlLockTimeoutMs);
    let sent = first;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.confirm(db, script, sent);
        if (attempt > 1) this.input.onRetry?.(`${part.name}: ${script.name}: applied on try ${attempt}`);
        return;
      } catch (e) {
        if (!isLockTimeout(e) || attempt > retries) throw e;
        const pause = retryPauseMs(attempt);
        this.input.onRetry?.(`${part.name}: ${script.name}: lock not granted within ddl_lock_timeout ${part.ddlLockTimeoutMs} ms (try ${attempt} of ${retries + 1}); trying again in ${pause} ms`);
        // confirm() rolled back; whatever was sent ahead failed behind this script.
        this.ahead.clear();
        this.aheadBytes = 0;
        this.frontier = (this.index.get(step) ?? 0) + 1;
        this.unconfirmed = null;
        this.failed = false;
        await new Promise((r) => setTimeout(r, pause));
        sent = this.send(db, step, script);
      }
    }
  }

  /** Close the session (which releases the lock). */
  async close(): Promise<void> {
    await this.db?.end();
    this.db = undefined;
  }

  /** The INSERT of a ledger row in this ledger's style. */
  private insertRow(entry: LedgerEntry, durationSql?: string): string {
    return insertLedgerRowSql(this.input.part.upgradesTable, this.style, entry, durationSql);
  }

  /**
   * The ledger row of a script. A delta directory's pre-all.sql runs around every upgrade and is
   * not recorded; post-all.sql is recorded in pgv's ledger (not in a pum table, which has no place
   * for it) so that an upgrade whose post-all failed is finished by the next apply.
   */
  private entry(script: Script, kind: string, success: boolean): LedgerEntry | null {
    if (kind === 'pre-all' || (kind === 'post-all' && this.style !== 'pgv')) return null;
    return {
      version: script.version,
      script: script.name,
      kind,
      checksum: script.checksum,
      md5: script.md5,
      ...(script.description !== undefined ? { description: script.description } : {}),
      success,
      pgvVersion,
    };
  }

  private scriptNamed(name: string): Script {
    const s = this.scripts.get(name);
    if (!s) throw new Error(`script ${name} is not in the script set`);
    return s;
  }

  private async createDatabase(): Promise<void> {
    const { spec, part } = this.input;
    const admin = await connectMaintenance(spec);
    try {
      await admin.query(`CREATE DATABASE ${quoteIdent(part.dbname)}`);
    } catch (e) {
      const err = serverErrorOf(e);
      // Created meanwhile by a concurrent runner: 42P04 when it had committed before our check,
      // a unique violation on pg_database's name index when both inserted at once.
      if (err?.sqlstate === '42P04' || (err?.sqlstate === '23505' && err.message.includes('pg_database_datname_index'))) return;
      if (err) {
        throw new PgvError('refused', `part ${part.name}: cannot create database "${part.dbname}": ${err.message}`, {
          hint: err.sqlstate === '42501' ? `The role ${spec.user} needs CREATEDB; or create the database beforehand.` : 'Create the database by hand, then run apply again.',
          data: { sqlstate: err.sqlstate },
        });
      }
      throw e;
    } finally {
      await admin.end();
    }
  }

  private async precondition(db: Db, name: string, version: string): Promise<void> {
    const pre = this.input.scripts.preconditions.get(version);
    if (!pre) throw new Error(`precondition ${name} missing`);
    let verdict: unknown;
    let message = '';
    try {
      if (pre.language === 'sql') {
        const { rows } = await db.query<Record<string, unknown>>(pre.text ?? '');
        const row = rows[0];
        verdict = row ? Object.values(row)[0] : undefined;
        if (typeof verdict !== 'boolean') message = `returned ${row ? JSON.stringify(Object.values(row)[0]) : 'no row'} instead of one boolean`;
      } else {
        const mod = (await import(pathToFileURL(pre.path).href)) as { precondition?: (client: unknown) => unknown };
        if (typeof mod.precondition !== 'function') throw new PgvError('scripts_invalid', `${pre.path}: exports no function precondition(client)`);
        verdict = await mod.precondition({ query: (sql: string, params?: unknown[]) => db.query(sql, params) });
        if (verdict === undefined) verdict = true;
      }
    } catch (e) {
      if (isPgvError(e) && e.code !== 'script_failed') throw e;
      const server = serverErrorOf(e);
      if (server && pre.text !== undefined) throw scriptFailure(pre.path, pre.text, server);
      message = (e as Error)?.message ?? String(e);
      verdict = false;
    }
    if (verdict !== true) {
      throw new PgvError('refused', `${pre.name} vetoed update ${version}${message ? `: ${message}` : ''}`, {
        hint: `The database is not ready for update${version}.sql; fix what ${pre.name} checks, then run apply again.`,
        data: { precondition: pre.name, version },
      });
    }
  }

  /** Send the query of a transactional script; the promise settles when the server has answered it. */
  private send(db: Db, step: RunScriptStep, script: Script): Sent {
    const prepared = script.prepared;
    const mark = String(++this.marks);
    const message = scriptMessage({
      sql: prepared.sql,
      hasStatements: prepared.statements.length > 0,
      ledgerInsert: ((e) => (e ? this.insertRow(e, statementDurationSql) : null))(this.entry(script, step.scriptKind, true)),
      lockTimeoutMs: this.input.part.ddlLockTimeoutMs,
      resetRole: setsRole.test(prepared.sql),
      mark,
      after: this.unconfirmed,
    });
    this.unconfirmed = mark;
    const done = db.query(message.sql).then(() => undefined);
    done.catch(() => undefined); // a query sent behind a failure fails too; only the first failure is reported
    return { done, prefix: message.prefix, prefixStatements: message.prefixStatements, kind: step.scriptKind, mark, bytes: message.sql.length, at: performance.now() };
  }

  /** How many scripts may wait behind the running one: none until one has been timed. */
  private window(): number {
    if (this.answered === 0) return 0;
    const perScript = Math.max(this.answeredMs / this.answered, 0.01);
    return Math.min(aheadScripts, Math.floor(aheadMs / perScript));
  }

  /**
   * Pipelining: send the transactional scripts that follow `step`, up to the next step of another
   * kind (a precondition must see the database as the scripts before it left it), within the
   * window. Sent in batches (when half the window has been answered): a batch leaves in one write.
   */
  private sendAhead(db: Db, step: Step): void {
    const window = this.window();
    if (this.failed || this.ahead.size > window / 2) return;
    for (let k = Math.max(this.frontier, (this.index.get(step) ?? Infinity) + 1); k < this.steps.length; k++) {
      if (this.ahead.size >= window || this.aheadBytes >= aheadBytes) return;
      const next = this.steps[k]!;
      if (next.kind !== 'run-script') return;
      const script = this.scriptNamed(next.script);
      if (!script.prepared.transactional) return;
      const sent = this.send(db, next, script);
      this.ahead.set(next, sent);
      this.aheadBytes += sent.bytes;
      this.frontier = k + 1;
    }
  }

  /** Wait for a sent script; on failure roll back what the session holds and name file, line and column. */
  private async confirm(db: Db, script: Script, sent: Sent): Promise<void> {
    try {
      await sent.done;
    } catch (e) {
      this.failed = true;
      // Queued behind every query sent ahead, which all fail before their scripts run.
      await db.query('ROLLBACK; RESET ALL').catch(() => undefined);
      const server = serverErrorOf(e);
      if (!server) throw e;
      // Without a position (lock timeouts, many DDL errors), the statements the server completed
      // before the error tell which one failed.
      const index = server.position === undefined && server.completedStatements !== undefined ? server.completedStatements - sent.prefixStatements : -1;
      const failure = scriptFailure(script.path, script.prepared.sql, server, 0, sent.prefix, script.prepared.statements[index]);
      if (sent.kind !== 'post-all') throw failure;
      throw new PgvError('script_failed', failure.message, {
        hint:
          this.style === 'pgv'
            ? `The deltas of this upgrade are applied and recorded; ${script.name} is not. Fix it and run apply again: it runs pre-all.sql and ${script.name} again.`
            : `The deltas of this upgrade are applied and recorded; ${script.name} is not. Fix it, then run it by hand once (psql -1 -f ${script.name}): a pum ledger has no row for it.`,
        details: [...failure.detailLines],
        data: failure.data as Record<string, unknown>,
      });
    }
    if (this.unconfirmed === sent.mark) this.unconfirmed = null;
    // The script's own time: from when it was sent, or from the answer before it if it was queued.
    const now = performance.now();
    this.answeredMs += now - Math.max(sent.at, this.lastAnswer);
    this.answered++;
    this.lastAnswer = now;
  }

  private async runOutsideTransaction(db: Db, script: Script, kind: string): Promise<void> {
    const table = this.input.part.upgradesTable;
    const prepared = script.prepared;
    const t0 = performance.now();
    const resetRole = setsRole.test(prepared.sql);
    // Outside a transaction (CREATE INDEX CONCURRENTLY): record the start, so an interrupted run is
    // reported next time instead of silently retried, then run statement by statement.
    const start = this.entry(script, kind, false);
    const id = start ? (await db.query<{ id: string }>(`${this.insertRow(start)} RETURNING id`)).rows[0]!.id : undefined;
    for (const statement of prepared.statements) {
      try {
        await db.query(prepared.sql.slice(statement.start, statement.end));
      } catch (e) {
        const server = serverErrorOf(e);
        if (server) {
          const failure = scriptFailure(script.path, prepared.sql, server, statement.start, '', statement);
          throw new PgvError('script_failed', failure.message, {
            hint: `${script.name} runs outside a transaction: the statements before this one stay applied. Fix it by hand, then record it with pgv baseline.`,
            details: [...failure.detailLines],
            data: failure.data as Record<string, unknown>,
          });
        }
        throw e;
      }
    }
    if (resetRole) await db.query('RESET ROLE');
    if (id !== undefined) await db.query(finishLedgerRowSql(table, this.style), [id, Math.round(performance.now() - t0)]);
    await db.query('RESET ALL');
  }
}
