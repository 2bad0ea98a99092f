/** `pgv apply [PART…] [--dry-run] [--accept-changed SCRIPT…]`: run the plan. */
import { usageError } from '../errors.js';
import type { Part } from '../config/types.js';
import type { Plan } from '../plan/types.js';
import { lintPlan, lintRefusal } from '../lint/scripts.js';
import { renderPlanJson } from '../report/plan-json.js';
import { renderPlanText } from '../report/plan-text.js';
import { loadProjectConfig, selectParts } from './context.js';
import { preparePlan, runPlan } from './pipeline.js';
import { changedScriptsRefusal } from '../plan/plan.js';
import type { CommandResult, Globals } from './types.js';

/** Options of `pgv apply`. */
export interface ApplyArgs {
  readonly parts: string[];
  readonly dryRun: boolean;
  readonly concurrency: number;
  readonly lockTimeoutMs: number;
  /** `--accept-changed`: `SCRIPT` (in any selected part) or `PART:SCRIPT`. */
  readonly acceptChanged?: readonly string[];
  /** `--to V`: stop at version V. */
  readonly to?: string;
  /** Skip the `snapshot: before-apply` guard for this run. */
  readonly noSnapshot?: boolean;
  /** `--test-first`: rehearse each part on a copy first (pgv test-and-upgrade). */
  readonly testFirst?: boolean;
  /** `--allow-lint-errors`: run scripts even when lint finds errors in them. */
  readonly allowLintErrors?: boolean;
}

/** Run `pgv apply`. */
export async function applyCommand(g: Globals, args: ApplyArgs): Promise<CommandResult> {
  const config = await loadProjectConfig(g);
  const parts = selectParts(config, args.parts);
  if (args.testFirst) return testFirst(g, parts.map((p) => p.name), args);
  const accept = acceptedScripts(parts, args.acceptChanged ?? []);
  if (args.to !== undefined && !/^\d{1,9}(\.\d{1,9})*$/.test(args.to)) throw usageError(`--to must be a version (3, 1.2.0), not "${args.to}"`, "A schema part's generation (update3.sql: 3) or a delta's version (delta_1.2.0_x.sql: 1.2.0).");
  const { plan, prepared } = await preparePlan(config, parts, g, { accept, ...(args.to !== undefined ? { to: args.to } : {}) });
  checkAccepted(plan, args.acceptChanged ?? []);
  const findings = await lintPlan(plan, prepared, g.cwd);
  if (args.dryRun) return { exitCode: 0, json: renderPlanJson(plan, findings), text: renderPlanText(plan, findings) };
  const refusal = changedScriptsRefusal(plan.parts) ?? (args.allowLintErrors ? undefined : lintRefusal(findings));
  if (refusal) throw refusal;
  return runPlan(plan, prepared, g, { ...args, snapshots: !args.noSnapshot });
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

/** `apply --test-first`: `pgv test-and-upgrade` for each part in turn; the worst outcome decides the exit code. */
async function testFirst(g: Globals, parts: readonly string[], args: ApplyArgs): Promise<CommandResult> {
  if (args.dryRun || args.to !== undefined || args.acceptChanged?.length) throw usageError('--test-first cannot be combined with --dry-run, --to or --accept-changed', 'Run `pgv test-and-upgrade PART` for one part, or plain `pgv apply` with those options.');
  const { testAndUpgradeCommand } = await import('./test-and-upgrade.js');
  const results: CommandResult[] = [];
  for (const part of parts) results.push(await testAndUpgradeCommand(g, { part, copy: 'auto', keep: false, lockTimeoutMs: args.lockTimeoutMs }));
  const rank = (code: number) => (code === 0 ? 0 : code === 1 ? 1 : code === 3 ? 2 : 3);
  const exitCode = results.reduce((worst, r) => (rank(r.exitCode) > rank(worst) ? r.exitCode : worst), 0);
  return {
    exitCode,
    text: results.map((r) => r.text ?? '').join('\n'),
    json: { parts: results.map((r) => r.json) },
    errors: results.flatMap((r) => r.errors ?? []),
  };
}
