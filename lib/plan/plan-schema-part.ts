/**
 * The planner of a `schema` part (gocept.rdbmanagement generations): a pure function of the
 * part's config, what was observed in its database and its scripts. Same inputs, same plan.
 */
import type { Part } from '../config/types.js';
import type { Script, ScriptSet } from '../recipes/types.js';
import { acceptSteps, planFoundation } from './ledger-state.js';
import type { ChangedScript, ObservedPart, RecipePlan, RunScriptStep, Step } from './types.js';

/** What the planner is asked besides the part, its database and its scripts. */
export interface PlanOptions {
  /** Changed scripts to accept (`--accept-changed`), by file name. */
  readonly accept?: ReadonlySet<string>;
  /** Stop at this version (`--to`). */
  readonly to?: string;
}

/** Plan a `schema` part. */
export function planSchemaPart(part: Part, observed: ObservedPart, scripts: ScriptSet, ledgerName: string, options: PlanOptions = {}): RecipePlan {
  const { steps, current } = planFoundation(part, observed, ledgerName);
  if (current === null && scripts.init && (options.to === undefined || Number(options.to) >= Number(scripts.init.version))) {
    steps.push(runStep(part, scripts.init, `empty database: init.sql builds generation ${scripts.init.version}`));
    return done(part, null, scripts.init.version, steps, []);
  }
  const accepted = acceptSteps(part, observed, scripts, options.accept ?? new Set());
  steps.push(...accepted.steps);
  const from = current === null ? 0 : Number(current);
  const pending = scripts.updates.filter((u) => Number(u.version) > from && (options.to === undefined || Number(u.version) <= Number(options.to)));
  let previous = current;
  for (const u of pending) {
    const pre = scripts.preconditions.get(u.version);
    if (pre) {
      steps.push({ kind: 'precondition', id: `${part.name}:precondition:${pre.name}`, title: `check ${pre.name}`, reason: `guards ${u.name}`, script: pre.name, version: u.version });
    }
    steps.push(runStep(part, u, `generation ${previous ?? 'none'} -> ${u.version}`));
    previous = u.version;
  }
  const target = pending.length ? pending[pending.length - 1]!.version : current;
  const held = options.to === undefined ? 0 : scripts.updates.filter((u) => Number(u.version) > from && Number(u.version) > Number(options.to)).length;
  return { ...done(part, current, target, steps, accepted.changed), ...(held ? { heldByTo: held } : {}) };
}

/** A step running one script (recorded in the ledger unless it is a delta directory's pre-all/post-all). */
export function runStep(part: Part, script: Script, reason: string): RunScriptStep {
  return {
    kind: 'run-script',
    id: `${part.name}:run:${script.name}`,
    title: `run ${script.name}`,
    reason,
    script: script.name,
    version: script.version,
    scriptKind: script.kind,
    transactional: script.language === 'python' ? false : script.prepared.transactional,
    checksum: script.checksum,
    ledger: part.upgradesTable,
  };
}

/** The finished plan of a part. */
export function done(part: Part, current: string | null, target: string | null, steps: Step[], changed: ChangedScript[]): RecipePlan {
  return { name: part.name, database: part.dbname, recipe: part.recipe, ledger: part.upgradesTable, current, target, steps, changed, after: part.after };
}
