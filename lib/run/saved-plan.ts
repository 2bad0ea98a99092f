/**
 * Saved plans (`pgv plan -o plan.json`, `pgv apply --plan plan.json`): the plan as a reviewable
 * document bound to what it was computed from. Applying it runs exactly its steps, or refuses
 * and runs nothing when a script file, the ledger or the catalog moved since; the check is made
 * before anything runs and again under each part's lock.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config, Part } from '../config/types.js';
import { PgvError, type ErrorCode } from '../errors.js';
import { applyExclusions } from '../check/exclude.js';
import { inspectDatabase } from '../check/inspect.js';
import { checkOptionsFor, ledgersOf, type CheckOptions } from '../check/options.js';
import type { ConnectionSpec } from '../db/connection.js';
import type { Finding } from '../lint/lint.js';
import type { TraceJson } from '../report/trace-json.js';
import type { ObservedPart, PartPlan, Plan, Step } from '../plan/types.js';
import type { ScriptSet } from '../recipes/types.js';
import { selectParts, type Environment } from '../targets/context.js';
import { pgvVersion } from '../version.js';
import { validateAgainst } from '../config/validate.js';
import { planApply, runOptionsOf, type ApplyRequest, type LintFindings } from './apply.js';
import {
  catalogMoves, catalogPrint, configIdentity, documentHash, ledgerMoves, ledgerPrint, ledgerState, partSettings, rowsText, savedPlanFormat, scriptMoves, settingsDifferences, sha256,
  type CatalogPrint, type LedgerState, type PartFingerprint, type PartSettings, type PlannedRow,
} from './fingerprint.js';
import { observeParts, runPlan, type PreparedPart, type RunOutcome } from './pipeline.js';

/** One part of a saved plan: its plan, what it was computed from, and its scripts' lint findings. */
export interface SavedPart {
  readonly plan: PartPlan;
  readonly fingerprint: PartFingerprint;
  /** Lint findings by step id (steps without findings left out). */
  readonly findings: Readonly<Record<string, readonly Finding[]>>;
  /** `plan -o FILE --trace`: the locks and rewrites measured on a copy, and the lock policy's verdict, as `pgv trace --json` gives them. */
  readonly trace?: TraceJson;
}

/** A saved plan document (schemas/pgv.saved-plan.schema.json). */
export interface SavedPlan {
  readonly format: typeof savedPlanFormat;
  /** The pgv that made it. */
  readonly pgv: string;
  readonly created_at: string;
  /** The config as far as planning goes: each planned part's settings that decide its steps, and a hash of them. */
  readonly config: { readonly identity: string; readonly parts: Readonly<Record<string, PartSettings>> };
  readonly parts: readonly SavedPart[];
  /** sha256 of the document without this field: a hand edit shows. */
  readonly hash: string;
}

