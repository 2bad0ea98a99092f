/**
 * Running one part's plan against its database: create it if needed, take the lock, look again
 * (another runner may have done the work meanwhile), plan again, run each step. One session per
 * part, held for the whole run so the advisory lock covers every step. Transactional scripts are
 * pipelined: while one runs, the next ones already wait at the server (script-message.ts says
 * why a failure still stops the run at the failing script).
 */
import { pathToFileURL } from 'node:url';
import type { Part, QualifiedName } from '../config/types.js';
import { PgvError, isPgvError } from '../errors.js';
import { connect, serverErrorOf, type Db } from '../db/client.js';
import type { ConnectionSpec } from '../db/connection.js';
import { connectMaintenance } from '../db/maintenance.js';
import { displayQualified } from '../db/ident.js';
import { createDatabaseSql, isDuplicateDatabase } from '../db/databases.js';
import { createLedgerSql, deleteLedgerRowSql, failLedgerRowSql, finishLedgerRowSql, insertLedgerRowSql, statementDurationSql, upgradeLedger, type LedgerEntry, type LedgerStyle } from '../db/ledger.js';
import { acquireLock } from '../db/lock.js';
import { observeWith } from '../db/observe.js';
import type { ScriptSet, Script } from '../recipes/types.js';
import { prepareToRun } from '../recipes/script-file.js';
import { changedScriptsRefusal } from '../plan/plan.js';
import { replanPart } from '../plan/replan.js';
import type { ObservedPart, PartPlan, RunScriptStep, Step } from '../plan/types.js';
import { scriptMessage } from './script-message.js';
import { isInterrupted, shielded } from '../db/cancel.js';
import { ledgerFailure, scriptFailure } from './script-error.js';
import { defaultRetries, isLockTimeout, retryPauseMs } from './lock-retry.js';
import { pgvVersion } from '../version.js';
import { compareVersions } from '../util/versions.js';
import type { HookContext, Python } from '../hooks/python.js';
import { firstPythonHook } from '../hooks/needs.js';

/** What a part job needs. */
export interface PartJobInput {
  readonly part: Part;
  readonly spec: ConnectionSpec;
  readonly scripts: ScriptSet;
  /**
   * Under the lock, before planning again: throws to refuse the run (a saved plan whose database
   * moved), or returns the plan to run instead of planning again (a saved plan another run applied meanwhile).
   */
  readonly verify?: (observed: ObservedPart) => Promise<PartPlan | undefined>;
  readonly lockTimeoutMs: number;
  /** The environment pgv runs in, for Python hooks (PATH, PGV_PYTHON); none: hooks see an empty one. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Told when the part's lock is taken by another session (whom pgv waits for). */
  readonly onLockWait?: (message: string) => void;
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

/** The `error` of a ledger row whose script pgv cancelled when it was interrupted. */
const interruptedWords = 'pgv was interrupted (Ctrl-C, SIGTERM) and cancelled it';

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
  /** A pum table's generation of `type` codes, as observed under the lock. */
  private pumCodes: 'flags' | 'legacy' = 'flags';
  /** The ledger records where a no-transaction script failed (its `failure` column; db/ledger.ts). */
  private failures = false;
  /** The ledger, as the plan names it. */
  private ledger: QualifiedName;
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
  /** Python hooks: the interpreter (found in begin() when the plan has hooks) and the version pum would pass them. */
  private python: Python | undefined;
  private version: string | null = null;
  /** The version the database was at when the run began (under the lock). */
  private startedAt: string | null = null;
  /** Transactional scripts answered, the time they took, and when the last answer came. */
  private answered = 0;
  private answeredMs = 0;
  private lastAnswer = 0;

  constructor(private readonly input: PartJobInput) {
    this.ledger = input.part.upgradesTable;
    const { init, updates, preAll, postAll } = input.scripts;
    const all = [...(init ? [init] : []), ...updates, ...(preAll ? [preAll] : []), ...(postAll ? [postAll] : [])];
    this.scripts = new Map(all.map((s) => [s.name, s]));
  }

