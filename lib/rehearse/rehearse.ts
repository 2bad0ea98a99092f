/**
 * The rehearsal behind `pgv test-and-upgrade PART` (and `pgv apply --test-first`): rehearse an
 * upgrade on a copy of production, compare the upgraded copy with a fresh build of the scripts, and only when nothing
 * differs upgrade production. Production is untouched until the last phase; the throwaway
 * databases are dropped in every case (also on Ctrl-C), unless --keep.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultLedger, type Config, type Part } from '../config/types.js';
import { ExitCode, PgvError, isPgvError } from '../errors.js';
import type { Db } from '../db/client.js';
import { describeConnection, withDatabase, type ConnectionSpec } from '../db/connection.js';
import { busyError, chooseStrategy, commentOnDatabaseSql, createDatabaseSql, databaseSize, dropDatabaseForce, isBusyError, serverVersionOf, sessionsOn } from '../db/databases.js';
import { connectMaintenance } from '../db/maintenance.js';
import { isInterrupted, shielded } from '../db/cancel.js';
import { keptComment, sweepThrowaways } from './throwaway-sweep.js';
import { compareDatabases } from '../check/check.js';
import { checkOptionsFor } from '../check/options.js';
import { initSqlHint } from '../report/rehearsal-hint.js';
import { changedScriptsRefusal, isEmptyPlan } from '../plan/plan.js';
import { connectionFor, type Environment } from '../targets/context.js';
import { preparePlan, readScripts, runPlan, type RunOutcome } from '../run/pipeline.js';
import type { EventSink } from '../exec/events.js';
import type { Comparison } from '../check/model.js';
import { buildReference, runPartCopy, throwawayName } from './reference.js';
import type { TracedCopy } from './trace-copy.js';

/** How the rehearsal copy is made. */
export type CopyMethod = 'auto' | 'template' | 'dump';

/** Options of `pgv test-and-upgrade`. */
export interface RehearseOptions {
  readonly copy: CopyMethod;
  readonly keep: boolean;
  readonly lockTimeoutMs: number;
  /** pgv check's options for the comparison, over the part's own (`--ignore`, `--exclude-column`…). */
  readonly comparison?: ComparisonArgs;
  /** Run the scripts on the copy one statement at a time and measure locks and rewrites (`--trace`, `pgv trace`). */
  readonly trace?: boolean;
  /** Stop after the trace: no reference, no comparison, production untouched (`pgv trace`). */
  readonly traceOnly?: boolean;
  /**
   * Stop after a clean comparison, production untouched (outcome `rehearsed`): the fleet's
   * rehearsal of one shape, whose members are upgraded together afterwards (fleet/rehearse-shapes.ts).
   */
  readonly rehearseOnly?: boolean;
}

/** The comparison options `pgv test-and-upgrade` shares with `pgv check`, as given. */
export interface ComparisonArgs {
  readonly ignore: readonly string[];
  readonly include: readonly string[];
  readonly excludeSchemas: readonly string[];
  readonly excludeColumns: readonly string[];
  readonly columnOrder: boolean;
  readonly ignoreGeneratedNames: boolean;
}

/** One phase of the rehearsal, as reported. */
export interface Phase {
  readonly name: string;
  status: 'done' | 'failed';
  durationMs: number;
  detail?: string;
}

/** Where the rehearsal reports: its phases and warnings, and the runs inside it. */
export interface RehearsalContext extends Environment {
  /** The phases (as steps of kind `rehearse`), warnings, and the events of the production upgrade. */
  readonly onEvent?: EventSink;
  /** The events of the runs on the throwaway copies. */
  readonly onInnerEvent?: EventSink;
}

/** How a rehearsal ended. */
export type RehearsalOutcome = 'up-to-date' | 'rehearsed' | 'upgraded' | 'upgrade-failed' | 'different' | 'failed-on-copy' | 'traced' | 'lock-policy';

