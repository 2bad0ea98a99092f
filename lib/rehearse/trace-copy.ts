/**
 * The trace of a rehearsal (`pgv trace PART`, `test-and-upgrade --trace`): the pending scripts of a
 * part pointed at the rehearsal copy, run on it one statement at a time, and the part's lock policy
 * (`lint.max_lock_ms`) checked against what was measured. Production is never touched here.
 */
import type { Config, Part } from '../config/types.js';
import type { Script } from '../recipes/types.js';
import { policyViolations, type PolicyViolation, type Trace } from '../trace/model.js';
import { traceScripts } from '../trace/run.js';
import { connectionFor, type Environment } from '../targets/context.js';
import { preparePlan } from '../run/pipeline.js';
import { formatDuration, plural } from '../util/format.js';

/** A trace of the copy, the policy's verdict on it, and a one-line summary for the phase line. */
export interface TracedCopy {
  readonly trace: Trace;
  readonly violations: readonly PolicyViolation[];
  readonly summary: string;
}

/** Trace the pending scripts of `copyPart` (a part pointed at the rehearsal copy) on it. */
export async function traceCopy(config: Config, copyPart: Part, ctx: Environment): Promise<TracedCopy> {
  const { plan, prepared } = await preparePlan(config, [copyPart], ctx);
  const scripts = prepared.get(copyPart.name)!.scripts;
  const byName = new Map<string, Script>([...(scripts.init ? [scripts.init] : []), ...scripts.updates, ...(scripts.preAll ? [scripts.preAll] : []), ...(scripts.postAll ? [scripts.postAll] : [])].map((s) => [s.name, s]));
  const pending = plan.parts[0]!.steps.flatMap((s) => (s.kind === 'run-script' && byName.has(s.script) ? [byName.get(s.script)!] : []));
  const trace = await traceScripts(await connectionFor(config, copyPart, ctx), pending, { lockTimeoutMs: copyPart.ddlLockTimeoutMs });
  const violations = policyViolations(trace, copyPart.lint?.maxLockMs ?? {});
  const slowest = [...trace.statements].sort((a, b) => b.durationMs - a.durationMs)[0];
  return {
    trace,
    violations,
    summary: `${plural(trace.statements.length, 'statement')}${slowest ? `, slowest ${formatDuration(slowest.durationMs)} (${slowest.script}:${slowest.line})` : ''}${violations.length ? `, ${violations.length} over the lock policy` : ''}`,
  };
}
