/**
 * `apply` and `baseline` as library functions: select the parts, plan, refuse what must be
 * refused, run. They return what happened as values; showing it is the caller's business.
 */
import type { Config, Part } from '../config/types.js';
import { usageError } from '../errors.js';
import type { EventSink } from '../exec/events.js';
import { checkBaselineVersion, planBaseline } from '../plan/plan-baseline.js';
import { changedScriptsRefusal } from '../plan/plan.js';
import type { Finding } from '../lint/lint.js';
import type { Plan } from '../plan/types.js';
import { displayQualified } from '../db/ident.js';
import { selectPart, selectParts, type Environment } from '../targets/context.js';
import { partsOfShard, type Shard } from '../fleet/shard.js';
import { preparePlan, readScripts, runPlan, type PreparedPart, type RunOptions, type RunOutcome } from './pipeline.js';
import { findJournal, openJournal, type Journal, type JournalStart } from './journal.js';
import { resumeSelection, runState, type ResumeReport, type ResumeSelection } from './resume.js';
import { pgvVersion } from '../version.js';

/** What `apply` is asked for. */
export interface ApplyRequest {
  /** Part names (all when empty or absent): parts, `for_each` templates, or globs. */
  readonly parts?: readonly string[];
  /** `--shard i/n`: only the parts of shard i of n (lib/fleet/shard.ts says the rule). */
  readonly shard?: Shard;
  /** `SCRIPT` (in any selected part) or `PART:SCRIPT`: accept the new content of a changed applied script. */
  readonly acceptChanged?: readonly string[];
  /** Stop at this version. */
  readonly to?: string;
  /** Parts applied at once where `after` allows (default 4). */
  readonly concurrency?: number;
  /** How long to wait for another pgv on the same database, in ms (default 60 s). */
  readonly lockTimeoutMs?: number;
  /** Guard parts with `snapshot: before-apply` (default true). */
  readonly snapshots?: boolean;
  /** Run the scripts even when lint finds error-level problems in them (`--allow-lint-errors`). */
  readonly allowLintErrors?: boolean;
  /** Receives every event of the run. */
  readonly onEvent?: EventSink;
  /** Aborting it stops the run before its next step; the steps left are reported as not run. */
  readonly signal?: AbortSignal;
  /**
   * Continue a run from its journal (`apply --resume [RUN]`): a run id, a journal's path, or true
   * for the newest run of this config. Its finished parts are skipped without a connection; every
   * other part of the run is planned and applied as usual. Takes its parts, `to` and
   * `acceptChanged` from the journal (giving them too is a usage error).
   */
  readonly resume?: string | true;
  /** Write the run's journal in `.pgv/runs/` beside the config (default true; `--no-journal`). */
  readonly journal?: boolean;
}

/** Lint findings of the planned scripts, by step id. */
export type LintFindings = ReadonlyMap<string, readonly Finding[]>;

/** The plan `apply` would run for a request, and how to run it. */
export interface PreparedApply {
  readonly plan: Plan;
  readonly findings: LintFindings;
  readonly prepared: ReadonlyMap<string, PreparedPart>;
  /** With `resume`: what the resumed run had done. */
  readonly resumed?: ResumeReport;
  /** Run the plan; `journal` is the file the run was recorded in, if it was. */
  readonly run: () => Promise<RunOutcome & { readonly journal?: string }>;
}

