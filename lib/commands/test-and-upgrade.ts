/**
 * `pgv test-and-upgrade PART` (and `pgv apply --test-first`): rehearse an upgrade on a copy of
 * production, compare the upgraded copy with a fresh build of the scripts, and only when nothing
 * differs upgrade production. Production is untouched until the last phase; the throwaway
 * databases are dropped in every case (also on Ctrl-C), unless --keep.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config, Part } from '../config/types.js';
import { ExitCode, PgvError, isPgvError } from '../errors.js';
import type { Db } from '../db/client.js';
import { describeConnection, withDatabase, type ConnectionSpec } from '../db/connection.js';
import { quoteIdent, quoteLiteral } from '../db/ident.js';
import { busyError, chooseStrategy, createDatabaseSql, databaseSize, isBusyError, sessionsOn } from '../snapshot/copy.js';
import { connectMaintenance, dropDatabaseForce } from '../db/maintenance.js';
import { keptComment, sweepThrowaways } from './throwaway-sweep.js';
import { compareDatabases } from '../check/check.js';
import { parseKinds, selectKinds } from '../check/options.js';
import { changedScriptsRefusal, isEmptyPlan } from '../plan/plan.js';
import { renderCheckJson } from '../report/check-json.js';
import { renderCheckText } from '../report/check-text.js';
import { connectionFor, loadProjectConfig, selectParts } from './context.js';
import { preparePlan, runPlan } from './pipeline.js';
import { buildReference, runPartCopy, throwawayName } from './reference.js';
import { renderError } from '../report/error-text.js';
import type { CommandResult, Globals } from './types.js';
import { formatDuration } from '../util/format.js';

/** How the rehearsal copy is made. */
export type CopyMethod = 'auto' | 'template' | 'dump';

/** Options of `pgv test-and-upgrade`. */
export interface TestAndUpgradeArgs {
  readonly part: string;
  readonly copy: CopyMethod;
  readonly keep: boolean;
  readonly lockTimeoutMs: number;
  /** Run the scripts on the copy one statement at a time and measure locks and rewrites (`--trace`, `pgv trace`). */
  readonly trace?: boolean;
  /** Stop after the trace: no reference, no comparison, production untouched (`pgv trace`). */
  readonly traceOnly?: boolean;
}

/** One phase of the rehearsal, as reported. */
interface Phase {
  readonly name: string;
  status: 'done' | 'failed' | 'skipped';
  durationMs: number;
  detail?: string;
}

/** Run `pgv test-and-upgrade PART`. */
export async function testAndUpgradeCommand(g: Globals, args: TestAndUpgradeArgs): Promise<CommandResult> {
  const config = await loadProjectConfig(g);
  const [part] = selectParts(config, [args.part]);
  return rehearse(config, part!, g, args);
}

