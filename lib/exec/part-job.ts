/**
 * Running one part's plan against its database: create it if needed, take the lock, look again
 * (another runner may have done the work meanwhile), plan again, run each step. One session per
 * part, held for the whole run so the advisory lock covers every step.
 */
import { pathToFileURL } from 'node:url';
import type { Part } from '../config/types.js';
import { PgvError, isPgvError } from '../errors.js';
import { connect, serverErrorOf, type Db } from '../db/client.js';
import { withDatabase, type ConnectionSpec } from '../db/connection.js';
import { quoteIdent } from '../db/ident.js';
import { createLedgerSql, finishLedgerRowSql, insertLedgerRowSql, statementDurationSql, type LedgerEntry, type LedgerStyle } from '../db/ledger.js';
import { acquireLock } from '../db/lock.js';
import { observeWith, observePart } from '../db/observe.js';
import type { ScriptSet, Script } from '../recipes/types.js';
import { changedScriptsRefusal } from '../plan/plan.js';
import type { PartPlan, Step } from '../plan/types.js';
import { scriptFailure } from './script-error.js';
import { pgvVersion } from '../version.js';

/** What a part job needs. */
export interface PartJobInput {
  readonly part: Part;
  readonly spec: ConnectionSpec;
  readonly scripts: ScriptSet;
  /** Plan the part again from a fresh observation (the planner, bound to this part). */
  readonly replan: (observed: Awaited<ReturnType<typeof observePart>>) => PartPlan;
  readonly lockTimeoutMs: number;
}

/** A running part: its session and the steps left to run. */
export class PartJob {
  private db: Db | undefined;
  /** The ledger's layout, as observed under the lock. */
  private style: LedgerStyle = 'pgv';
  constructor(private readonly input: PartJobInput) {}

  /** Create the database if planned, lock, observe and plan again; returns the steps to run. */
  async begin(initial: PartPlan, onCreated: (step: Step, ms: number) => void): Promise<PartPlan> {
    const create = initial.steps.find((s) => s.kind === 'create-database');
    if (create) {
      const t0 = performance.now();
      await this.createDatabase();
      onCreated(create, performance.now() - t0);
    }
    this.db = await connect(this.input.spec);
    await acquireLock(this.db, this.input.lockTimeoutMs);
    const observed = await observeWith(this.db, this.input.part.upgradesTable);
    this.style = observed.ledger.style;
    const fresh = this.input.replan(observed);
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
      case 'run-script':
        return this.runScript(db, this.scriptNamed(step.script), step.scriptKind);
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

  private scriptNamed(name: string): Script {
    const { init, updates, preAll, postAll } = this.input.scripts;
    const s = [init, ...updates, preAll, postAll].find((x) => x?.name === name);
    if (!s) throw new Error(`script ${name} is not in the script set`);
    return s;
  }

  private async createDatabase(): Promise<void> {
    const { spec, part } = this.input;
    let admin: Db | undefined;
    for (const maintenance of ['postgres', 'template1']) {
      try {
        admin = await connect(withDatabase(spec, maintenance));
        break;
      } catch (e) {
        if (!(isPgvError(e) && e.code === 'database_missing')) throw e;
      }
    }
    if (!admin) throw new PgvError('database_missing', `cannot create ${part.dbname}: no maintenance database (postgres, template1) to connect to`);
    try {
      await admin.query(`CREATE DATABASE ${quoteIdent(part.dbname)}`);
    } catch (e) {
      const err = serverErrorOf(e);
      if (err?.sqlstate === '42P04') return; // created meanwhile by a concurrent runner
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

  private async runScript(db: Db, script: Script, kind: string): Promise<void> {
    const table = this.input.part.upgradesTable;
    const prepared = script.prepared;
    // A delta directory's pre-all/post-all run around every upgrade and are not recorded.
    const record = kind !== 'pre-all' && kind !== 'post-all';
    const entry = (success: boolean): LedgerEntry => ({
      version: script.version,
      script: script.name,
      kind,
      checksum: script.checksum,
      md5: script.md5,
      ...(script.description !== undefined ? { description: script.description } : {}),
      success,
      pgvVersion,
    });
    const t0 = performance.now();
    const lockTimeout = this.input.part.ddlLockTimeoutMs;
    const resetRole = /\bSET\s+(SESSION\s+)?(ROLE|SESSION\s+AUTHORIZATION)\b/i.test(prepared.sql);
    if (prepared.transactional) {
      // One round trip: BEGIN, the script, its ledger row, COMMIT. A script may SET ROLE or
      // search_path: the ledger name is qualified, the role is reset before the row is written,
      // and RESET ALL gives the next script a fresh session state, as a new psql would.
      const prefix = lockTimeout ? `BEGIN; SET LOCAL lock_timeout = ${Math.floor(lockTimeout)};\n` : 'BEGIN;\n';
      const ledger = record ? ` ${this.insertRow(entry(true), statementDurationSql)};` : '';
      const suffix = `\n;${resetRole ? ' RESET ROLE;' : ''}${ledger} COMMIT; RESET ALL`;
      try {
        await db.query(prefix + (prepared.statements.length ? prepared.sql : '') + suffix);
      } catch (e) {
        await db.query('ROLLBACK; RESET ALL').catch(() => undefined);
        const server = serverErrorOf(e);
        if (server) {
          // Without a position (lock timeouts, many DDL errors), the statements the server
          // completed before the error tell which one failed (the prefix has one or two).
          const index = server.position === undefined && server.completedStatements !== undefined ? server.completedStatements - (lockTimeout ? 2 : 1) : -1;
          const failure = scriptFailure(script.path, prepared.sql, server, 0, prefix, prepared.statements[index]);
          if (kind !== 'post-all') throw failure;
          // The deltas before it stay applied, so no later apply has a reason to run post-all again.
          throw new PgvError('script_failed', failure.message, {
            hint: `The deltas of this upgrade are applied and recorded; ${script.name} is not. Fix it, then run it by hand once (psql -1 -f ${script.name}).`,
            details: [...failure.detailLines],
            data: failure.data as Record<string, unknown>,
          });
        }
        throw e;
      }
      return;
    }
    // Outside a transaction (CREATE INDEX CONCURRENTLY): record the start, so an interrupted run is
    // reported next time instead of silently retried, then run statement by statement.
    const id = record ? (await db.query<{ id: string }>(`${this.insertRow(entry(false))} RETURNING id`)).rows[0]!.id : undefined;
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