/** The plan `apply` would run for a request (also what `apply --dry-run` shows). */
export async function planApply(config: Config, request: ApplyRequest, ctx: Environment & { readonly cwd?: string }): Promise<PreparedApply> {
  // A resumed run picks its parts out of every part of the config (a fleet's expanded).
  const every = request.resume !== undefined ? await selectParts(config, [], ctx) : undefined;
  const resuming = every ? await resumeOf(config, every, request, ctx.cwd) : undefined;
  if (resuming?.report.nothing) {
    const empty: Plan = { parts: [] };
    return { plan: empty, findings: new Map(), prepared: new Map(), resumed: resuming.report, run: () => runPlan(empty, new Map(), runOptionsOf(request, ctx)) };
  }
  const from = resuming ? { header: resuming.journal.header, selection: resuming.selection } : undefined;
  const to = from ? from.header.to : request.to;
  const acceptChanged = from ? from.header.accept_changed ?? [] : request.acceptChanged ?? [];
  const selected = from ? [...from.selection.parts] : await selectParts(config, request.parts ?? [], ctx);
  const parts = !from && request.shard ? partsOfShard(selected, request.shard) : selected;
  // A resumed run's PART:SCRIPT may name a part the killed run finished: read the values against every part.
  const accept = acceptedScripts(every ?? parts, acceptChanged);
  if (to !== undefined && !/^\d{1,9}(\.\d{1,9})*$/.test(to)) throw usageError(`--to must be a version (3, 1.2.0), not "${to}"`, "A schema part's generation (update3.sql: 3) or a delta's version (delta_1.2.0_x.sql: 1.2.0).");
  const generations = to?.includes('.') ? parts.find((p) => p.recipe === 'schema') : undefined;
  if (generations) {
    const deltas = parts.filter((p) => p.recipe === 'deltas').map((p) => p.name);
    throw usageError(`--to ${to}: part ${generations.name} is a schema directory, whose versions are generations (--to 3), not ${to}`, deltas.length ? `Name the deltas parts: pgv apply ${deltas.join(' ')} --to ${to}.` : 'Give a generation: the N of updateN.sql.');
  }
  const { plan, prepared } = await preparePlan(config, parts, ctx, { accept, ...(to !== undefined ? { to } : {}) });
  // The killed run may have recorded the acceptance already.
  if (!resuming) checkAccepted(plan, acceptChanged);
  // Lint the scripts the plan runs; the parser (WebAssembly) loads only when there are some.
  const lint = plan.parts.some((p) => p.steps.some((s) => s.kind === 'run-script')) ? await import('../lint/scripts.js') : undefined;
  const findings: LintFindings = lint ? await lint.lintPlan(plan, prepared, ctx.cwd ?? process.cwd()) : new Map();
  // The journal: every run (a one-part no-op costs a file of four lines: ~0.6 ms with the pruning).
  const header: JournalStart | undefined =
    request.journal === false
      ? undefined
      : {
          pgv: pgvVersion,
          all: from ? from.selection.header.all : (request.parts ?? []).length === 0 && !request.shard,
          parts: from ? from.selection.header.parts : parts.map((p) => ({ part: p.name, database: p.dbname })),
          ...(from ? { resumes: from.selection.header.resumes, finished_before: from.selection.header.finished_before } : {}),
          ...(to !== undefined ? { to } : {}),
          ...(acceptChanged.length ? { accept_changed: acceptChanged } : {}),
        };
  const run = async () => {
    const refusal = changedScriptsRefusal(plan.parts) ?? (request.allowLintErrors || !lint ? undefined : lint.lintRefusal(findings));
    if (refusal) throw refusal;
    return runRecorded(config, plan, prepared, { ...runOptionsOf(request, ctx), rollout: config.rollout }, header, ctx);
  };
  return { plan, findings, prepared, ...(resuming ? { resumed: resuming.report } : {}), run };
}

/** Run a plan, its events also written to a journal when `header` says what to head it with. */
async function runRecorded(config: Config, plan: Plan, prepared: ReadonlyMap<string, PreparedPart>, options: RunOptions, header: JournalStart | undefined, ctx: Environment): Promise<RunOutcome & { readonly journal?: string }> {
  const emit = options.onEvent ?? (() => undefined);
  // A journal that cannot be written is a note of the run's report (and a warning event), not a failure.
  const notes: string[] = [];
  const warn = (message: string) => {
    notes.push(message);
    emit({ type: 'warning', message });
  };
  const journal = header ? openJournal(config, header, { env: ctx.env, warn }) : null;
  const onEvent: EventSink = journal
    ? (event) => {
        journal.onEvent(event);
        emit(event);
      }
    : emit;
  const outcome = await runPlan(plan, prepared, { ...options, onEvent });
  return { ...outcome, notes: [...outcome.notes, ...notes], ...(journal ? { journal: journal.file } : {}) };
}