async function rehearse(config: Config, part: Part, g: Globals, args: TestAndUpgradeArgs): Promise<CommandResult> {
  const phases: Phase[] = [];
  const say = (line: string) => {
    if (!g.quiet) g.progressStream.write(`${line}\n`);
  };
  const phase = async <T>(name: string, fn: () => Promise<T>, detail?: (value: T) => string): Promise<T> => {
    const p: Phase = { name, status: 'failed', durationMs: 0 };
    phases.push(p);
    const t0 = performance.now();
    try {
      const value = await fn();
      p.status = 'done';
      if (detail) p.detail = detail(value);
      return value;
    } finally {
      p.durationMs = performance.now() - t0;
      say(`${p.status === 'done' ? '✔' : '✖'} ${name}${p.detail ? `: ${p.detail}` : ''} (${formatDuration(p.durationMs)})`);
    }
  };

  // What production needs: nothing pending means nothing to rehearse.
  const { plan } = await phase('plan production', () => preparePlan(config, [part], g), (v) => describePending(v.plan.parts[0]!));
  const refusal = changedScriptsRefusal(plan.parts);
  if (refusal) throw refusal;
  if (isEmptyPlan(plan)) {
    return finish(ExitCode.ok, `${part.name} (${part.dbname}): up to date at version ${plan.parts[0]!.current ?? 'none'}; nothing to rehearse.`, {});
  }
  if (plan.parts[0]!.steps.some((s) => s.kind === 'create-database')) {
    throw new PgvError('refused', `part ${part.name}: database "${part.dbname}" does not exist; there is no production to rehearse on`, {
      hint: `Build it with \`pgv apply ${part.name}\`.`,
    });
  }
  const production = await connectionFor(config, part, g);
  const throwaways = new Throwaways(production, args.keep);
  // Held for the whole run: while it lives, no other run sweeps this run's throwaways.
  const sweeper = await connectMaintenance(production);
  try {
    const swept = await sweepThrowaways(sweeper, part.dbname);
    if (swept.length) say(`pgv: dropped ${swept.join(', ')}, left behind by an interrupted test-and-upgrade`);
    const copyName = throwawayName(part.dbname, 'rehearsal');
    const method = await phase(`copy production to ${copyName}`, () => copyProduction(production, copyName, args.copy, throwaways, g.env), (m) => `by ${m}`);
    const copyPart: Part = Object.freeze({ ...part, dbname: copyName, connection: Object.freeze({ ...part.connection, dbname: copyName }), create: false, snapshot: false, after: Object.freeze([]) });
    let traced: Awaited<ReturnType<typeof import('./trace.js').traceCopy>> | undefined;
    try {
      if (args.trace) traced = await phase('trace the pending scripts on the copy, statement by statement', async () => (await import('./trace.js')).traceCopy(config, copyPart, g), (t) => t.summary);
      else await phase('apply the pending scripts to the copy', () => runPartCopy(config, copyPart, g, `the rehearsal on ${copyName}`));
    } catch (e) {
      if (!isPgvError(e)) throw e;
      return finish(ExitCode.failed, `${part.name}: the upgrade failed on the copy; production is untouched.`, { method }, [e]);
    }
    if (traced && (traced.violations.length || args.traceOnly)) {
      const failed = traced.violations.length > 0;
      const verdict = failed ? `${part.name}: the rehearsal broke the lock policy (lint.max_lock_ms); production is untouched.` : `${part.name}: traced on a copy; production is untouched.`;
      return finish(failed ? ExitCode.differences : ExitCode.ok, `${traced.text}\n${verdict}`, { method, trace: traced.json });
    }
    const reference = await phase('build the reference', async () => {
      const r = await buildReference(config, part, g);
      throwaways.add(r.spec.dbname, () => r.drop());
      return r;
    });
    const comparison = await phase(
      'compare the upgraded copy with the reference',
      () => compareDatabases(withDatabase(production, copyName), reference.spec, checkOptionsOf(part)),
      (c) => (c.identical ? 'identical' : `${c.differences.length} difference${c.differences.length === 1 ? '' : 's'}`),
    );
    if (!comparison.identical) {
      const databases = { db1: `${copyName} (production upgraded)`, db2: `${reference.spec.dbname} (fresh build)` };
      return finish(ExitCode.differences, `${renderCheckText(comparison, { ...databases, verbose: g.verbose })}\n${part.name}: the upgraded copy differs from a fresh build; production is untouched.`, {
        method,
        check: renderCheckJson(comparison, databases),
      });
    }
    await phase('drop the throwaway databases', () => throwaways.dropAll());
    // Production: planned again under the lock by the engine, so a production that moved since
    // the copy is noticed; guarded by a snapshot when the part asks for it.
    const prepared = await preparePlan(config, [part], g);
    const applied = await phase('upgrade production', () => runPlan(prepared.plan, prepared.prepared, g, { concurrency: 1, lockTimeoutMs: args.lockTimeoutMs, snapshots: true }));
    return {
      ...applied,
      json: { ok: applied.exitCode === 0, part: part.name, copy: method, phases: phasesJson(), ...(traced ? { trace: traced.json } : {}), apply: applied.json },
      text: `${traced ? `${traced.text}\n` : ''}${applied.text ?? ''}\n${part.name}: rehearsed on a copy, identical to a fresh build, production upgraded.`,
    };
  } finally {
    await throwaways.dropAll().catch((e) => say(`pgv: warning: ${(e as Error).message}`));
    throwaways.release();
    if (args.keep) await throwaways.markKept(sweeper).catch(() => undefined);
    await sweeper.end().catch(() => undefined);
    if (args.keep && throwaways.names.length) say(`pgv: kept for inspection: ${throwaways.names.join(', ')} (drop them with dropdb when done)`);
  }

  function finish(exitCode: number, text: string, extra: Record<string, unknown>, errors: PgvError[] = []): CommandResult {
    return {
      exitCode,
      text,
      json: { ok: exitCode === 0, part: part.name, phases: phasesJson(), ...extra, ...(errors.length ? { error: errors[0]!.toJSON() } : {}) },
      ...(errors.length ? { errors: errors.flatMap((e) => renderError(e, g.verbose)) } : {}),
    };
  }
  function phasesJson() {
    return phases.map((p) => ({ name: p.name, status: p.status, duration_ms: Math.round(p.durationMs), ...(p.detail ? { detail: p.detail } : {}) }));
  }
}

