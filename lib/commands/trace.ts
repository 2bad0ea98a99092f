/**
 * `pgv trace PART`: rehearse on a copy of production with the scripts run one statement at a
 * time, report what each locked and rewrote, and stop (production untouched, the copy dropped).
 * `pgv test-and-upgrade --trace` does the same and goes on. The part's `lint.max_lock_ms` policy
 * fails either with exit 1 before production is touched.
 */
import type { Config, Part } from '../config/types.js';
import { policyViolations, type PolicyViolation } from '../trace/model.js';
import { traceScripts } from '../trace/run.js';
import { renderTraceJson } from '../report/trace-json.js';
import { renderTraceText } from '../report/trace-text.js';
import type { Script } from '../recipes/types.js';
import { connectionFor } from './context.js';
import { preparePlan } from './pipeline.js';
import { testAndUpgradeCommand, type CopyMethod } from './test-and-upgrade.js';
import type { CommandResult, Globals } from './types.js';
import { formatDuration } from '../util/format.js';

/** Options of `pgv trace`. */
export interface TraceArgs {
  readonly part: string;
  readonly copy: CopyMethod;
  readonly keep: boolean;
}

/** Run `pgv trace PART`. */
export function traceCommand(g: Globals, args: TraceArgs): Promise<CommandResult> {
  return testAndUpgradeCommand(g, { ...args, lockTimeoutMs: 60_000, trace: true, traceOnly: true });
}

/** A trace of the copy and what the report needs. */
export interface TracedCopy {
  readonly violations: readonly PolicyViolation[];
  readonly text: string;
  readonly json: Record<string, unknown>;
  readonly summary: string;
}

/** Trace the pending scripts of `copyPart` (a part pointed at the rehearsal copy) on it. */
export async function traceCopy(config: Config, copyPart: Part, g: Globals): Promise<TracedCopy> {
  const { plan, prepared } = await preparePlan(config, [copyPart], g);
  const scripts = prepared.get(copyPart.name)!.scripts;
  const byName = new Map<string, Script>([...(scripts.init ? [scripts.init] : []), ...scripts.updates, ...(scripts.preAll ? [scripts.preAll] : []), ...(scripts.postAll ? [scripts.postAll] : [])].map((s) => [s.name, s]));
  const pending = plan.parts[0]!.steps.flatMap((s) => (s.kind === 'run-script' && byName.has(s.script) ? [byName.get(s.script)!] : []));
  const trace = await traceScripts(await connectionFor(config, copyPart, g), pending, { lockTimeoutMs: copyPart.ddlLockTimeoutMs });
  const violations = policyViolations(trace, copyPart.lint?.maxLockMs ?? {});
  const slowest = [...trace.statements].sort((a, b) => b.durationMs - a.durationMs)[0];
  return {
    violations,
    text: renderTraceText(trace, violations),
    json: renderTraceJson(trace, violations),
    summary: `${trace.statements.length} statements${slowest ? `, slowest ${formatDuration(slowest.durationMs)} (${slowest.script}:${slowest.line})` : ''}${violations.length ? `, ${violations.length} over the lock policy` : ''}`,
  };
}