/** The journal a resumed run continues, its state, and the parts left to run. */
async function resumeOf(config: Config, every: readonly Part[], request: ApplyRequest, cwd: string | undefined): Promise<{ journal: Journal; selection: ResumeSelection; report: ResumeReport }> {
  if (request.parts?.length || request.shard || request.to !== undefined || request.acceptChanged?.length) {
    throw usageError('--resume takes its parts (and shard), --to and --accept-changed from the run it resumes: give none of them', 'pgv apply --resume [RUN]; or plain pgv apply with the parts and options you want.');
  }
  const journal = findJournal(config, request.resume === true ? undefined : request.resume, cwd);
  const state = runState(journal);
  const selection = resumeSelection(config, every, journal, state);
  return { journal, selection, report: { state, nothing: selection.parts.length === 0, gone: selection.gone, added: selection.added } };
}

/** The run options of an apply request, with apply's defaults (4 parts at once, 60 s for the lock, snapshots on). */
export function runOptionsOf(request: Pick<ApplyRequest, 'concurrency' | 'lockTimeoutMs' | 'snapshots' | 'onEvent' | 'signal'>, ctx: Environment): RunOptions {
  return {
    env: ctx.env,
    concurrency: request.concurrency ?? 4,
    lockTimeoutMs: request.lockTimeoutMs ?? 60_000,
    snapshots: request.snapshots ?? true,
    ...(request.onEvent ? { onEvent: request.onEvent } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  };
}

/** Bring the selected parts' databases to the state their scripts describe. */
export async function applyConfig(config: Config, request: ApplyRequest, ctx: Environment): Promise<RunOutcome & { readonly journal?: string; readonly resumed?: ResumeReport }> {
  const { run, resumed } = await planApply(config, request, ctx);
  return { ...(await run()), ...(resumed ? { resumed } : {}) };
}

/** What `baseline` is asked for. */
export interface BaselineRequest {
  readonly part: string;
  /** The version the database is at now. */
  readonly version: string;
  readonly lockTimeoutMs?: number;
  readonly onEvent?: EventSink;
  readonly signal?: AbortSignal;
}

/** Record a version as applied without running any script; `recorded` is false when the database was at it already. */
export async function baselineConfig(config: Config, request: BaselineRequest, ctx: Environment): Promise<RunOutcome & { part: Part; version: string; recorded: boolean }> {
  const part = await selectPart(config, request.part, ctx);
  const scripts = readScripts(part);
  const version = checkBaselineVersion(part, scripts, request.version);
  const { plan, prepared } = await preparePlan(config, [part!], ctx, {
    scripts: () => scripts, // read once
    planner: ({ part: p, observed }) => planBaseline(p, observed, version, displayQualified(p.upgradesTable)),
  });
  const outcome = await runPlan(plan, prepared, {
    env: ctx.env,
    command: 'baseline',
    concurrency: 1,
    lockTimeoutMs: request.lockTimeoutMs ?? 60_000,
    ...(request.onEvent ? { onEvent: request.onEvent } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  });
  return { ...outcome, part: part, version, recorded: plan.parts.some((p) => p.steps.length > 0) };
}

/** `--accept-changed` values by part: `PART:SCRIPT` names one part, a bare `SCRIPT` every part. */
function acceptedScripts(parts: readonly Part[], values: readonly string[]): Map<string, Set<string>> {
  const byPart = new Map<string, Set<string>>();
  for (const value of values) {
    const colon = value.indexOf(':');
    const named = colon > 0 ? parts.find((p) => p.name === value.slice(0, colon)) : undefined;
    const script = named ? value.slice(colon + 1) : value;
    for (const p of named ? [named] : parts) {
      if (!byPart.has(p.name)) byPart.set(p.name, new Set());
      byPart.get(p.name)!.add(script);
    }
  }
  return byPart;
}

/** Every `--accept-changed` value must name a script that changed: a typo must not pass silently. */
function checkAccepted(plan: Plan, values: readonly string[]): void {
  for (const value of values) {
    const script = value.includes(':') && plan.parts.some((p) => value.startsWith(`${p.name}:`)) ? value.slice(value.indexOf(':') + 1) : value;
    const hit = plan.parts.some((p) => p.steps.some((s) => s.kind === 'accept-script' && s.script === script));
    if (!hit) {
      const changed = plan.parts.flatMap((p) => p.changed.filter((c) => c.change === 'modified').map((c) => `${p.name}:${c.script}`));
      throw usageError(
        `--accept-changed ${value}: no applied script of that name has changed`,
        changed.length ? `Changed scripts: ${changed.join(', ')}.` : 'No applied script has changed; nothing needs accepting.',
      );
    }
  }
}