/** The check options of a part: its ignore list and exclusions, its ledger. */
function checkOptionsOf(part: Part) {
  return {
    kinds: selectKinds(parseKinds(part.ignore, `part ${part.name}'s ignore option`), []),
    exclusions: { schemas: [...part.excludeSchemas], columns: [...part.excludeColumns], ledgers: [part.upgradesTable, { schema: 'pgv', name: 'upgrades' }] },
    compare: { columnOrder: false, ignoreGeneratedNames: false },
  };
}

function describePending(p: { steps: readonly { kind: string }[]; current: string | null; target: string | null }): string {
  const n = p.steps.filter((s) => s.kind === 'run-script').length;
  return n ? `${n} script${n === 1 ? '' : 's'} pending, version ${p.current ?? 'none'} -> ${p.target ?? 'none'}` : 'up to date';
}


/**
 * Copy production: CREATE DATABASE … TEMPLATE when it is idle (fast, exact); otherwise, or with
 * `--copy dump`, pg_dump | pg_restore (works while applications are connected).
 */
async function copyProduction(production: ConnectionSpec, target: string, method: CopyMethod, throwaways: Throwaways, env: Readonly<Record<string, string | undefined>>): Promise<'template' | 'dump'> {
  const admin = await connectMaintenance(production);
  try {
    const sessions = await sessionsOn(admin, production.dbname);
    const use = method === 'auto' ? (sessions.length ? 'dump' : 'template') : method;
    if (use === 'template') {
      if (sessions.length) {
        const busy = busyError(production.dbname, sessions, '--copy template needs it idle');
        throw new PgvError(busy.code, busy.message, {
          hint: 'Use --copy dump (the default for a busy database), or stop the applications for the copy.',
          details: [...busy.detailLines],
          data: { ...busy.data },
        });
      }
      throwaways.add(target, () => dropDatabaseForce(production, target));
      try {
        // The snapshot code's choice: FILE_COPY for large databases (much faster), WAL_LOG for small ones.
        const { rows } = await admin.query<{ version: number }>("SELECT current_setting('server_version_num')::int AS version");
        const strategy = chooseStrategy('auto', await databaseSize(admin, production.dbname), rows[0]!.version);
        await admin.query(createDatabaseSql(target, production.dbname, strategy));
      } catch (e) {
        if (isBusyError(e) && method === 'auto') {
          // Someone connected between the check and the copy: fall back to a dump.
          await copyByDump(production, target, env);
          return 'dump';
        }
        throw e;
      }
      return 'template';
    }
    throwaways.add(target, () => dropDatabaseForce(production, target));
    await copyByDump(production, target, env);
    return 'dump';
  } finally {
    await admin.end();
  }
}

/** Copy with pg_dump and pg_restore (custom format, through a private temporary file) into a new database. */
async function copyByDump(production: ConnectionSpec, target: string, env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const { dumpDatabase, restoreDatabase } = await import('../dump/index.js');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgv-rehearsal-'));
  try {
    const file = path.join(dir, 'production.dump');
    await dumpDatabase(production, file, { format: 'custom', env });
    await restoreDatabase(withDatabase(production, target), file, { create: true, env });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The throwaway databases of a rehearsal: dropped at the end (unless kept), and on SIGINT or
 * SIGTERM before the signal is raised again.
 */
class Throwaways {
  private readonly drops = new Map<string, () => Promise<void>>();
  private readonly handler = (signal: NodeJS.Signals) => {
    this.release();
    void this.dropAll()
      .catch(() => undefined)
      .finally(() => process.kill(process.pid, signal));
  };
  constructor(
    private readonly production: ConnectionSpec,
    private readonly keep: boolean,
  ) {
    process.once('SIGINT', this.handler);
    process.once('SIGTERM', this.handler);
  }
  get names(): string[] {
    return [...this.drops.keys()];
  }
  add(name: string, drop: () => Promise<void>): void {
    this.drops.set(name, drop);
  }
  async dropAll(): Promise<void> {
    if (this.keep) return;
    const failures: string[] = [];
    for (const [name, drop] of [...this.drops]) {
      try {
        await drop();
        this.drops.delete(name);
      } catch (e) {
        failures.push(`${name}: ${(e as Error)?.message ?? e}`);
      }
    }
    if (failures.length) throw new Error(`could not drop the throwaway database(s) on ${describeConnection(this.production)}: ${failures.join('; ')}; drop them by hand`);
  }
  /** Comment the kept databases so that the next run's sweep spares them. */
  async markKept(admin: Db): Promise<void> {
    for (const name of this.drops.keys()) await admin.query(`COMMENT ON DATABASE ${quoteIdent(name)} IS ${quoteLiteral(keptComment)}`);
  }
  release(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
  }
}