/** Plan as `apply` would, and bind the plan to what it was computed from. */
export async function savePlan(config: Config, request: ApplyRequest & { readonly trace?: boolean }, ctx: Environment & { readonly cwd?: string; readonly now?: Date }): Promise<{ plan: Plan; findings: LintFindings; document: SavedPlan }> {
  const { plan, findings, prepared } = await planApply(config, request, ctx);
  // A saved plan binds every part to what was observed: a part whose server is down has nothing to bind.
  const unreachable = plan.parts.find((p) => p.unreachable);
  if (unreachable) throw new PgvError((unreachable.unreachable!.code as ErrorCode), `part ${unreachable.name}: ${unreachable.unreachable!.message}`, unreachable.unreachable!.hint ? { hint: unreachable.unreachable!.hint } : {});
  // The evidence of a rehearsal: each part with scripts to run, traced on a copy (production untouched).
  const traces = new Map<string, TraceJson>();
  if (request.trace) {
    const [{ rehearse }, { renderTraceJson }] = await Promise.all([import('../rehearse/rehearse.js'), import('../report/trace-json.js')]);
    for (const p of plan.parts.filter((p) => p.steps.some((s) => s.kind === 'run-script'))) {
      const r = await rehearse(config, prepared.get(p.name)!.part, { env: ctx.env }, { copy: 'auto', keep: false, lockTimeoutMs: request.lockTimeoutMs ?? 60_000, trace: true, traceOnly: true });
      if (r.outcome === 'failed-on-copy') throw r.error ?? new PgvError('script_failed', `part ${p.name}: the scripts failed on the copy`);
      if (r.traced) traces.set(p.name, renderTraceJson(r.traced.trace, r.traced.violations));
    }
  }
  const parts = await Promise.all(
    plan.parts.map(async (p): Promise<SavedPart> => {
      const prep = prepared.get(p.name)!;
      const stepFindings = Object.fromEntries(p.steps.filter((s) => findings.has(s.id)).map((s) => [s.id, findings.get(s.id)!]));
      const trace = traces.get(p.name);
      return { plan: p, fingerprint: await fingerprintOf(config, prep.part, prep.spec, prep.scripts, prep.observed!), findings: stepFindings, ...(trace ? { trace } : {}) };
    }),
  );
  const settings = Object.fromEntries(plan.parts.map((p) => [p.name, partSettings(config, prepared.get(p.name)!.part)]));
  const body = {
    format: savedPlanFormat,
    pgv: pgvVersion,
    created_at: (ctx.now ?? new Date()).toISOString(),
    config: { identity: configIdentity(settings), parts: settings },
    parts,
  };
  return { plan, findings, document: { ...body, hash: documentHash(body) } };
}

/** Read a saved plan file; anything that is not an intact plan of this format is refused (exit 2). */
export function readSavedPlan(file: string): SavedPlan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw invalid(`cannot read the plan file ${file}: ${why}`, 'Give the file `pgv plan -o FILE` wrote.');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalid(`${file} is not a pgv saved plan: it is not JSON`, 'Give the file `pgv plan -o FILE` wrote.');
  }
  const o = doc as Record<string, unknown>;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || !('format' in o) || !Array.isArray(o.parts) || typeof o.hash !== 'string') {
    throw invalid(`${file} is not a pgv saved plan (no format, parts and hash)`, 'Give the file `pgv plan -o FILE` wrote.');
  }
  if (o.format !== savedPlanFormat) {
    const format = JSON.stringify(o.format);
    if (typeof o.format !== 'number' || !Number.isInteger(o.format) || o.format < 1) throw invalid(`${file} is not a pgv saved plan (its format is ${format})`, 'Give the file `pgv plan -o FILE` wrote.');
    const older = o.format < savedPlanFormat;
    throw invalid(
      `${file} was made by ${older ? 'an older' : 'a newer'} pgv${typeof o.pgv === 'string' && o.pgv !== pgvVersion ? ` (${o.pgv})` : ''}: it is a saved plan of format ${format}, and this pgv ${pgvVersion} reads format ${savedPlanFormat}; nothing was applied`,
      older ? 'Make the plan again with this pgv: pgv plan -o FILE (and have it reviewed).' : 'Apply it with the pgv that made it, or make the plan again with this one: pgv plan -o FILE.',
    );
  }
  const problems = validateAgainst('pgv.saved-plan.schema.json', doc);
  if (problems.length) {
    throw new PgvError('plan_invalid', `${file} is not a valid pgv saved plan: ${problems.length} problem${problems.length === 1 ? '' : 's'} (schemas/pgv.saved-plan.schema.json)`, {
      hint: 'Give the file `pgv plan -o FILE` wrote, unedited.',
      details: problems.map((p) => `${p.path}: ${p.message}`),
    });
  }
  if (documentHash(o) !== o.hash) {
    throw invalid(`${file} was edited since pgv wrote it (its hash does not match its content)`, 'A reviewed plan must be applied as written; make it again with pgv plan -o FILE.');
  }
  return doc as SavedPlan;
}

/** What `apply --plan` is asked for besides the plan. */
export type SavedApplyRequest = Omit<ApplyRequest, 'parts' | 'acceptChanged' | 'to'>;

