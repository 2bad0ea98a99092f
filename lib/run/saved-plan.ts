/**
 * Saved plans (`pgv plan -o plan.json`, `pgv apply --plan plan.json`): the plan as a reviewable
 * document bound to what it was computed from. Applying it runs exactly its steps, or refuses
 * and runs nothing when a script file, the ledger or the catalog moved since; the check is made
 * before anything runs and again under each part's lock.
 */
import { readFileSync } from 'node:fs';
import type { Config, Part } from '../config/types.js';
import { PgvError, type ErrorCode } from '../errors.js';
import { applyExclusions } from '../check/exclude.js';
import { inspectDatabase } from '../check/inspect.js';
import { checkOptionsFor, ledgersOf } from '../check/options.js';
import type { ConnectionSpec } from '../db/connection.js';
import type { Finding } from '../lint/lint.js';
import type { PolicyViolation, Trace } from '../trace/model.js';
import type { ObservedPart, PartPlan, Plan } from '../plan/types.js';
import type { ScriptSet } from '../recipes/types.js';
import { selectParts, type Environment } from '../targets/context.js';
import { pgvVersion } from '../version.js';
import { validateAgainst } from '../config/validate.js';
import { planApply, runOptionsOf, type ApplyRequest, type LintFindings } from './apply.js';
import { catalogPrint, configIdentity, documentHash, ledgerPrint, movesOf, savedPlanFormat, sha256, type CatalogPrint, type Moves, type PartFingerprint } from './fingerprint.js';
import { observeParts, runPlan, type PreparedPart, type RunOutcome } from './pipeline.js';

/** One part of a saved plan: its plan, what it was computed from, and its scripts' lint findings. */
export interface SavedPart {
  readonly plan: PartPlan;
  readonly fingerprint: PartFingerprint;
  /** Lint findings by step id (steps without findings left out). */
  readonly findings: Readonly<Record<string, readonly Finding[]>>;
  /** `plan -o FILE --trace`: the locks and rewrites measured on a copy, and the lock policy's verdict. */
  readonly trace?: { readonly trace: Trace; readonly violations: readonly PolicyViolation[] };
}

/** A saved plan document (schemas/pgv.saved-plan.schema.json). */
export interface SavedPlan {
  readonly format: typeof savedPlanFormat;
  /** The pgv that made it. */
  readonly pgv: string;
  readonly created_at: string;
  /** The config's identity: a hash of the planned parts' settings that decide their steps. */
  readonly config: { readonly identity: string };
  readonly parts: readonly SavedPart[];
  /** sha256 of the document without this field: a hand edit shows. */
  readonly hash: string;
}

