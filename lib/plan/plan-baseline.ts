/**
 * The plan of `pgv baseline PART --version V`: record V as the version the database is at,
 * without running any script. Pure, like every planner; the engine runs it under the lock.
 */
import type { Part } from '../config/types.js';
import { PgvError } from '../errors.js';
import type { ScriptSet } from '../recipes/types.js';
import { compareVersions, currentVersion, describeUnfinished, unfinishedScript } from './ledger-state.js';
import type { ObservedPart, PartPlan, Step } from './types.js';

/** A version the part's recipe understands, or a usage error saying which versions exist. */
export function checkBaselineVersion(part: Part, scripts: ScriptSet, version: string): string {
  switch (part.recipe) {
    case 'schema': {
      if (!/^(0|[1-9][0-9]{0,8})$/.test(version)) {
        throw new PgvError('usage', `--version must be a generation number (0, 1, 2, …), not "${version}"`, {
          hint: `Part ${part.name} uses the schema recipe: generation N is the state after updateN.sql (init.sql builds generation ${scripts.latest ?? 0}).`,
        });
      }
      const latest = Number(scripts.latest ?? 0);
      if (Number(version) > latest) {
        throw new PgvError('usage', `part ${part.name}: there is no generation ${version} in ${scripts.directory} (the latest is ${latest})`, {
          hint: 'A baseline records a generation that the scripts describe; pick one of 0…' + latest + '.',
        });
      }
      return version;
    }
    case 'deltas':
      if (!/^\d{1,9}(\.\d{1,9})*$/.test(version)) {
        throw new PgvError('usage', `--version must be a version like 1.2.0, not "${version}"`, {
          hint: `Part ${part.name} uses the deltas recipe: versions are numbers separated by dots, as in delta_1.2.0_description.sql.`,
        });
      }
      return version;
  }
}

/** Plan a baseline: create the ledger if needed, then one baseline row. */
export function planBaseline(part: Part, observed: ObservedPart, version: string, ledgerName: string): PartPlan {
  if (!observed.exists) {
    throw new PgvError('database_missing', `part ${part.name}: database "${part.dbname}" does not exist`, {
      hint: `A baseline records the state of an existing database. To build a new one, run \`pgv apply ${part.name}\`.`,
      data: { part: part.name, database: part.dbname },
    });
  }
  const current = currentVersion(observed);
  const unfinished = unfinishedScript(observed);
  const base = { name: part.name, database: part.dbname, recipe: part.recipe, ledger: part.upgradesTable, current, changed: [], after: [], replan: { planner: 'baseline' as const, version } };
  if (current !== null && compareVersions(version, current) < 0) {
    throw new PgvError('refused', `part ${part.name}: the ledger (${ledgerName}) says the database is at version ${current}; a baseline cannot move it back to ${version}`, {
      hint: 'If the database really is at an older version, fix the ledger by hand; pgv never rewrites history.',
      data: { part: part.name, current, version },
    });
  }
  if (current === version && !unfinished) return { ...base, target: current, steps: [] };
  const steps: Step[] = [];
  if (!observed.ledger.exists) {
    steps.push({ kind: 'create-ledger', id: `${part.name}:create-ledger`, title: `create ledger ${ledgerName}`, reason: 'first record in this database', table: part.upgradesTable });
  }
  const u = unfinished ? describeUnfinished(part, observed, unfinished) : undefined;
  // Which of the two settling baselines this is, when it is one of them.
  const as = !u ? '' : version === u.version ? 'as finished by hand' : version === (current ?? '0') ? 'as undone' : `at version ${version}`;
  const settles = u ? `${u.summary}: settled ${as}` : undefined;
  steps.push({
    kind: 'baseline',
    id: `${part.name}:baseline:${version}`,
    title: `record version ${version} as applied${u ? ` (settles ${u.script} ${as})` : ''}`,
    reason: settles ? `${settles}; nothing runs` : 'pgv baseline: nothing runs',
    version,
    ledger: part.upgradesTable,
    ...(settles ? { settles } : {}),
  });
  return { ...base, target: version, steps };
}
