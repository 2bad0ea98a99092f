/** Config → observe → plan, shared by `plan` and `apply`. */
import type { Config, Part } from '../config/types.js';
import { PgvError } from '../errors.js';
import type { ConnectionSpec } from '../db/connection.js';
import { observePart } from '../db/observe.js';
import { buildPlan, planPart } from '../plan/plan.js';
import type { ObservedPart, PartPlan, Plan } from '../plan/types.js';
import { readSchemaDirectory } from '../recipes/schema.js';
import type { ScriptSet } from '../recipes/types.js';
import { connectionFor, ensureServer } from './context.js';
import type { Globals } from './types.js';

/** One part, ready to plan and run. */
export interface PreparedPart {
  readonly part: Part;
  readonly spec: ConnectionSpec;
  readonly scripts: ScriptSet;
  /** Plan this part from an observation (the pure planner, bound to its inputs). */
  readonly replan: (observed: ObservedPart) => PartPlan;
}

/** Read scripts (all problems before any connection), observe each database, plan. */
export async function preparePlan(config: Config, parts: readonly Part[], g: Globals): Promise<{ plan: Plan; prepared: Map<string, PreparedPart> }> {
  const scripts = new Map(parts.map((p) => [p.name, readScripts(p)]));
  await ensureServer(config, g);
  const prepared = new Map<string, PreparedPart>();
  const observed = await Promise.all(
    parts.map(async (part) => {
      const spec = await connectionFor(config, part, g);
      const set = scripts.get(part.name)!;
      prepared.set(part.name, {
        part,
        spec,
        scripts: set,
        replan: (observed) => planPart({ part, observed, scripts: set }),
      });
      return { part, observed: await observePart(spec, part.upgradesTable), scripts: set };
    }),
  );
  return { plan: buildPlan(observed), prepared };
}

/** A part's scripts by its recipe; fails before any server is started or connected to. */
function readScripts(part: Part): ScriptSet {
  switch (part.recipe) {
    case 'schema':
      return readSchemaDirectory(part.directory);
    case 'deltas':
      throw new PgvError('not_implemented', `part ${part.name}: the deltas recipe is not implemented yet`, { hint: 'Use recipe: schema for now.' });
  }
}
