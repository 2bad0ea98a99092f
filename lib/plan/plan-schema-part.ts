/**
 * The planner for one part: a pure function of the part's config, what was observed in its
 * database and its scripts. Same inputs, same plan.
 */
import type { Part } from '../config/types.js';
import { PgvError } from '../errors.js';
import type { ScriptSet } from '../recipes/types.js';
import type { ChangedScript, ObservedPart, PartPlan, Step } from './types.js';

/** Compare two version strings as numbers, component by component (`10.0` > `2.9`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** The version a ledger says the database is at: the highest successful row, or null. */
export function currentVersion(observed: ObservedPart): string | null {
  let best: string | null = null;
  for (const row of observed.ledger.rows) {
    if (!row.success) continue;
    if (best === null || compareVersions(row.version, best) > 0) best = row.version;
  }
  return best;
}

/** Applied scripts whose files differ from what was applied, or are gone. */
export function changedScripts(observed: ObservedPart, scripts: ScriptSet): ChangedScript[] {
  const byName = new Map([...(scripts.init ? [scripts.init] : []), ...scripts.updates].map((s) => [s.name, s]));
  const accepted = new Map<string, string>();
  for (const row of observed.ledger.rows) if (row.kind === 'accept' && row.checksum) accepted.set(row.script, row.checksum);
  const changed: ChangedScript[] = [];
  for (const row of observed.ledger.rows) {
    if (!row.success || row.checksum === null || (row.kind !== 'init' && row.kind !== 'update' && row.kind !== 'delta')) continue;
    const file = byName.get(row.script);
    if (!file) changed.push({ version: row.version, script: row.script, change: 'missing' });
    else if (file.checksum !== row.checksum && accepted.get(row.script) !== file.checksum) {
      changed.push({ version: row.version, script: row.script, change: 'modified' });
    }
  }
  return changed;
}

/**
 * A script that ran outside a transaction and never finished: a row with success = false that no
 * later row settles (a successful run of the same script, or a baseline recorded after it).
 * A failed transactional script leaves no row at all.
 */
export function unfinishedScript(observed: ObservedPart): ObservedPart['ledger']['rows'][number] | undefined {
  const rows = observed.ledger.rows; // oldest first
  return rows.find((r, i) => !r.success && !rows.some((s, j) => s.success && (s.script === r.script || (s.kind === 'baseline' && j > i))));
}

/** Plan a `schema` part (gocept.rdbmanagement generations); `accept` names changed scripts to accept. */
export function planSchemaPart(part: Part, observed: ObservedPart, scripts: ScriptSet, ledgerName: string, accept: ReadonlySet<string> = new Set()): PartPlan {
  const steps: Step[] = [];
  const id = (kind: string, script = '') => `${part.name}:${kind}${script ? `:${script}` : ''}`;
  if (!observed.exists) {
    if (!part.create) {
      throw new PgvError('database_missing', `part ${part.name}: database "${part.dbname}" does not exist`, {
        hint: `Create it (createdb ${part.dbname}) or set \`create: true\` on part ${part.name}.`,
        data: { part: part.name, database: part.dbname },
      });
    }
    steps.push({ kind: 'create-database', id: id('create-database'), title: `create database ${part.dbname}`, reason: 'the database does not exist and the part has create: true', database: part.dbname });
  }
  const unfinished = unfinishedScript(observed);
  if (unfinished) {
    throw new PgvError('refused', `part ${part.name}: ${unfinished.script} started at ${unfinished.installedAt} and never finished`, {
      hint: `It ran outside a transaction and was interrupted. Check what it did and finish or undo it by hand, then record the generation the database is at with \`pgv baseline ${part.name} --version N\`.`,
      data: { part: part.name, script: unfinished.script },
    });
  }
  const current = currentVersion(observed);
  if (!observed.ledger.exists || current === null) {
    if (observed.userTables > 0) {
      throw new PgvError('refused', `part ${part.name}: database "${part.dbname}" has ${observed.userTables} table${observed.userTables === 1 ? '' : 's'} but no ledger (${ledgerName}); pgv will not guess its generation`, {
        hint: `If its schema is at generation N, record that with \`pgv baseline ${part.name} --version N\`, then run apply again.`,
        data: { part: part.name, database: part.dbname },
      });
    }
    if (!observed.ledger.exists) {
      steps.push({ kind: 'create-ledger', id: id('create-ledger'), title: `create ledger ${ledgerName}`, reason: 'first run on this database', table: ledgerName });
    }
    if (scripts.init) {
      steps.push(runStep(part, scripts.init.name, scripts.init.version, 'init', scripts.init.prepared.transactional, `empty database: init.sql builds generation ${scripts.init.version}`));
      return done(part, null, scripts.init.version, steps, []);
    }
  }
  const changed = changedScripts(observed, scripts);
  for (const c of changed) {
    const file = c.change === 'modified' && accept.has(c.script) ? [scripts.init, ...scripts.updates].find((f) => f?.name === c.script) : undefined;
    if (file) {
      steps.push({ kind: 'accept-script', id: id('accept', c.script), title: `accept changed ${c.script}`, reason: '--accept-changed: record its new content; nothing runs', script: c.script, version: c.version, checksum: file.checksum });
    }
  }
  const from = current === null ? 0 : Number(current);
  const pending = scripts.updates.filter((u) => Number(u.version) > from);
  let previous = current;
  for (const u of pending) {
    const pre = scripts.preconditions.get(u.version);
    if (pre) {
      steps.push({ kind: 'precondition', id: id('precondition', pre.name), title: `check ${pre.name}`, reason: `guards ${u.name}`, script: pre.name, version: u.version });
    }
    steps.push(runStep(part, u.name, u.version, 'update', u.prepared.transactional, `generation ${previous ?? 'none'} -> ${u.version}`));
    previous = u.version;
  }
  const target = pending.length ? pending[pending.length - 1]!.version : current;
  return done(part, current, target, steps, changed.filter((c) => !steps.some((s) => s.kind === 'accept-script' && s.script === c.script)));

  function runStep(p: Part, script: string, version: string, scriptKind: 'init' | 'update', transactional: boolean, reason: string): Step {
    return { kind: 'run-script', id: `${p.name}:run:${script}`, title: `run ${script}`, reason, script, version, scriptKind, transactional };
  }
}

function done(part: Part, current: string | null, target: string | null, steps: Step[], changed: ChangedScript[]): PartPlan {
  return { name: part.name, database: part.dbname, recipe: part.recipe, current, target, steps, changed, after: part.after };
}
