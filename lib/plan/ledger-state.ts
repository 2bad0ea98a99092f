/**
 * What a ledger says, for every recipe: the current version, which scripts are recorded, which
 * changed since, which never finished; and the part-level checks every planner starts with. Pure.
 */
import type { Part } from '../config/types.js';
import { compareVersions } from '../util/versions.js';
import { PgvError } from '../errors.js';
import type { Script, ScriptSet } from '../recipes/types.js';
import type { ChangedScript, LedgerFailure, LedgerRow, ObservedPart, Step } from './types.js';

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
  return recordedNames(observed).has(script.name);
}

/** The names of the scripts a ledger records as run, once per observation (planners ask for every script). */
function recordedNames(observed: ObservedPart): ReadonlySet<string> {
  let names = recorded.get(observed.ledger.rows);
  if (!names) {
    names = new Set(observed.ledger.rows.flatMap((r) => (r.success && scriptKinds.has(r.kind) ? [r.script] : [])));
    recorded.set(observed.ledger.rows, names);
  }
  return names;
}

const recorded = new WeakMap<readonly LedgerRow[], ReadonlySet<string>>();

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
    else if (now !== row.checksum && accepted.get(row.script) !== now) changed.push({ version: row.version, script: row.script, change: 'modified', path: file.path });
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

/** What an unfinished script left, in words, and the two baselines that settle it. */
export interface Unfinished {
  readonly script: string;
  readonly version: string;
  /** failed: a statement failed (recorded by the failure path); interrupted: pgv was interrupted (its cancel recorded where) or killed or cut off. */
  readonly state: 'failed' | 'interrupted';
  readonly installedAt: string;
  /** Which statement failed or was cancelled; absent when the ledger has no place for it (see `note`), or pgv was killed. */
  readonly failure?: LedgerFailure;
  /** `update4.sql failed at statement 3 of 5 (line 12: CREATE INDEX CONCURRENTLY …); 2 had completed`. */
  readonly summary: string;
  /** Why the summary cannot name the statement (a pum table, a format 1 ledger), or ''. */
  readonly note: string;
  /** `pgv baseline PART --version V` when it was finished by hand, and when it was undone. */
  readonly finished: string;
  readonly undone: string;
}

/** A statement's text cut for one line of a message: at a word boundary when one is not too far back. */
function abridged(text: string, width = 60): string {
  if (text.length <= width) return text;
  const cut = text.slice(0, width - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > width / 2 ? cut.slice(0, space) : cut).trimEnd()} …`;
}

/** How many statements stay applied, in words. */
export function completedWords(completed: number): string {
  return completed === 0 ? 'none before it had completed' : completed === 1 ? '1 had completed' : `${completed} had completed`;
}

/** Describe the script that never finished (unfinishedScript), for apply's refusal, info and baseline. */
export function describeUnfinished(part: Part, observed: ObservedPart, row: LedgerRow): Unfinished {
  // A failure records how long the script ran (see db/ledger.ts failLedgerRowSql), and so does a
  // cancel after Ctrl-C, marked interrupted; a killed run leaves nothing there.
  const f = row.failure;
  const state = f?.interrupted ? 'interrupted' : row.durationMs !== null && row.durationMs > 0 ? 'failed' : 'interrupted';
  const where = f ? ` at statement ${f.statement} of ${f.statements} (line ${f.line}: ${abridged(f.text)}); ${completedWords(f.completed)}` : '';
  const summary = f ? `${row.script} ${state === 'interrupted' ? 'was interrupted' : 'failed'}${where}` : state === 'interrupted' ? `${row.script} started at ${row.installedAt} and never finished` : `${row.script} failed at ${row.installedAt}`;
  const note =
    state === 'interrupted' || f
      ? ''
      : observed.ledger.style === 'pum'
        ? "pum's upgrades table has no place to record which statement failed (the failing run's error named it)"
        : observed.ledger.failures
          ? 'the ledger did not record which statement failed (pgv ledger format 1 when it failed; the failing run\'s error named it)'
          : 'this ledger (pgv ledger format 1, not upgraded) has no place to record which statement failed (the failing run\'s error named it)';
  const command = (v: string) => `pgv baseline ${part.name} --version ${v}`;
  return { script: row.script, version: row.version, state, installedAt: row.installedAt, ...(f ? { failure: f } : {}), summary, note, finished: command(row.version), undone: command(currentVersion(observed) ?? '0') };
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
    const u = describeUnfinished(part, observed, unfinished);
    const f = u.failure;
    const how = `It ran outside a transaction${u.state === 'interrupted' ? ' and was interrupted' : ''}`;
    const stays = f ? `${how}: ${f.completed === 0 ? 'no statement of it stays applied' : f.completed === 1 ? 'statement 1 stays applied' : `statements 1–${f.completed} stay applied`}.` : u.state === 'interrupted' ? `${how}.` : `${how}: the statements before the failing one stay applied (${u.note}).`;
    throw new PgvError('refused', `part ${part.name}: ${u.summary}`, {
      hint: `${stays} Check what it did, then finish it by hand and record that with \`${u.finished}\`, or undo it and record \`${u.undone}\`; then run apply again.`,
      ...(f ? { details: [`${u.state === 'interrupted' ? 'started' : 'failed'} at ${u.installedAt}: ${f.error}${f.sqlstate ? ` (SQLSTATE ${f.sqlstate})` : ''}`] } : {}),
      data: { part: part.name, script: u.script, state: u.state, ...(f ? { failure: f } : {}) },
    });
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
