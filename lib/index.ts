/**
 * pgv as a library: the same engine the commands use, values in and values out. Nothing here
 * prints or exits; progress arrives as events (`onEvent`), an AbortSignal (`signal`) cancels as
 * Ctrl-C does (the running statement is cancelled on the server, db/cancel.ts), and failures are
 * thrown as PgvError (a stable `code`, a message, a hint).
 *
 * ```ts
 * import { loadConfig, plan, apply } from 'pgv';
 * const config = await loadConfig({ file: 'pgv.config.yaml' });
 * const p = await plan(config);
 * const result = await apply(config, { onEvent: (e) => console.log(e.type) });
 * ```
 */
import { loadConfig as resolveConfig } from './config/resolve.js';
import type { Config } from './config/types.js';
import type { Env } from './config/substitute.js';
import type { EventSink } from './exec/events.js';
import type { RunResult } from './exec/result.js';
import type { Plan } from './plan/types.js';
import type { PartInfo } from './plan/info.js';
import type { Comparison } from './check/model.js';
import type { CheckRequest } from './check/options.js';
import type { GuardOutcome } from './snapshot/guard.js';
import type { ResumeReport } from './run/resume.js';
import type { DumpFormat } from './dump/archive.js';
import type { DumpResult } from './dump/dump.js';
import type { RestoreResult } from './dump/restore.js';
import type { CopyMethod, Rehearsal } from './rehearse/rehearse.js';
import type { InitOutcome, CommitOutcome } from './snapshot/commit.js';
import type { RevertOutcome } from './snapshot/revert.js';
import type { PurgeOutcome, TagOutcome } from './snapshot/manage.js';
import type { History, WorkingMeta } from './snapshot/metadata.js';
import type { StrategyChoice } from './db/databases.js';
import type { PurgeFilter, Target } from './snapshot/revisions.js';
import type { ConnectionSpec } from './db/connection.js';
import type { SnapshotSession } from './snapshot/admin.js';
import type { AlreadyApplied, SavedPlan } from './run/saved-plan.js';
import type { Census } from './fleet/census-model.js';
import type { snapshotAction } from './snapshot/actions.js';
type SnapshotActions = typeof snapshotAction;

export { PgvError, isPgvError, ExitCode, type ErrorCode } from './errors.js';
export type { Config, Part, ConnectionOptions, QualifiedName, PartTemplate, FleetSource, FleetExpansion, RolloutGroup, ConfigLocation } from './config/types.js';
export type { Plan, PartPlan, Replan, Step, ChangedScript, LedgerRow } from './plan/types.js';
export type { RunResult, PartResult, StepResult } from './exec/result.js';
export type { RunEvent, EventSink, EventStep, EventError, RunStarted, PartStarted, PartReplanned, StepStarted, StepFinished, Warning, PartFinished, RunFinished } from './exec/events.js';
export type { PartInfo } from './plan/info.js';
export type { Comparison, Difference, Kind } from './check/model.js';
export type { CheckRequest } from './check/options.js';
export type { GuardOutcome } from './snapshot/guard.js';
export type { DumpFormat } from './dump/archive.js';
export type { DumpResult } from './dump/dump.js';
export type { RestoreResult } from './dump/restore.js';
export type { Rehearsal, RehearsalOutcome, CopyMethod, Phase } from './rehearse/rehearse.js';
export type { InitOutcome, CommitOutcome } from './snapshot/commit.js';
export type { RevertOutcome } from './snapshot/revert.js';
export type { PurgeOutcome, TagOutcome } from './snapshot/manage.js';
export type { History, WorkingMeta, Snapshot } from './snapshot/metadata.js';
export type { PurgeFilter, Target } from './snapshot/revisions.js';
export type { StrategyChoice } from './db/databases.js';
export type { SavedPlan, SavedPart, AlreadyApplied } from './run/saved-plan.js';
export type { ResumeReport, RunState, RunningPart } from './run/resume.js';
export type { JournalHeader, JournalEvent } from './run/journal.js';
export type { PartFingerprint, CatalogPrint, LedgerRowPrint } from './run/fingerprint.js';
export type { Census, CensusGroup, CensusEntry, CensusFailure } from './fleet/census-model.js';
export { renderPlanMarkdown } from './report/plan-markdown.js';
export { renderCheckMarkdown } from './report/check-markdown.js';
export { renderLintMarkdown } from './report/lint-markdown.js';