/** A part of a saved plan whose steps the ledger already records: nothing of it ran. */
export interface AlreadyApplied {
  readonly part: string;
  /** The ledger rows its steps wrote (ids, in order). */
  readonly rows: readonly number[];
  /** Applied by another run while this one waited for the part's lock (else: before this run began). */
  readonly meanwhile: boolean;
}

/** What running a saved plan did: the run, and the parts the plan had already been applied to. */
export interface SavedRunOutcome extends RunOutcome {
  readonly alreadyApplied: readonly AlreadyApplied[];
}

/**
 * Run a saved plan: refuse (exit 2) a plan made for another config, refuse (exit 3) when anything
 * it was computed from moved, else run exactly its steps. Each part checks again under its lock.
 * A part whose ledger gained exactly the plan's own steps since (the plan already ran) runs
 * nothing: running a plan twice is not a move, as running `pgv apply` twice is not.
 */
export async function applySavedPlan(config: Config, saved: SavedPlan, request: SavedApplyRequest, ctx: Environment): Promise<SavedRunOutcome> {
  const parts = await partsOfPlan(config, saved, ctx);
  const inputs = await observeParts(config, parts, ctx);
  const savedOf = new Map(saved.parts.map((p) => [p.plan.name, p]));
  const moved: string[] = [];
  const already = new Map<string, AlreadyApplied>();
  for (const input of inputs) {
    const s = savedOf.get(input.part.name)!;
    const verdict = await judge(s, input, input.observed, {
      scripts: scriptChecksums(input.scripts),
      catalog: () => (input.observed.exists ? catalogOf(config, input.part, input.spec, input.scripts) : Promise.resolve(null)),
    });
    if (verdict.kind === 'applied') already.set(input.part.name, { part: input.part.name, rows: verdict.rows, meanwhile: false });
    else if (verdict.kind === 'moved') moved.push(...verdict.lines.map((line) => `${input.part.name}: ${line}`));
  }
  if (moved.length) throw movedError(moved);
  // Only what runs is held to lint: a part already applied (maybe with --allow-lint-errors) runs nothing.
  const findings = new Map(saved.parts.filter((p) => !already.has(p.plan.name)).flatMap((p) => Object.entries(p.findings)));
  if (!request.allowLintErrors) {
    const refusal = (await import('../lint/scripts.js')).lintRefusal(findings);
    if (refusal) throw refusal;
  }
  const meanwhile = new Map<string, AlreadyApplied>();
  const prepared = new Map<string, PreparedPart>(
    inputs.map((input) => {
      const { part, spec, scripts } = input;
      if (already.has(part.name)) return [part.name, { part, spec, scripts }];
      const s = savedOf.get(part.name)!;
      // Under the lock: the ledger as the plan saw it (or with exactly its steps: another run of this plan), and the catalog (unless the plan creates the database).
      const verify = async (observed: ObservedPart): Promise<PartPlan | undefined> => {
        const verdict = await judge(s, input, observed, { catalog: () => (s.fingerprint.catalog === null ? Promise.resolve(null) : catalogOf(config, part, spec, scripts)) });
        if (verdict.kind === 'moved') throw movedError(verdict.lines.map((line) => `${part.name}: ${line}`));
        if (verdict.kind === 'run') return undefined;
        meanwhile.set(part.name, { part: part.name, rows: verdict.rows, meanwhile: true });
        return nothingLeft(s.plan);
      };
      return [part.name, { part, spec, scripts, verify }];
    }),
  );
  const plan = { parts: saved.parts.map((p): PartPlan => ({ ...(already.has(p.plan.name) ? nothingLeft(p.plan) : p.plan), replan: { planner: 'saved' } })) };
  const outcome = await runPlan(plan, prepared, runOptionsOf(request, ctx));
  const alreadyApplied = saved.parts.flatMap((p) => [already.get(p.plan.name) ?? meanwhile.get(p.plan.name) ?? []].flat());
  return { ...outcome, alreadyApplied };
}

