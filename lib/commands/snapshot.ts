/**
 * `pgv snapshot init|commit|info|log|revert|tag|purge PART | --db NAME`: whole-database snapshots,
 * as odb (seeds/000_…) does them. Every action first finishes or undoes what an interrupted one
 * left (journal.ts), under the snapshot lock of the working database.
 */
import { parseDurationMs } from '../config/values.js';
import { ExitCode, usageError } from '../errors.js';
import { infoJson, logEntries, logJson, purgeJson, renderInfoText, renderLogText, renderPurgeText } from '../report/snapshot-text.js';
import { renderError } from '../report/error-text.js';
import type { SnapshotSession } from '../snapshot/admin.js';
import { runSnapshotAction, snapshotAction } from '../snapshot/actions.js';
import type { CommitOptions } from '../snapshot/commit.js';
import { requireVersioned } from '../snapshot/journal.js';
import { pauseHookFrom } from '../snapshot/pause.js';
import type { PurgeFilter, Target } from '../snapshot/revisions.js';
import { closest } from '../util/suggest.js';
import { snapshotTarget } from '../targets/snapshot-target.js';
import type { CommandResult, Globals } from './types.js';

type StrategyChoice = CommitOptions['strategy'];

/** The actions of `pgv snapshot`. */
const snapshotActions = ['init', 'commit', 'info', 'log', 'revert', 'tag', 'purge'] as const;
type Action = (typeof snapshotActions)[number];

/** Raw option values as the CLI parsed them. */
export type SnapshotValues = Record<string, string | boolean | undefined>;

// Which options each action takes (besides --db, --lock-timeout and the global ones).
const actionOptions: Record<Action, readonly string[]> = {
  init: [],
  commit: ['message', 'force', 'strategy'],
  info: [],
  log: [],
  revert: ['tag', 'force', 'strategy', 'keep'],
  tag: ['rev', 'delete'],
  purge: ['all', 'keep-tags', 'older-than', 'yes', 'force'],
};
// How many operands (after PART) each action takes.
const operandCount: Record<Action, [number, number]> = { init: [0, 0], commit: [0, 0], info: [0, 0], log: [0, 0], revert: [0, 1], tag: [1, 1], purge: [0, 0] };

/** Run `pgv snapshot`. */
export async function snapshotCommand(g: Globals, values: SnapshotValues, positionals: readonly string[]): Promise<CommandResult> {
  const action = parseAction(positionals[0]);
  for (const name of Object.keys(values)) {
    const own = Object.values(actionOptions).some((list) => list.includes(name));
    if (own && values[name] !== undefined && !actionOptions[action].includes(name)) {
      throw usageError(`--${name} does not apply to pgv snapshot ${action}`, `See pgv snapshot --help.`);
    }
  }
  const { spec, operands, notes: targetNotes = [] } = await snapshotTarget(g, action, typeof values.db === 'string' ? values.db : undefined, positionals.slice(1), operandCount[action][1]);
  const [min, max] = operandCount[action];
  if (operands.length < min || operands.length > max) {
    throw usageError(
      operands.length > max ? `unexpected argument${operands.length - max === 1 ? '' : 's'} for pgv snapshot ${action}: ${operands.slice(max).join(' ')}` : `pgv snapshot ${action} needs a ${action === 'tag' ? 'tag NAME' : 'value'}`,
      `Usage: pgv snapshot ${usageOf[action]}`,
    );
  }
  const lockTimeoutMs = seconds(values['lock-timeout'], '--lock-timeout', 60) * 1000;
  const run = actionRunner(action, values, operands);
  const onLockWait = g.quiet ? {} : { onLockWait: (m: string) => g.progressStream.write(`pgv: waiting: ${m}\n`) };
  const notes = [...targetNotes];
  const result = await runSnapshotAction(spec, { action, lockTimeoutMs, pause: pauseHookFrom(g.env), ...onLockWait, onNote: (n) => notes.push(n) }, run);
  return { ...result, errors: [...notes.map((n) => `pgv: note: ${n}`), ...(result.errors ?? [])] };
}

const usageOf: Record<Action, string> = {
  init: 'init [PART | --db NAME]',
  commit: 'commit [PART | --db NAME] [-m MESSAGE] [--force] [--strategy auto|wal_log|file_copy]',
  info: 'info [PART | --db NAME]',
  log: 'log [PART | --db NAME]',
  revert: 'revert [PART | --db NAME] [REV | --tag TAG] [--keep] [--force] [--strategy …]',
  tag: 'tag [PART | --db NAME] NAME [--rev N] [--delete]',
  purge: 'purge [PART | --db NAME] (--all | --keep-tags | --older-than DURATION) [--yes] [--force]',
};

function parseAction(word: string | undefined): Action {
  if (word && (snapshotActions as readonly string[]).includes(word)) return word as Action;
  const guess = word ? closest(word, snapshotActions) : undefined;
  throw usageError(word ? `unknown snapshot action "${word}"` : 'pgv snapshot needs an action', `${guess ? `Did you mean pgv snapshot ${guess}? ` : ''}Actions: ${snapshotActions.join(', ')}.`);
}