/** What every call may say about the process it runs in: its environment (default `process.env`). */
export interface CallOptions {
  /** PG* variables and the values `${env:NAME}` sees; default process.env. */
  readonly env?: Env;
}

function environment(o: CallOptions | undefined): { env: Env } {
  return { env: o?.env ?? process.env };
}

/** What every call that runs work takes: a signal that cancels it as Ctrl-C cancels a command. */
export interface CancelOptions {
  /**
   * Aborting it cancels the statement running on the server (a protocol cancel request), sends
   * nothing more, stops pg_dump / pg_restore / psql, and drops the throwaway databases the call
   * made. `apply` and `baseline` then resolve with `interrupted` set (the part's error has code
   * `interrupted`); every other call rejects with a PgvError of code `interrupted`.
   */
  readonly signal?: AbortSignal;
}

/** Run `fn` in the cancellation scope of `signal` (the CLI's own scope when there is none). */
async function cancellable<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  if (!signal) return fn();
  const { withCancellation } = await import('./db/cancel.js');
  return withCancellation(signal, fn);
}

/** Where to find a config. */
export interface LoadConfigOptions extends CallOptions {
  /** A config file (relative to `cwd`); otherwise searched from `cwd` up (pgv.config.yaml, .pgvrc*, …). */
  readonly file?: string;
  /** Default process.cwd(). */
  readonly cwd?: string;
}

/** Load, validate and resolve a config (extends, substitutions, paths): a frozen Config. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<Config> {
  return resolveConfig({ ...(options.file ? { file: options.file } : {}), cwd: options.cwd ?? process.cwd(), ...environment(options) });
}

/**
 * A fleet config with its `for_each` parts expanded into one part per (server, database), named
 * `TEMPLATE/SERVER/DBNAME` (their queries run now). Every call below expands by itself; this is
 * for callers that want to see the parts. A config without `for_each` is returned as it is.
 */
export async function expandFleet(config: Config, options: CallOptions & CancelOptions = {}): Promise<Config> {
  const { expandFleet: expand } = await import('./fleet/expand.js');
  return cancellable(options.signal, () => expand(config, environment(options)));
}

/** Which parts (all when absent): part names, `for_each` template names (all their expansions) or globs. */
export interface PartsOptions extends CallOptions {
  readonly parts?: readonly string[];
  /** Only shard `index` (1-based) of `count` of those parts (`--shard i/n`; lib/fleet/shard.ts says the rule). */
  readonly shard?: { readonly index: number; readonly count: number };
}

/** The steps `apply` would run, per part, with their reasons. Changes nothing. */
export async function plan(config: Config, options: PartsOptions & { readonly to?: string; readonly acceptChanged?: readonly string[]; readonly resume?: string | true } = {}): Promise<Plan> {
  const { planApply } = await import('./run/apply.js');
  return (await planApply(config, options, environment(options))).plan;
}

/** Options of `apply`. */
export interface ApplyOptions extends PartsOptions, CancelOptions {
  /** Receives every event of the run, in order. */
  readonly onEvent?: EventSink;
  /** Stop at this version. */
  readonly to?: string;
  /** `SCRIPT` or `PART:SCRIPT`: accept the new content of an applied script that changed. */
  readonly acceptChanged?: readonly string[];
  /** Parts applied at once where `after` allows (default 4). */
  readonly concurrency?: number;
  /** Wait this long for another pgv on the same database (ms, default 60 000). */
  readonly lockTimeoutMs?: number;
  /** Guard parts with `snapshot: before-apply` (default true). */
  readonly snapshots?: boolean;
  /**
   * Continue a killed run from its journal, as `pgv apply --resume [RUN]`: a run id, a journal's
   * path, or true for the newest run of this config. The parts the journal shows finished are
   * skipped without a connection; the others are planned and applied as usual. The parts, `to`
   * and `acceptChanged` come from the journal (giving them too throws a usage error).
   */
  readonly resume?: string | true;
  /** Record the run in `.pgv/runs/` beside the config (default true). */
  readonly journal?: boolean;
}