/** The config's parts the plan names; refused (exit 2) when the config lacks one or a part's settings differ, naming each. */
async function partsOfPlan(config: Config, saved: SavedPlan, ctx: Environment): Promise<Part[]> {
  const all = new Map((await selectParts(config, [], ctx)).map((p) => [p.name, p]));
  const hint = 'Apply it with the config it was made with (-c FILE), or make the plan again with this one: pgv plan -o FILE.';
  const names = saved.parts.map((p) => p.plan.name);
  const missing = names.filter((n) => !all.has(n));
  if (missing.length) {
    const list = missing.map((n) => `"${n}"`).join(', ');
    throw invalid(`the plan was made for another config: it has part${missing.length === 1 ? '' : 's'} ${list}, which ${config.file} does not define; nothing was applied`, hint);
  }
  const parts = names.map((n) => all.get(n)!);
  const settings = Object.fromEntries(parts.map((p) => [p.name, partSettings(config, p)]));
  if (configIdentity(settings) !== saved.config.identity) {
    const lines = parts.flatMap((p) => settingsDifferences(saved.config.parts[p.name]!, settings[p.name]!).map((l) => `${p.name}: ${l}`));
    const shown = lines.length ? `${lines.length} setting${lines.length === 1 ? ' differs' : 's differ'} (the plan's → ${path.basename(config.file)}'s): ${lines[0]}${lines.length > 1 ? ', …' : ''}` : 'the parts\' settings differ';
    throw new PgvError('plan_invalid', `the plan was made for another config: ${shown}; nothing was applied`, { hint, details: lines.length > 1 ? lines : [], data: { differences: lines } });
  }
  return parts;
}

/** What a part of a saved plan does now: run its steps, nothing (they are applied), or refuse (what moved). */
type Verdict = { readonly kind: 'run' } | { readonly kind: 'applied'; readonly rows: readonly number[] } | { readonly kind: 'moved'; readonly lines: readonly string[] };

/**
 * Judge a part against its saved fingerprint: `scripts` are the files' checksums now (before the
 * run; under the lock they are not read again), `catalog` reads the catalog now (only when the
 * ledger is not the plan's own steps: then the catalog moved by them, and is not compared).
 */
async function judge(s: SavedPart, input: { readonly scripts: ScriptSet }, observed: ObservedPart, now: { readonly scripts?: Readonly<Record<string, string>>; readonly catalog: () => Promise<CatalogPrint | null> }): Promise<Verdict> {
  const ledger = ledgerPrint(observed.ledger.rows);
  const scripts = now.scripts ? scriptMoves(s.fingerprint.scripts, now.scripts) : [];
  const state = ledgerState(s.fingerprint.ledger, ledger, plannedRows(s.plan.steps, observed.ledger.style, input.scripts));
  if (state.kind === 'applied' && scripts.length === 0) return { kind: 'applied', rows: state.rows };
  const own = ownRowsLine(state);
  const ledgerLines = own !== null ? [own] : ledgerMoves(s.fingerprint.ledger, ledger);
  const catalog = own !== null ? [] : catalogMoves(s.fingerprint.catalog, await now.catalog(), ledgerLines.length > 0);
  const lines = [...scripts, ...ledgerLines, ...catalog];
  return lines.length ? { kind: 'moved', lines } : { kind: 'run' };
}

/** The line for a ledger that holds (some of) the plan's own steps; null for any other ledger. */
function ownRowsLine(state: LedgerState): string | null {
  switch (state.kind) {
    case 'applied':
      return `the ledger gained ${rowsText(state.rows)}: this plan's own steps (it was applied since it was made)`;
    case 'partly': {
      const rows = state.rows.length === 1 ? `ledger ${rowsText(state.rows)} is the first of its ${state.of} scripts` : `ledger ${rowsText(state.rows)} are the first ${state.rows.length} of its ${state.of} scripts`;
      return `this plan was partly applied: ${rows}; ${state.failed !== undefined ? `${state.failed} failed` : `${state.next} has not run`}`;
    }
    default:
      return null;
  }
}