/** What a rehearsal did, as data. */
export interface Rehearsal {
  readonly part: Part;
  readonly outcome: RehearsalOutcome;
  readonly phases: readonly Phase[];
  /** The version production was at before. */
  readonly current: string | null;
  /** How production was copied. */
  readonly method?: 'template' | 'dump';
  /** The comparison of the upgraded copy with the reference, when it differed. */
  readonly comparison?: { readonly result: Comparison; readonly databases: { readonly db1: string; readonly db2: string }; readonly hint?: string };
  /** The upgrade of production. */
  readonly upgrade?: RunOutcome;
  /** The script failure on the copy. */
  readonly error?: PgvError;
  /** The trace of the copy (`--trace`, `pgv trace`) and the lock policy's verdict. */
  readonly traced?: TracedCopy;
  /** Throwaway databases kept with --keep. */
  readonly kept: readonly string[];
}

/** Rehearse the upgrade of `part` on a copy, compare with a fresh build, then upgrade production. */
export async function rehearse(config: Config, part: Part, ctx: RehearsalContext, args: RehearseOptions): Promise<Rehearsal> {
  const emit: EventSink = ctx.onEvent ?? (() => undefined);
  const inner = { env: ctx.env, ...(ctx.onInnerEvent ? { onEvent: ctx.onInnerEvent } : {}) };
  const phases: Phase[] = [];
  const warn = (message: string) => emit({ type: 'warning', part: part.name, message });
  const phase = async <T>(name: string, fn: () => Promise<T>, detail?: (value: T) => string): Promise<T> => {
    const p: Phase = { name, status: 'failed', durationMs: 0 };
    const step = { id: `${part.name}:rehearse:${phases.length + 1}`, kind: 'rehearse', title: name };
    phases.push(p);
    emit({ type: 'step-started', part: part.name, step });
    const t0 = performance.now();
    try {
      const value = await fn();
      p.status = 'done';
      if (detail) p.detail = detail(value);
      return value;
    } finally {
      p.durationMs = performance.now() - t0;
      emit({ type: 'step-finished', part: part.name, step, status: p.status, duration_ms: Math.round(p.durationMs), ...(p.detail ? { detail: p.detail } : {}) });
    }
  };
  const result = (outcome: RehearsalOutcome, extra: Partial<Rehearsal> = {}): Rehearsal => ({ part, outcome, phases, current: plan.parts[0]!.current, kept: [], ...extra });

  // What production needs: nothing pending means nothing to rehearse.
  const { plan } = await phase('plan production', () => preparePlan(config, [part], ctx), (v) => describePending(v.plan.parts[0]!));
  const refusal = changedScriptsRefusal(plan.parts);
  if (refusal) throw refusal;
  if (isEmptyPlan(plan)) return result('up-to-date');
  if (plan.parts[0]!.steps.some((s) => s.kind === 'create-database')) {
    throw new PgvError('refused', `part ${part.name}: database "${part.dbname}" does not exist; there is no production to rehearse on`, {
      hint: `Build it with \`pgv apply ${part.name}\`.`,
    });
  }
  const production = await connectionFor(config, part, ctx);
  const throwaways = new Throwaways(production, args.keep);
  // Held for the whole run: while it lives, no other run sweeps this run's throwaways.
  const sweeper = await connectMaintenance(production);
  let kept: string[] = [];
  try {
    const swept = await sweepThrowaways(sweeper, part.dbname);
    if (swept.length) warn(`dropped ${swept.join(', ')}, left behind by an interrupted test-and-upgrade`);
    const copyName = throwawayName(part.dbname, 'rehearsal');
    const method = await phase(`copy production to ${copyName}`, () => copyProduction(production, copyName, args.copy, throwaways, ctx.env), (m) => `by ${m}`);
    const copyPart: Part = Object.freeze({ ...part, dbname: copyName, create: false, snapshot: false, after: Object.freeze([]) });
    let traced: TracedCopy | undefined;
    try {
      if (args.trace) traced = await phase('trace the pending scripts on the copy, statement by statement', async () => (await import('./trace-copy.js')).traceCopy(config, copyPart, inner), (t) => t.summary);
      else await phase('apply the pending scripts to the copy', () => runPartCopy(config, copyPart, inner, `the rehearsal on ${copyName}`));
    } catch (e) {
      if (!isPgvError(e) || isInterrupted(e)) throw e;
      return result('failed-on-copy', { method, error: e });
    }
    // The lock policy fails the rehearsal before production is touched; `pgv trace` stops here anyway.
    if (traced?.violations.length) return result('lock-policy', { method, traced });
    if (traced && args.traceOnly) return result('traced', { method, traced });
    const reference = await phase('build the reference', async () => {
      const r = await buildReference(config, part, inner);
      throwaways.add(r.spec.dbname, () => r.drop());
      return r;
    });
    const comparison = await phase(
      'compare the upgraded copy with the reference',
      () => compareDatabases(withDatabase(production, copyName), reference.spec, comparisonOptions(part, args.comparison)),
      (c) => (c.identical ? 'identical' : `${c.differences.length} difference${c.differences.length === 1 ? '' : 's'}`),
    );
    if (!comparison.identical) {
      const databases = { db1: `${copyName} (a copy of ${part.dbname}, upgraded)`, db2: `${reference.spec.dbname} (a fresh build of part ${part.name}'s scripts)` };
      const hint = part.recipe === 'schema' ? initSqlHint(comparison.differences, everyUpdate(part)) : undefined;
      return result('different', { method, comparison: { result: comparison, databases, ...(hint ? { hint } : {}) }, ...(traced ? { traced } : {}) });
    }
    await phase('drop the throwaway databases', () => throwaways.dropAll());
    if (args.rehearseOnly) return result('rehearsed', { method, ...(traced ? { traced } : {}) });
    // Production: planned again under the lock by the engine, so a production that moved since
    // the copy is noticed; guarded by a snapshot when the part asks for it.
    const prepared = await preparePlan(config, [part], ctx);
    const upgrade = await phase('upgrade production', () => runPlan(prepared.plan, prepared.prepared, { env: ctx.env, command: 'test-and-upgrade', concurrency: 1, lockTimeoutMs: args.lockTimeoutMs, snapshots: true, onEvent: emit }));
    return result(upgrade.result.ok ? 'upgraded' : 'upgrade-failed', { method, upgrade, ...(traced ? { traced } : {}) });
  } finally {
    await throwaways.dropAll().catch((e) => warn((e as Error).message));
    if (args.keep) await shielded(() => throwaways.markKept(sweeper)).catch(() => undefined);
    await sweeper.end().catch(() => undefined);
    if (args.keep && throwaways.names.length) {
      kept = throwaways.names;
      warn(`kept for inspection: ${kept.join(', ')} (drop them with dropdb when done)`);
    }
  }
}