/** What `apply` did: every part and step (done, failed, not run), and the snapshot guard's work. */
export interface ApplyResult extends RunResult {
  readonly snapshots: readonly GuardOutcome[];
  /** Interruptions of earlier snapshot commands that the guard finished or undid. */
  readonly notes: readonly string[];
  /** Set when `signal` aborted the run: per unfinished part, what it left (as `pgv apply` prints after Ctrl-C). */
  readonly interrupted?: readonly string[];
  /** The journal the run was recorded in (`.pgv/runs/RUN.ndjson`), when it was. */
  readonly journal?: string;
  /** With `resume`: what the resumed run had done (`state` absent: no run was recorded). */
  readonly resumed?: ResumeReport;
}

/**
 * Bring the parts' databases to the state their scripts describe. A failed part is in the result
 * (`ok: false`), not thrown; so is an aborted run (`interrupted`, the part's error code `interrupted`).
 */
export async function apply(config: Config, options: ApplyOptions = {}): Promise<ApplyResult> {
  const { applyConfig } = await import('./run/apply.js');
  const { result, snapshots, notes, interrupted, journal, resumed } = await cancellable(options.signal, () => applyConfig(config, options, environment(options)));
  return { ...result, snapshots, notes, ...(interrupted ? { interrupted } : {}), ...(journal ? { journal } : {}), ...(resumed ? { resumed } : {}) };
}

/** A plan saved for review (`pgv plan -o`): the plan bound to the ledger rows, script checksums and catalog it was computed from. */
export async function savePlan(config: Config, options: PartsOptions & { readonly to?: string } = {}): Promise<SavedPlan> {
  const m = await import('./run/saved-plan.js');
  return (await m.savePlan(config, options, environment(options))).document;
}

/** Read a saved plan file; one that is not intact, of another format, or not a plan throws PgvError `plan_invalid`. */
export async function readSavedPlan(file: string): Promise<SavedPlan> {
  return (await import('./run/saved-plan.js')).readSavedPlan(file);
}

/**
 * Run exactly a saved plan's steps. Throws PgvError `plan_invalid` (made for another config) or
 * `plan_moved` (a script, the ledger or the catalog moved since; nothing ran, `data.moved` says what).
 * A part whose ledger already records exactly the plan's steps runs nothing and is listed in
 * `alreadyApplied` (running a saved plan twice is not a move).
 */
export async function applySavedPlan(config: Config, saved: SavedPlan, options: Omit<ApplyOptions, 'parts' | 'to' | 'acceptChanged'> & { readonly allowLintErrors?: boolean } = {}): Promise<ApplyResult & { readonly alreadyApplied: readonly AlreadyApplied[] }> {
  const m = await import('./run/saved-plan.js');
  const { result, snapshots, notes, interrupted, alreadyApplied } = await cancellable(options.signal, () => m.applySavedPlan(config, saved, options, environment(options)));
  return { ...result, snapshots, notes, alreadyApplied, ...(interrupted ? { interrupted } : {}) };
}

/** Each part's version, applied, pending, changed and skipped scripts, and what stops apply. */
export async function info(config: Config, options: PartsOptions = {}): Promise<{ parts: PartInfo[] }> {
  const { partsInfo } = await import('./run/info.js');
  return { parts: await partsInfo(config, options.parts ?? [], environment(options)) };
}

/** Options of `census`. */
export interface CensusCallOptions extends PartsOptions, CancelOptions {
  /** Databases read at once (default 8). */
  readonly concurrency?: number;
}

/**
 * The census of the parts' databases (`pgv info --fleet`): grouped by (version, schema
 * fingerprint), the drifted groups with the objects that differ from their version's majority,
 * and the databases that could not be read. Changes nothing.
 */
export async function census(config: Config, options: CensusCallOptions = {}): Promise<Census> {
  const [{ takeCensus }, { selectParts }] = await Promise.all([import('./fleet/census.js'), import('./targets/context.js')]);
  const ctx = environment(options);
  return cancellable(options.signal, async () => takeCensus(config, await selectParts(config, options.parts ?? [], ctx), ctx, { ...(options.concurrency ? { concurrency: options.concurrency } : {}) }));
}

/** Options of `baseline`. */
export interface BaselineOptions extends CallOptions, CancelOptions {
  readonly part: string;
  /** The version the database is at now. */
  readonly version: string;
  readonly lockTimeoutMs?: number;
  readonly onEvent?: EventSink;
}

/** Record a version as applied without running any script (`recorded: false` when it was there already; `interrupted` as for apply). */
export async function baseline(config: Config, options: BaselineOptions): Promise<RunResult & { recorded: boolean; interrupted?: readonly string[] }> {
  const { baselineConfig } = await import('./run/apply.js');
  const r = await cancellable(options.signal, () => baselineConfig(config, options, environment(options)));
  return { ...r.result, recorded: r.recorded, ...(r.interrupted ? { interrupted: r.interrupted } : {}) };
}

