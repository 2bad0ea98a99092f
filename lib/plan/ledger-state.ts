/**
 * What a ledger says, for every recipe: the current version, which scripts are recorded, which
 * changed since, which never finished; and the part-level checks every planner starts with. Pure.
 */
import type { Part } from '../config/types.js';
import { compareVersions } from '../util/versions.js';
import { PgvError } from '../errors.js';
import type { Script, ScriptSet } from '../recipes/types.js';
import type { ChangedScript, LedgerRow, ObservedPart, Step } from './types.js';

export { compareVersions };

/** Rows that record a script that ran (not baselines, not accepted changes). */
const scriptKinds = new Set(['init', 'update', 'delta', 'pre', 'post']);

/**
 * The version a ledger says the database is at: the highest successful init, update, main delta or
 * baseline row, or null. In pgv's ledger a delta's pre and post scripts do not move it (a pre that
 * ran before its main delta failed leaves the version where it was); in a pum table they do, as pum
 * reads it (the main delta still runs: deltas at the current version are due).
 */
export function currentVersion(observed: ObservedPart): string | null {
  let best: string | null = null;
  // pum's own current_db_version() takes every successful row: in its tables, pre and post count.
  const phases = observed.ledger.style === 'pum';
  for (const row of observed.ledger.rows) {
    if (!row.success || (!phases && (row.kind === 'pre' || row.kind === 'post')) || row.kind === 'accept' || row.kind === 'post-all') continue;
    if (best === null || compareVersions(row.version, best) > 0) best = row.version;
  }
  return best;
}

/** Is this script recorded as applied? */
export function isRecorded(observed: ObservedPart, script: Script): boolean {
  return observed.ledger.rows.some((r) => r.success && r.script === script.name && scriptKinds.has(r.kind));
}

/** The checksum a ledger of this style records for a script. */
function recordedChecksum(observed: ObservedPart, script: Pick<Script, 'checksum' | 'md5'>): string {
  return observed.ledger.style === 'pum' ? script.md5 : script.checksum;
}

/** Applied scripts whose files differ from what was applied (and was not accepted), or are gone; init.sql excepted. */
export function changedScripts(observed: ObservedPart, scripts: ScriptSet): ChangedScript[] {
  const byName = new Map([...(scripts.init ? [scripts.init] : []), ...scripts.updates].map((s) => [s.name, s]));
  const accepted = new Map<string, string>();
  for (const row of observed.ledger.rows) if (row.kind === 'accept' && row.checksum) accepted.set(row.script, row.checksum);
  const changed: ChangedScript[] = [];
  const seen = new Set<string>();
  for (const row of observed.ledger.rows) {
    // init.sql describes the current schema: it changes with every new generation, by design.
    if (!row.success || row.checksum === null || !scriptKinds.has(row.kind) || row.kind === 'init' || seen.has(row.script)) continue;
    seen.add(row.script);
    const file = byName.get(row.script);
    const now = file ? recordedChecksum(observed, file) : undefined;
    if (!file) changed.push({ version: row.version, script: row.script, change: 'missing' });
    else if (now !== row.checksum && accepted.get(row.script) !== now) changed.push({ version: row.version, script: row.script, change: 'modified' });
  }
  return changed;
}

/**
 * A script that ran outside a transaction and never finished: a row with success = false that no
 * later row settles (a successful run of the same script, or a baseline recorded after it).
 * A failed transactional script leaves no row at all.
 */
export function unfinishedScript(observed: ObservedPart): LedgerRow | undefined {
  const rows = observed.ledger.rows; // oldest first
  return rows.find((r, i) => !r.success && !rows.some((s, j) => s.success && (s.script === r.script || (s.kind === 'baseline' && j > i))));
}

/**
 * The checks and steps every recipe's plan starts with: the database (create it, or refuse), a
 * script that never finished, tables without a ledger, and the ledger itself.
 * Returns the steps so far and the current version.
 */
export function planFoundation(part: Part, observed: ObservedPart, ledgerName: string): { steps: Step[]; current: string | null } {
  const steps: Step[] = [];
  const id = (kind: string) => `${part.name}:${kind}`;
  const [unit, v] = part.recipe === 'schema' ? ['generation', 'N'] : ['version', 'V'];
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
  const current = currentVersion(observed);
  if (unfinished) {
    // A failure records how long the script ran (see db/ledger.ts failLedgerRowSql); a killed run leaves nothing there.
    const failed = unfinished.durationMs !== null && unfinished.durationMs > 0;
    const settle = `Check what it did, then finish it by hand and record that with \`pgv baseline ${part.name} --version ${unfinished.version}\`, or undo it and record \`pgv baseline ${part.name} --version ${current ?? '0'}\`; then run apply again.`;
    throw new PgvError(
      'refused',
      failed ? `part ${part.name}: ${unfinished.script} failed at ${unfinished.installedAt}` : `part ${part.name}: ${unfinished.script} started at ${unfinished.installedAt} and never finished`,
      {
        hint: `${failed ? 'It ran outside a transaction: the statements before the failing one stay applied.' : 'It ran outside a transaction and was interrupted.'} ${settle}`,
        data: { part: part.name, script: unfinished.script, state: failed ? 'failed' : 'interrupted' },
      },
    );
  }
  if (current === null && observed.userTables > 0) {
    throw new PgvError('refused', `part ${part.name}: database "${part.dbname}" has ${observed.userTables} table${observed.userTables === 1 ? '' : 's'} but no ledger (${ledgerName}); pgv will not guess its ${unit}`, {
      hint: `If its schema is at ${unit} ${v}, record that with \`pgv baseline ${part.name} --version ${v}\`, then run apply again.`,
      data: { part: part.name, database: part.dbname },
    });
  }
  if (!observed.ledger.exists) {
    steps.push({ kind: 'create-ledger', id: id('create-ledger'), title: `create ledger ${ledgerName}`, reason: 'first run on this database', table: part.upgradesTable });
  }
  return { steps, current };
}

/** Accept steps for the changed scripts named by `--accept-changed`; returns them and what stays changed. */
export function acceptSteps(part: Part, observed: ObservedPart, scripts: ScriptSet, accept: ReadonlySet<string>): { steps: Step[]; changed: ChangedScript[] } {
  const steps: Step[] = [];
  const changed: ChangedScript[] = [];
  for (const c of changedScripts(observed, scripts)) {
    const file = c.change === 'modified' && accept.has(c.script) ? [scripts.init, ...scripts.updates].find((f) => f?.name === c.script) : undefined;
    if (!file) {
      changed.push(c);
      continue;
    }
    steps.push({
      kind: 'accept-script',
      id: `${part.name}:accept:${c.script}`,
      title: `accept changed ${c.script}`,
      reason: '--accept-changed: record its new content; nothing runs',
      script: c.script,
      version: c.version,
      checksum: recordedChecksum(observed, file),
      ledger: part.upgradesTable,
    });
  }
  return { steps, changed };
}