/** Plan as `apply` would, and bind the plan to what it was computed from. */
export async function savePlan(config: Config, request: ApplyRequest & { readonly trace?: boolean }, ctx: Environment & { readonly cwd?: string; readonly now?: Date }): Promise<{ plan: Plan; findings: LintFindings; document: SavedPlan }> {
  const { plan, findings, prepared } = await planApply(config, request, ctx);
  // A saved plan binds every part to what was observed: a part whose server is down has nothing to bind.
  const unreachable = plan.parts.find((p) => p.unreachable);
  if (unreachable) throw new PgvError((unreachable.unreachable!.code as ErrorCode), `part ${unreachable.name}: ${unreachable.unreachable!.message}; no plan saved`, unreachable.unreachable!.hint ? { hint: unreachable.unreachable!.hint } : {});
  // The evidence of a rehearsal: each part with scripts to run, traced on a copy (production untouched).
  const traces = new Map<string, NonNullable<SavedPart['trace']>>();
  if (request.trace) {
    const { rehearse } = await import('../rehearse/rehearse.js');
    for (const p of plan.parts.filter((p) => p.steps.some((s) => s.kind === 'run-script'))) {
      const r = await rehearse(config, prepared.get(p.name)!.part, { env: ctx.env }, { copy: 'auto', keep: false, lockTimeoutMs: request.lockTimeoutMs ?? 60_000, trace: true, traceOnly: true });
      if (r.outcome === 'failed-on-copy') throw r.error ?? new PgvError('script_failed', `part ${p.name}: the scripts failed on the copy; no plan saved`);
      if (r.traced) traces.set(p.name, { trace: r.traced.trace, violations: r.traced.violations });
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
  const body = {
    format: savedPlanFormat,
    pgv: pgvVersion,
    created_at: (ctx.now ?? new Date()).toISOString(),
    config: { identity: configIdentity(config, plan.parts.map((p) => prepared.get(p.name)!.part)) },
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
    throw invalid(`cannot read the plan file ${file}: ${(e as Error).message}`, 'Give the file `pgv plan -o FILE` wrote.');
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
    throw invalid(`${file} is a saved plan of format ${JSON.stringify(o.format)}; this pgv ${pgvVersion} reads format ${savedPlanFormat}`, 'Make the plan again with this pgv: pgv plan -o FILE.');
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

/**
 * Run a saved plan: refuse (exit 2) a plan made for another config, refuse (exit 3) when anything
 * it was computed from moved, else run exactly its steps. Each part checks again under its lock.
 */
export async function applySavedPlan(config: Config, saved: SavedPlan, request: SavedApplyRequest, ctx: Environment): Promise<RunOutcome> {
  const parts = await selectParts(config, saved.parts.map((p) => p.plan.name), ctx);
  if (configIdentity(config, parts) !== saved.config.identity) {
    throw invalid(
      `the plan was made for another config: parts ${parts.map((p) => p.name).join(', ')} differ in recipe, database, ledger, directory, variables or exclusions`,
      'Apply it with the config it was made with (-c FILE), or make the plan again: pgv plan -o FILE.',
    );
  }
  const inputs = await observeParts(config, parts, ctx);
  const savedOf = new Map(saved.parts.map((p) => [p.plan.name, p]));
  const moved: string[] = [];
  for (const input of inputs) {
    const s = savedOf.get(input.part.name)!;
    const now = await fingerprintOf(config, input.part, input.spec, input.scripts, input.observed);
    moved.push(...moveLines(input.part.name, movesOf(s.fingerprint, now)));
  }
  if (moved.length) throw movedError(moved);
  const findings = new Map(saved.parts.flatMap((p) => Object.entries(p.findings)));
  if (!request.allowLintErrors) {
    const refusal = (await import('../lint/scripts.js')).lintRefusal(findings);
    if (refusal) throw refusal;
  }
  const prepared = new Map<string, PreparedPart>(
    inputs.map(({ part, spec, scripts }) => {
      const s = savedOf.get(part.name)!;
      const verify = async (observed: ObservedPart) => {
        // Under the lock: the ledger as the plan saw it, and the catalog (unless the plan creates the database).
        const catalog = s.fingerprint.catalog === null ? null : await catalogOf(config, part, spec, scripts);
        const lines = moveLines(part.name, movesOf(s.fingerprint, { ...s.fingerprint, ledger: ledgerPrint(observed.ledger.rows), catalog }));
        if (lines.length) throw movedError(lines);
      };
      return [part.name, { part, spec, scripts, verify }];
    }),
  );
  return runPlan({ parts: saved.parts.map((p): PartPlan => ({ ...p.plan, replan: { planner: 'saved' } })) }, prepared, runOptionsOf(request, ctx));
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
  // The part itself too: a fleet part (for_each) is not among the config's unexpanded parts.
  const ledgers = [...ledgersOf([...config.parts, part]), ...(scripts.pumModule ? [scripts.pumModule.migrationTable] : [])];
  // The default kinds: comments (where snapshot metadata lives, on the database) and privileges are opt-in.
  const options = checkOptionsFor({}, ledgers, part);
  return catalogPrint(applyExclusions(await inspectDatabase(spec, options.kinds), options.exclusions));
}

/** sha256 of every script and precondition file of a part, by name. */
function scriptChecksums(scripts: ScriptSet): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of [...(scripts.init ? [scripts.init] : []), ...scripts.updates, ...(scripts.preAll ? [scripts.preAll] : []), ...(scripts.postAll ? [scripts.postAll] : [])]) out[s.name] = s.checksum;
  for (const p of scripts.preconditions.values()) out[p.name] = sha256(readFileSync(p.path, 'utf8'));
  return out;
}

function moveLines(part: string, m: Moves): string[] {
  return [...m.scripts, ...m.ledger, ...m.catalog].map((line) => `${part}: ${line}`);
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