/** Options of `check`: two databases (URLs, keyword strings, or names on the config's server). */
export interface CheckOptions extends CheckRequest, CallOptions, CancelOptions {
  readonly db1: string;
  readonly db2: string;
  /** Names resolve on this config's server, and its parts' ledgers are left out. */
  readonly config?: Config;
}

/** Options of `check` of a part: its database against a fresh build of its scripts (dropped afterwards). */
export interface CheckPartOptions extends CheckRequest, CallOptions, CancelOptions {
  readonly config: Config;
  readonly part: string;
  /** The reference build's events. */
  readonly onEvent?: EventSink;
}

/** What `check` found; `warnings` of a part's reference build (a throwaway that could not be dropped). */
export type CheckResult = Comparison & { databases: { db1: string; db2: string }; warnings: readonly string[] };

/** Compare two databases' schemas by object kind, or a part's database with a fresh build of its scripts. */
export async function check(options: CheckOptions | CheckPartOptions): Promise<CheckResult> {
  return cancellable(options.signal, async () => {
    if ('part' in options) {
      const { checkPart } = await import('./check/part.js');
      const { result, databases, warnings } = await checkPart(options.config, options.part, options, { ...environment(options), ...(options.onEvent ? { onEvent: options.onEvent } : {}) });
      return { ...result, databases, warnings };
    }
    const { checkConnections } = await import('./check/connections.js');
    const { result, databases } = await checkConnections(options.config ?? null, options, environment(options));
    return { ...result, databases, warnings: [] };
  });
}

/** A part of a config, or a database (a URL, a keyword string, or a name on the config's server). */
export type DatabaseTarget = { readonly config: Config; readonly part: string } | { readonly db: string; readonly config?: Config };

async function connectionOf(target: DatabaseTarget, options: CallOptions | undefined): Promise<ConnectionSpec> {
  const ctx = environment(options);
  const { connectionFor, ensureServer, selectPart } = await import('./targets/context.js');
  if ('part' in target) {
    const part = await selectPart(target.config, target.part, ctx);
    await ensureServer(target.config, ctx);
    return connectionFor(target.config, part, ctx);
  }
  const { connectionForArgument } = await import('./targets/conn-arg.js');
  return connectionForArgument(target.config ?? null, target.db, ctx);
}

/** Options of `dump`. */
export interface DumpOptions extends CallOptions, CancelOptions {
  /** The dump to write (a folder for the directory format); replaced only when pg_dump succeeds. */
  readonly file: string;
  readonly format?: DumpFormat;
  readonly jobs?: number;
  readonly schemaOnly?: boolean;
  readonly excludeSchemas?: readonly string[];
}

/** pg_dump of one database, the password through the environment. */
export async function dump(target: DatabaseTarget, options: DumpOptions): Promise<DumpResult> {
  const { dumpDatabase } = await import('./dump/dump.js');
  const { file, ...rest } = options;
  // Aborting also stops pg_dump and removes its partial output.
  return cancellable(options.signal, async () => dumpDatabase(await connectionOf(target, options), file, { ...rest, ...environment(options) }));
}

/** Options of `restore`. */
export interface RestoreOptions extends CallOptions, CancelOptions {
  readonly file: string;
  readonly jobs?: number;
  /** Create the database (from template0) when it does not exist. */
  readonly create?: boolean;
  /** Allow a target with objects: drop the dump's objects first. */
  readonly clean?: boolean;
}

/** A dump into an empty (or, with `clean`, any) database. */
export async function restore(target: DatabaseTarget, options: RestoreOptions): Promise<RestoreResult> {
  const { restoreDatabase } = await import('./dump/restore.js');
  const { file, ...rest } = options;
  return cancellable(options.signal, async () => restoreDatabase(await connectionOf(target, options), file, { ...rest, ...environment(options) }));
}

/** Options of `testAndUpgrade`. */
export interface TestAndUpgradeOptions extends CallOptions, CancelOptions {
  readonly part: string;
  /** How production is copied (default auto: by template when nobody is connected). */
  readonly copy?: CopyMethod;
  /** Keep the throwaway databases for inspection. */
  readonly keep?: boolean;
  readonly lockTimeoutMs?: number;
  /** The rehearsal's phases (steps of kind `rehearse`), warnings, and the production upgrade's events. */
  readonly onEvent?: EventSink;
}