  /**
   * Create the database if planned, lock, read the ledger again and replan (the plan's replan
   * step: plan/replan.ts, with the planner and wishes `initial.replan` names); returns the plan to run.
   */
  async begin(initial: PartPlan, onCreated: (step: Step, ms: number, created: boolean) => void): Promise<PartPlan> {
    // A missing Python (or driver) is an error before anything runs, the database included.
    const hook = firstPythonHook(initial.steps, this.input.scripts);
    if (hook) this.python = await (await import('../hooks/python.js')).findPython(this.input.part.python, this.input.env ?? {}, hook);
    const create = initial.steps.find((s) => s.kind === 'create-database');
    if (create) {
      const t0 = performance.now();
      const created = await this.createDatabase(create.database);
      onCreated(create, performance.now() - t0, created);
    }
    this.ledger = initial.ledger;
    this.db = await connect(this.input.spec, { pipeline: true });
    await acquireLock(this.db, this.input.lockTimeoutMs, this.input.onLockWait ? { onWait: this.input.onLockWait } : {});
    const observed = await observeWith(this.db, this.ledger, this.input.scripts.pumModule?.migrationTable);
    this.style = observed.ledger.style;
    this.pumCodes = observed.ledger.pumCodes ?? 'flags';
    const instead = await this.input.verify?.(observed);
    const fresh = instead ?? replanPart(initial, { part: this.input.part, observed, scripts: this.input.scripts });
    // Scripts the replan added are prepared now, and refused with their problems before any runs.
    prepareToRun(this.input.part, this.input.scripts, fresh.steps);
    this.version = fresh.current;
    const late = this.python ? undefined : firstPythonHook(fresh.steps, this.input.scripts);
    if (late) this.python = await (await import('../hooks/python.js')).findPython(this.input.part.python, this.input.env ?? {}, late);
    // A run that writes to the ledger first brings a ledger of an older pgv to this format.
    if (fresh.steps.length > 0) this.failures = await upgradeLedger(this.db, this.ledger, observed.ledger);
    this.steps = fresh.steps;
    this.startedAt = fresh.current;
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
        await db.query(`BEGIN; ${createLedgerSql(step.table)}; COMMIT`);
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
        const script = this.scriptOf(step);
        if (script.language === 'python') await this.runPython(db, script, step.scriptKind);
        else if (!step.transactional) await this.runOutsideTransaction(db, script, step.scriptKind);
        else {
          let sent = this.ahead.get(step);
          if (sent) {
            this.ahead.delete(step);
            this.aheadBytes -= sent.bytes;
          } else sent = this.send(db, step, script);
          this.sendAhead(db, step);
          await this.confirmWithRetries(db, step, script, sent);
        }
        this.reached(script, step.scriptKind);
        return;
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
        if (attempt > 1) this.input.onRetry?.(`${script.name}: applied on try ${attempt}`);
        return;
      } catch (e) {
        if (!isLockTimeout(e) || attempt > retries) throw e;
        const pause = retryPauseMs(attempt);
        this.input.onRetry?.(`${script.name}: lock not granted within ddl_lock_timeout ${part.ddlLockTimeoutMs} ms (try ${attempt} of ${retries + 1}); trying again in ${pause} ms`);
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
    return insertLedgerRowSql(this.ledger, this.style, entry, durationSql, this.pumCodes);
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
      // Only a pum table records md5 (hashing it reads the file again).
      md5: this.style === 'pum' ? script.md5 : null,
      ...(script.description !== undefined ? { description: script.description } : {}),
      success,
      pgvVersion,
    };
  }

  /** The version the database was at before `script` ran: the last main script before it in this run, or where the run began. */
  private versionBefore(script: string): string {
    const at = this.steps.findIndex((s) => s.kind === 'run-script' && s.script === script);
    for (let k = at - 1; k >= 0; k--) {
      const s = this.steps[k]!;
      if (s.kind === 'run-script' && (s.scriptKind === 'init' || s.scriptKind === 'update' || s.scriptKind === 'delta')) return s.version;
      if (s.kind === 'baseline') return s.version;
    }
    return this.startedAt ?? '0';
  }

  /** Did this run's pre-all.sql run before `script`? (Steps run in order: it did if it comes first.) */
  private ranPreAll(script: string): boolean {
    const at = this.steps.findIndex((s) => s.kind === 'run-script' && s.script === script);
    return this.steps.slice(0, Math.max(at, 0)).some((s) => s.kind === 'run-script' && s.scriptKind === 'pre-all');
  }

  /** The deltas this run committed before `script`, as `delta_1.sql–delta_2.sql`, or ''. */
  private deltasBefore(script: string): string {
    const at = this.steps.findIndex((s) => s.kind === 'run-script' && s.script === script);
    const names = this.steps.slice(0, Math.max(at, 0)).flatMap((s) => (s.kind === 'run-script' && s.scriptKind !== 'pre-all' ? [s.script] : []));
    return names.length === 0 ? '' : names.length === 1 ? names[0]! : `${names[0]}–${names[names.length - 1]}`;
  }

  /** The script a step runs; it must still be the file that was planned. */
  private scriptOf(step: RunScriptStep): Script {
    const s = this.scripts.get(step.script);
    if (!s) throw new Error(`script ${step.script} is not in the script set`);
    if (s.checksum !== step.checksum) {
      throw new PgvError('refused', `${s.name} changed after it was planned (checksum ${s.checksum.slice(0, 12)}…, planned ${step.checksum.slice(0, 12)}…)`, {
        hint: 'Plan again: run apply again (or pgv plan to see what it would run).',
        data: { script: s.name },
      });
    }
    return s;
  }

  /** Create the part's database; false when a concurrent runner created it meanwhile. */
  private async createDatabase(dbname: string): Promise<boolean> {
    const { spec, part } = this.input;
    const admin = await connectMaintenance(spec);
    try {
      await admin.query(createDatabaseSql(dbname));
      return true;
    } catch (e) {
      // Created meanwhile by a concurrent runner.
      if (isDuplicateDatabase(e)) return false;
      const err = serverErrorOf(e);
      if (err) {
        throw new PgvError('refused', `part ${part.name}: cannot create database "${dbname}": ${err.message}`, {
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
      if (pre.language === 'python') {
        // Raising vetoes (PgvError refused, rethrown below); returning lets the update run.
        await (await import('../hooks/python.js')).runPythonPrecondition(pre.path, version, this.hookContext());
        verdict = true;
      } else if (pre.language === 'sql') {
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

  private hookContext(): HookContext {
    if (!this.python) throw new Error('a Python hook runs before begin() found Python');
    return { python: this.python, spec: this.input.spec, env: this.input.env ?? {}, timeoutMs: this.input.part.hookTimeoutMs };
  }

  /**
   * A pum DeltaPy, in its own process and session, while this session holds the lock. Its start is
   * recorded first (so pgv killed meanwhile leaves a row the next run refuses on, as for
   * `-- pgv:no-transaction`); success settles the row, a failure removes it: nothing is recorded
   * that did not finish, and what runs after it never starts.
   */
  private async runPython(db: Db, script: Script, kind: string): Promise<void> {
    const table = this.ledger;
    const t0 = performance.now();
    const start = this.entry(script, kind, false);
    const id = start ? (await db.query<{ id: string }>(`${this.insertRow(start)} RETURNING id`)).rows[0]!.id : undefined;
    const { part } = this.input;
    try {
      const variables = Object.fromEntries(Object.entries(part.variables).map(([k, v]) => [k, v.type === 'int' || v.type === 'float' ? Number(v.value) : v.value]));
      const hooks = await import('../hooks/python.js');
      await hooks.runDeltaPy(script.path, { currentDbVersion: this.version, deltaDir: part.directory, deltaDirs: [part.directory], upgradesTable: displayQualified(table), variables }, this.hookContext());
    } catch (e) {
      if (id !== undefined) await db.query(deleteLedgerRowSql(table), [id]);
      throw e;
    }
    if (id !== undefined) await db.query(finishLedgerRowSql(table, this.style), [id, Math.round(performance.now() - t0)]);
  }

  /** The version after a script ran, as the ledger now says it (what the next Python delta is told). */
  private reached(script: Script, kind: string): void {
    const moves = kind === 'delta' || kind === 'update' || kind === 'init' || (this.style === 'pum' && (kind === 'pre' || kind === 'post'));
    if (moves && (this.version === null || compareVersions(script.version, this.version) > 0)) this.version = script.version;
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
      if (next.kind !== 'run-script' || !next.transactional) return;
      const script = this.scriptOf(next);
      if (script.language === 'python') return;
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
      if (sent.kind !== 'post-all' && sent.kind !== 'pre-all' && this.ranPreAll(script.name)) {
        // pre-all.sql committed on its own: what it did (typically: drop the views) stays until post-all.sql runs.
        const applied = this.deltasBefore(script.name);
        throw new PgvError('script_failed', failure.message, {
          hint: `Nothing of ${script.name} was kept (its transaction was rolled back), but pre-all.sql ran before it and committed: what it did (dropped views, for example) stays so until post-all.sql runs${applied ? `; ${applied} stay applied` : ''}. Fix ${script.name} and run apply again: it runs pre-all.sql, the pending deltas and post-all.sql.`,
          details: [...failure.detailLines],
          data: { ...(failure.data as Record<string, unknown>), pre_all_committed: true },
        });
      }
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
    const table = this.ledger;
    const prepared = script.prepared;
    const t0 = performance.now();
    const resetRole = setsRole.test(prepared.sql);
    // Outside a transaction (CREATE INDEX CONCURRENTLY): record the start, so an interrupted run is
    // reported next time instead of silently retried, then run statement by statement.
    const start = this.entry(script, kind, false);
    const id = start ? (await db.query<{ id: string }>(`${this.insertRow(start)} RETURNING id`)).rows[0]!.id : undefined;
    for (const [k, statement] of prepared.statements.entries()) {
      try {
        await db.query(prepared.sql.slice(statement.start, statement.end));
      } catch (e) {
        if (isInterrupted(e)) {
          // Recorded as a failure is (how long it ran, where it stopped), marked interrupted: the next
          // run and pgv info say where it stopped, not "never finished" as after a kill. Written
          // outside the interrupted scope, which refuses every query; the cancel has been answered.
          const recorded = id !== undefined && this.failures;
          if (recorded) {
            const cause = serverErrorOf((e as PgvError).cause);
            const where = ledgerFailure(prepared.sql, statement, k, prepared.statements.length, { message: interruptedWords, sqlstate: cause?.sqlstate ?? '' }, true);
            await shielded(() => db.query(failLedgerRowSql(table, this.style, true), [id, Math.round(performance.now() - t0), JSON.stringify(where)])).catch(() => undefined);
          }
          throw new PgvError('interrupted', `${script.name} (outside a transaction) was cancelled at statement ${k + 1} of ${prepared.statements.length}`, {
            data: { script: script.name, completed: k, statements: prepared.statements.length, version: script.version, before: this.versionBefore(script.name) },
            cause: e,
          });
        }
        const server = serverErrorOf(e);
        if (server) {
          // Recorded as failed (not as interrupted), with the statement where the ledger has a place for it: the next run says so.
          const where = ledgerFailure(prepared.sql, statement, k, prepared.statements.length, server);
          const recorded = id !== undefined && this.failures;
          if (id !== undefined) await db.query(failLedgerRowSql(table, this.style, recorded), [id, Math.round(performance.now() - t0), ...(recorded ? [JSON.stringify(where)] : [])]).catch(() => undefined);
          const failure = scriptFailure(script.path, prepared.sql, server, statement.start, '', statement);
          const before = k === 0 ? 'no statement before it had completed' : k === 1 ? 'statement 1 before it completed and stays applied' : `statements 1–${k} before it completed and stay applied`;
          const unrecorded = id === undefined || recorded ? '' : this.style === 'pum' ? " (pum's upgrades table has no place to record which statement failed: the next run only says that it failed)" : ' (this ledger could not be upgraded to record which statement failed: the next run only says that it failed)';
          const { part } = this.input;
          throw new PgvError('script_failed', failure.message, {
            hint: `${script.name} runs outside a transaction: statement ${k + 1} of ${prepared.statements.length} failed, ${before}${unrecorded}. Finish it by hand and record that with \`pgv baseline ${part.name} --version ${script.version}\`, or undo it and record \`pgv baseline ${part.name} --version ${this.versionBefore(script.name)}\`; then run apply again.`,
            details: [...failure.detailLines],
            data: { ...(failure.data as Record<string, unknown>), statement: k + 1, statements: prepared.statements.length },
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
