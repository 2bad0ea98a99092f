/** `pgv plan [PART…]`: the steps `pgv apply` would run, and why. Changes nothing. */
import { renderPlanJson } from '../report/plan-json.js';
import { renderPlanText } from '../report/plan-text.js';
import { planApply, type LintFindings } from '../run/apply.js';
import { loadProjectConfig } from '../targets/context.js';
import { expandFleet } from '../fleet/expand.js';
import { expansionJson, renderExpansionLines } from '../report/fleet.js';
import type { FleetExpansion } from '../config/types.js';
import type { Shard } from '../fleet/shard.js';
import type { CommandResult, Globals } from './types.js';
import type { PartPlan, Plan } from '../plan/types.js';
import { changedScriptsRefusal } from '../plan/plan.js';
import { renderError } from '../report/error-text.js';
import { renderPlanMarkdown } from '../report/plan-markdown.js';
import { ExitCode, PgvError, isPgvError, usageError } from '../errors.js';
import { existsSync, writeFileSync } from 'node:fs';
import type { ResumeReport } from '../run/resume.js';
import { resumeJson, resumeLine, resumeWarnings } from '../report/resume-text.js';
import path from 'node:path';

/** Options of `pgv plan`. */
export interface PlanArgs {
  readonly parts: string[];
  /** `-o FILE`: save the plan, bound to what it was computed from, for `apply --plan FILE`. */
  readonly output?: string;
  /** `--exit-code`: exit 1 when steps are pending. */
  readonly exitCode?: boolean;
  /** `--format markdown`: tables for a pull-request comment (text is the default). */
  readonly format?: 'text' | 'markdown';
  /** `--trace` (with -o): trace the pending scripts on a copy and keep the locks measured in the plan. */
  readonly trace?: boolean;
  /** `--shard i/n`: only shard i of n of the parts. */
  readonly shard?: Shard;
  /** `--resume [RUN]`: what `apply --resume` would run. */
  readonly resume?: string | true;
}

/** Run `pgv plan`. */
export async function planCommand(g: Globals, args: PlanArgs): Promise<CommandResult> {
  const config = await loadProjectConfig(g);
  let result: CommandResult;
  if (args.trace && args.output === undefined) throw usageError('--trace saves what it measured in the plan file: give -o FILE', 'pgv plan -o plan.json --trace; or pgv trace PART to see the locks without saving a plan.');
  if (args.output === undefined) {
    const { plan, findings, resumed } = await planApply(config, { parts: args.parts, ...(args.shard ? { shard: args.shard } : {}), ...(args.resume !== undefined ? { resume: args.resume } : {}) }, g);
    result = withResume(withFleet(planResult(plan, findings, args.format), (await expandFleet(config, g)).expansions, args.format), resumed);
  } else {
    const { savePlan } = await import('../run/saved-plan.js');
    const file = path.resolve(g.cwd, args.output);
    const saved = await savePlan(config, { parts: args.parts, trace: args.trace === true, ...(args.shard ? { shard: args.shard } : {}) }, g).catch((e: unknown) => {
      throw isPgvError(e) && e.code !== 'interrupted' ? notSavedError(e, args.output!, file) : e;
    });
    result = planResult(saved.plan, saved.findings, args.format, (e) => notSavedError(e, args.output!, file));
    // A plan apply would refuse (a changed applied script) is not saved.
    if (result.exitCode === 0) {
      writeFileSync(file, `${JSON.stringify(saved.document, null, 2)}\n`);
      result = { ...result, errors: [...(result.errors ?? []), `plan saved to ${args.output}; run it with: pgv apply --plan ${args.output}`] };
    }
  }
  if (args.exitCode && result.exitCode === 0 && (result.json as { parts: Array<{ steps: unknown[] }> }).parts.some((p) => p.steps.length > 0)) return { ...result, exitCode: ExitCode.differences };
  return result;
}

/** `plan -o FILE` refused: the error says that no plan was saved, and whether an older FILE is still there. */
function notSavedError(e: PgvError, given: string, file: string): PgvError {
  const left = existsSync(file) ? ` (the ${given} already there is left as it was: an older plan)` : '';
  return new PgvError(e.code, `${e.message}; no plan saved to ${given}${left}`, { ...(e.hint ? { hint: e.hint } : {}), details: [...e.detailLines], data: { ...e.data }, cause: e });
}

/** Fleet parts that could not be observed make the plan incomplete: exit 3, naming them. */
function unreachableError(parts: readonly PartPlan[]): PgvError {
  return new PgvError('connection_failed', `${parts.length} part${parts.length === 1 ? '' : 's'} could not be reached; the plan shows no steps for ${parts.length === 1 ? 'it' : 'them'}`, {
    details: parts.map((p) => `${p.name}: ${p.unreachable!.message}`),
    hint: parts[0]!.unreachable!.hint ?? 'Check that their servers are up.',
  });
}

/** A fleet's plan says first how its for_each parts expanded (text, markdown: lines before the plan; JSON: `fleet`). */
function withFleet(result: CommandResult, expansions: readonly FleetExpansion[], format: 'text' | 'markdown' = 'text'): CommandResult {
  if (expansions.length === 0) return result;
  const lines = renderExpansionLines(expansions);
  const head = format === 'markdown' ? lines.map((l) => `    ${l}`).join('\n') : lines.join('\n');
  return { ...result, text: `${head}\n\n${result.text ?? ''}`, json: { ...(result.json as Record<string, unknown>), fleet: expansionJson(expansions) } };
}

/**
 * The plan with its lint findings, and the refusal apply would give for it (a changed applied
 * script: exit 3), as `pgv plan` and `apply --dry-run` show it; `refused` rewords the refusal
 * (`plan -o FILE`: no plan saved).
 */
export function planResult(plan: Plan, findings?: LintFindings, format: 'text' | 'markdown' = 'text', refused: (e: PgvError) => PgvError = (e) => e): CommandResult {
  const unreachable = plan.parts.filter((p) => p.unreachable);
  const found = changedScriptsRefusal(plan.parts) ?? (unreachable.length ? unreachableError(unreachable) : null);
  const refusal = found ? refused(found) : null;
  const text = format === 'markdown' ? renderPlanMarkdown(plan, findings) : renderPlanText(plan, findings);
  if (refusal) return { exitCode: refusal.exitCode, json: { ...(renderPlanJson(plan, findings) as Record<string, unknown>), error: refusal.toJSON() }, text, errors: renderError(refusal) };
  return { exitCode: 0, json: renderPlanJson(plan, findings), text };
}

/** A result with what `--resume` found in the journal: a line before the report, warnings, `resumed` in --json. */
export function withResume(result: CommandResult, resumed: ResumeReport | undefined): CommandResult {
  if (!resumed) return result;
  const json = result.json as Record<string, unknown> | undefined;
  return {
    ...result,
    text: [resumeLine(resumed), ...(resumed.nothing ? [] : [result.text ?? ''])].join('\n'),
    ...(json !== undefined ? { json: { resumed: resumeJson(resumed), ...json } } : {}),
    errors: [...resumeWarnings(resumed).map((w) => `pgv: warning: ${w}`), ...(result.errors ?? [])],
  };
}