/** Rehearse the upgrade on a copy, compare it with a fresh build, and only when identical upgrade production. */
export async function testAndUpgrade(config: Config, options: TestAndUpgradeOptions): Promise<Rehearsal> {
  const [{ rehearse }, { selectPart }] = await Promise.all([import('./rehearse/rehearse.js'), import('./targets/context.js')]);
  const part = await selectPart(config, options.part, environment(options));
  return cancellable(options.signal, () =>
    rehearse(config, part, { ...environment(options), ...(options.onEvent ? { onEvent: options.onEvent } : {}) }, {
      copy: options.copy ?? 'auto',
      keep: options.keep ?? false,
      lockTimeoutMs: options.lockTimeoutMs ?? 60_000,
    }),
  );
}

/** Options of every snapshot action. */
export interface SnapshotOptions extends CallOptions, CancelOptions {
  readonly lockTimeoutMs?: number;
  /** Receives a warning for each interruption of an earlier snapshot command that was finished or undone. */
  readonly onEvent?: EventSink;
}

async function withSnapshot<T>(target: DatabaseTarget, action: string, options: SnapshotOptions | undefined, fn: (s: SnapshotSession, act: SnapshotActions) => Promise<T>): Promise<T> {
  const { runSnapshotAction, snapshotAction } = await import('./snapshot/actions.js');
  const onNote = (note: string) => options?.onEvent?.({ type: 'warning', message: note });
  return cancellable(options?.signal, async () => runSnapshotAction(await connectionOf(target, options), { action, lockTimeoutMs: options?.lockTimeoutMs ?? 60_000, onNote }, (s) => fn(s, snapshotAction)));
}

/** Whole-database snapshots, odb style: the same actions as `pgv snapshot`. */
export const snapshot = {
  /** Start versioning the working database: version 0. */
  init: (target: DatabaseTarget, options?: SnapshotOptions): Promise<InitOutcome> => withSnapshot(target, 'init', options, (s, act) => act.init(s)),
  /** Freeze the current state as a snapshot; move to the next version. */
  commit: (target: DatabaseTarget, options: SnapshotOptions & { readonly message?: string; readonly force?: boolean; readonly strategy?: StrategyChoice } = {}): Promise<CommitOutcome> =>
    withSnapshot(target, 'commit', options, (s, act) => act.commit(s, { ...(options.message !== undefined ? { message: options.message } : {}), force: options.force ?? false, strategy: options.strategy ?? 'auto' })),
  /** Version, parent and tip. */
  info: (target: DatabaseTarget, options?: SnapshotOptions): Promise<WorkingMeta> => withSnapshot(target, 'info', options, (s, act) => act.info(s)),
  /** The working database and its snapshots, with sizes. */
  log: (target: DatabaseTarget, options?: SnapshotOptions): Promise<History> => withSnapshot(target, 'log', options, (s, act) => act.log(s)),
  /** Replace the working database by a copy of a snapshot (default: the parent). */
  revert: (target: DatabaseTarget, options: SnapshotOptions & { readonly to?: Target; readonly keep?: boolean; readonly force?: boolean; readonly strategy?: StrategyChoice } = {}): Promise<RevertOutcome> =>
    withSnapshot(target, 'revert', options, (s, act) => act.revert(s, { target: options.to ?? { kind: 'parent' }, keep: options.keep ?? false, force: options.force ?? false, strategy: options.strategy ?? 'auto' })),
  /** Name a snapshot (default: the parent), or delete a tag. */
  tag: (target: DatabaseTarget, options: SnapshotOptions & { readonly name: string; readonly on?: Target; readonly delete?: boolean }): Promise<TagOutcome> =>
    withSnapshot(target, 'tag', options, (s, act) => act.tag(s, { name: options.name, target: options.on ?? null, delete: options.delete ?? false })),
  /** Drop the snapshots the filter selects (only lists them unless `yes`). */
  purge: (target: DatabaseTarget, options: SnapshotOptions & { readonly filter: PurgeFilter; readonly yes?: boolean; readonly force?: boolean }): Promise<PurgeOutcome> =>
    withSnapshot(target, 'purge', options, (s, act) => act.purge(s, { filter: options.filter, yes: options.yes ?? false, force: options.force ?? false })),
};