function actionRunner(action: Action, values: SnapshotValues, operands: readonly string[]): (s: SnapshotSession) => Promise<CommandResult> {
  const force = values.force === true;
  switch (action) {
    case 'init':
      return async (s) => {
        const r = await snapshotAction.init(s);
        const text = r.already ? `Already versioned: now version ${r.state.version}` : `Now version ${r.state.version}`;
        const notes = r.adopted ? [`pgv: note: continuing the history of ${r.adopted} existing snapshot${r.adopted === 1 ? '' : 's'} of "${s.working}"`] : [];
        return { exitCode: 0, text, json: { ...infoJson(s.working, r.state), already_versioned: r.already }, errors: notes };
      };
    case 'commit': {
      const message = typeof values.message === 'string' ? values.message : undefined;
      const strategy = parseStrategy(values.strategy);
      return async (s) => {
        const r = await snapshotAction.commit(s, { ...(message !== undefined ? { message } : {}), force, strategy });
        const json = { ...infoJson(s.working, r.state), snapshot: { revision: r.snapshot.revision, database: r.snapshot.database, strategy: r.strategy, size_bytes: r.sizeBytes } };
        return { exitCode: 0, text: `Now version ${r.state.version}`, json };
      };
    }
    case 'info':
      return async (s) => {
        const m = await snapshotAction.info(s);
        return { exitCode: 0, text: renderInfoText(s.working, m), json: infoJson(s.working, m) };
      };
    case 'log':
      return async (s) => {
        const h = await snapshotAction.log(s);
        const entries = logEntries(h, requireVersioned(h));
        return { exitCode: 0, text: renderLogText(entries), json: logJson(entries) };
      };
    case 'revert': {
      const tag = typeof values.tag === 'string' ? values.tag : undefined;
      if (tag !== undefined && operands.length) throw usageError('give a revision or --tag, not both', `Usage: pgv snapshot ${usageOf.revert}`);
      const t: Target = tag !== undefined ? { kind: 'tag', tag } : operands[0] !== undefined ? { kind: 'revision', revision: revision(operands[0]) } : { kind: 'parent' };
      const strategy = parseStrategy(values.strategy);
      const keep = values.keep === true;
      return async (s) => {
        const r = await snapshotAction.revert(s, { target: t, force, strategy, keep });
        const text = [`Reverted to revision ${r.target.revision}, now at revision ${r.state.version}`, ...(r.kept ? [`The replaced state is kept as revision ${r.kept.revision} (database ${r.kept.database}).`] : [])].join('\n');
        const json = { ...infoJson(s.working, r.state), reverted_to: r.target.revision, strategy: r.strategy, ...(r.kept ? { kept: r.kept } : {}) };
        return { exitCode: 0, text, json };
      };
    }
    case 'tag': {
      const del = values.delete === true;
      if (del && values.rev !== undefined) throw usageError('--delete takes no --rev: a tag is on one revision', 'Usage: pgv snapshot tag NAME --delete');
      const t: Target | null = typeof values.rev === 'string' ? { kind: 'revision', revision: revision(values.rev) } : null;
      const name = operands[0]!;
      return async (s) => {
        const r = await snapshotAction.tag(s, { name, target: t, delete: del });
        const text = r.deleted ? `Deleted tag ${r.tag} (revision ${r.revision})` : `Tagged revision ${r.revision} as ${r.tag}${r.replaced ? ` (replacing tag ${r.replaced})` : ''}`;
        return { exitCode: 0, text, json: { revision: r.revision, tag: r.tag, deleted: r.deleted, ...(r.replaced ? { replaced: r.replaced } : {}) } };
      };
    }
    case 'purge': {
      const filter = purgeFilter(values);
      const yes = values.yes === true;
      return async (s) => {
        const r = await snapshotAction.purge(s, { filter, yes, force });
        const errors = r.failed.flatMap((f) => renderError(f.error));
        return { exitCode: r.failed.length ? ExitCode.failed : 0, text: renderPurgeText(s.working, r.selected, r), json: purgeJson(r), errors };
      };
    }
  }
}

function revision(text: string): number {
  if (!/^[0-9]+$/.test(text)) throw usageError(`"${text}" is not a revision number`, 'Revisions are numbers (pgv snapshot log lists them); use --tag TAG for a tag.');
  return Number(text);
}

function parseStrategy(v: string | boolean | undefined): StrategyChoice {
  if (v === undefined || typeof v === 'boolean') return 'auto';
  const s = v.toLowerCase().replace('-', '_');
  if (s === 'auto' || s === 'wal_log' || s === 'file_copy') return s;
  throw usageError(`--strategy must be auto, wal_log or file_copy, not "${v}"`, 'auto picks file_copy for databases of 64 MB and more, wal_log below.');
}

function purgeFilter(values: SnapshotValues): PurgeFilter {
  const all = values.all === true;
  const keepTags = values['keep-tags'] === true;
  const older = typeof values['older-than'] === 'string' ? values['older-than'] : undefined;
  if (!all && !keepTags && older === undefined) throw usageError('pgv snapshot purge needs --all, --keep-tags or --older-than DURATION', 'Add --yes to drop; without it pgv lists what would be dropped.');
  if (all && (keepTags || older !== undefined)) throw usageError('--all drops every snapshot: it takes no --keep-tags or --older-than');
  let olderThanMs: number | undefined;
  if (older !== undefined) {
    try {
      olderThanMs = parseDurationMs(older);
    } catch {
      throw usageError(`--older-than: not a duration: "${older}"`, 'Write 30min, 12h or 7d.');
    }
  }
  return { all, keepTags, ...(olderThanMs !== undefined ? { olderThanMs } : {}) };
}

function seconds(text: string | boolean | undefined, flag: string, dflt: number): number {
  if (text === undefined || typeof text === 'boolean') return dflt;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw usageError(`${flag} must be a non-negative integer, not "${text}"`);
  return n;
}