/** The ledger rows a plan's steps write, in order (db/ledger.ts: a delta directory's pre-all.sql writes none, nor post-all.sql in a pum table). */
function plannedRows(steps: readonly Step[], style: 'pgv' | 'pum', scripts: ScriptSet): PlannedRow[] {
  const files = new Map([...(scripts.init ? [scripts.init] : []), ...scripts.updates, ...(scripts.postAll ? [scripts.postAll] : [])].map((f) => [f.name, f]));
  return steps.flatMap((step) => {
    if (step.kind !== 'run-script' || step.scriptKind === 'pre-all' || (step.scriptKind === 'post-all' && style !== 'pgv')) return [];
    return [{ script: step.script, version: step.version, checksum: style === 'pum' ? (files.get(step.script)?.md5 ?? '') : step.checksum }];
  });
}

/** A part's plan with its steps done: nothing left to run, at the version the plan brings it to. */
function nothingLeft(plan: PartPlan): PartPlan {
  return { ...plan, steps: [], current: plan.target };
}

/** A saved plan's parts as a Plan (for the renderers), and its findings by step id. */
export function planOfSaved(saved: SavedPlan): { plan: Plan; findings: LintFindings } {
  return { plan: { parts: saved.parts.map((p) => p.plan) }, findings: new Map(saved.parts.flatMap((p) => Object.entries(p.findings))) };
}

/** What a part's plan is computed from, read now. */
async function fingerprintOf(config: Config, part: Part, spec: ConnectionSpec, scripts: ScriptSet, observed: ObservedPart): Promise<PartFingerprint> {
  return {
    exists: observed.exists,
    ledger: ledgerPrint(observed.ledger.rows),
    scripts: scriptChecksums(scripts),
    catalog: observed.exists ? await catalogOf(config, part, spec, scripts) : null,
  };
}

/** check's normalized inspection of the part's database, without pgv's ledgers (every part's, and a pum module's table). */
async function catalogOf(config: Config, part: Part, spec: ConnectionSpec, scripts: ScriptSet): Promise<CatalogPrint> {
  const options = fingerprintOptions(config, part, scripts);
  return catalogPrint(applyExclusions(await inspectDatabase(spec, options.kinds), options.exclusions));
}

/**
 * What a part's catalog fingerprint reads (saved plans, the fleet census): check's default kinds
 * (comments, where snapshot metadata lives, and privileges are opt-in) and the part's own
 * exclusions, without pgv's ledgers (every part's, and a pum module's table).
 */
export function fingerprintOptions(config: Config, part: Part, scripts: ScriptSet): CheckOptions {
  const ledgers = [...ledgersOf([...config.parts, part]), ...(scripts.pumModule ? [scripts.pumModule.migrationTable] : [])];
  return checkOptionsFor({}, ledgers, part);
}

/** sha256 of every script and precondition file of a part, by name. */
export function scriptChecksums(scripts: ScriptSet): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of [...(scripts.init ? [scripts.init] : []), ...scripts.updates, ...(scripts.preAll ? [scripts.preAll] : []), ...(scripts.postAll ? [scripts.postAll] : [])]) out[s.name] = s.checksum;
  for (const p of scripts.preconditions.values()) out[p.name] = sha256(readFileSync(p.path, 'utf8'));
  return out;
}

function movedError(lines: readonly string[]): PgvError {
  return new PgvError('plan_moved', `the database or scripts moved since the plan was saved (${lines.length} change${lines.length === 1 ? '' : 's'}; first: ${lines[0]}); nothing was applied`, {
    hint: 'Review what changed, then make the plan again (pgv plan -o FILE) and have it approved.',
    details: [...lines],
    data: { moved: [...lines] },
  });
}

function invalid(message: string, hint: string): PgvError {
  return new PgvError('plan_invalid', message, { hint });
}