/** The check options of a part with the command line's comparison options over its own (bad kinds throw before anything connects). */
export function comparisonOptions(part: Part, c: ComparisonArgs | undefined) {
  return checkOptionsFor(c ?? {}, [part.upgradesTable, defaultLedger], part);
}

/** The updates the rehearsal ran, with their text (for the init.sql hint). */
/** Every update of a schema part with its text: init.sql must hold the effect of all of them, applied or pending. */
function everyUpdate(part: Part) {
  return readScripts(part).updates.map((u) => ({ name: u.name, text: readFileSync(u.path, 'utf8') }));
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
        const version = await serverVersionOf(admin);
        const strategy = chooseStrategy('auto', await databaseSize(admin, production.dbname), version);
        await admin.query(createDatabaseSql(target, { template: production.dbname, strategy }, version));
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
 * The throwaway databases of a rehearsal: dropped at the end (unless kept), also when the run
 * was interrupted.
 */
class Throwaways {
  private readonly drops = new Map<string, () => Promise<void>>();
  constructor(
    private readonly production: ConnectionSpec,
    private readonly keep: boolean,
  ) {}
  get names(): string[] {
    return [...this.drops.keys()];
  }
  add(name: string, drop: () => Promise<void>): void {
    this.drops.set(name, drop);
  }
  /** Drop them all; also after an interrupt (the sessions that built them were cancelled). */
  async dropAll(): Promise<void> {
    if (this.keep) return;
    const failures: string[] = [];
    for (const [name, drop] of [...this.drops]) {
      try {
        await shielded(drop);
        this.drops.delete(name);
      } catch (e) {
        failures.push(`${name}: ${(e as Error)?.message ?? e}`);
      }
    }
    if (failures.length) throw new Error(`could not drop ${failures.length === 1 ? 'the throwaway database' : `${failures.length} throwaway databases`} on ${describeConnection(this.production)}: ${failures.join('; ')}; drop them by hand`);
  }
  /** Comment the kept databases so that the next run's sweep spares them. */
  async markKept(admin: Db): Promise<void> {
    for (const name of this.drops.keys()) await admin.query(commentOnDatabaseSql(name, keptComment));
  }
}
