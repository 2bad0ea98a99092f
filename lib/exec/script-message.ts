/**
 * The one query that runs a transactional script: BEGIN, the script, its ledger row, COMMIT, and a
 * fresh session state for the next script. Pure.
 *
 * pgv pipelines these queries (sends the next ones before the server has answered) so that the
 * server never waits for pgv. A failure inside the transaction leaves the session in an aborted
 * transaction, so every query sent behind it fails at its BEGIN and nothing of it runs. A failure
 * at COMMIT (a deferred constraint, a serialization failure) ends the transaction instead; for that
 * case each query marks the session as it finishes and a query sent behind an unconfirmed one
 * first checks that mark (the guard), so it too fails before its script runs.
 */
import { quoteLiteral } from '../db/ident.js';

/** The custom setting that carries the mark of the last script that committed in this session. */
const committedSetting = 'pgv.committed';

/** What goes into the query of one script. */
export interface ScriptMessageInput {
  /** The prepared script text (offsets as in the file). */
  readonly sql: string;
  /** False for a script of comments only: its text is left out. */
  readonly hasStatements: boolean;
  /** The INSERT of the script's ledger row (values inlined); null for a script that is not recorded. */
  readonly ledgerInsert: string | null;
  /** The part's `lock_timeout` for DDL, in ms (0: none). */
  readonly lockTimeoutMs: number;
  /** The script may SET ROLE: reset it before the ledger row is written. */
  readonly resetRole: boolean;
  /** The mark this query leaves when it commits. */
  readonly mark: string;
  /** The mark of the query sent just before this one when it is still unanswered, else null. */
  readonly after: string | null;
}

/** The query, and the part of it before the script (to map server error positions to the file). */
export interface ScriptMessage {
  readonly sql: string;
  readonly prefix: string;
  /** How many statements the prefix holds (to place a failing statement the server gives no position for). */
  readonly prefixStatements: number;
}

/** Build the query of one transactional script. */
export function scriptMessage(input: ScriptMessageInput): ScriptMessage {
  let prefix = 'BEGIN;';
  let prefixStatements = 1;
  if (input.lockTimeoutMs) {
    prefix += ` SET LOCAL lock_timeout = ${Math.floor(input.lockTimeoutMs)};`;
    prefixStatements++;
  }
  if (input.after !== null) {
    prefix += ` ${guardSql(input.after)};`;
    prefixStatements++;
  }
  prefix += '\n';
  // The script may SET ROLE or search_path: the ledger name is qualified, the role is reset before
  // the row is written, and RESET ALL gives the next script a fresh session state, as a new psql would.
  const suffix =
    `\n;${input.resetRole ? ' RESET ROLE;' : ''}${input.ledgerInsert === null ? '' : ` ${input.ledgerInsert};`} COMMIT; RESET ALL; ` +
    `SET ${committedSetting} = ${quoteLiteral(input.mark)}`;
  return { sql: prefix + (input.hasStatements ? input.sql : '') + suffix, prefix, prefixStatements };
}

/**
 * A statement that fails unless the query marked `after` committed. It selects no column and no
 * row (nothing for pgv to parse); the cast applies to a CASE over a setting, so it is evaluated
 * when the statement runs and fails only when the mark is not there.
 */
export function guardSql(after: string): string {
  return (
    `SELECT WHERE (CASE WHEN pg_catalog.current_setting(${quoteLiteral(committedSetting)}, true) = ${quoteLiteral(after)} ` +
    `THEN 'false' ELSE 'pgv: the script sent before this one did not commit' END)::boolean`
  );
}
