/** Turning a server error inside a script into file:line:column with a caret excerpt. Pure. */
import { PgvError } from '../errors.js';
import type { ServerError } from '../db/client.js';
import type { LedgerFailure } from '../plan/types.js';
import { lineColumnOf } from '../sql/lexer.js';
import { excerpt } from '../sql/excerpt.js';

export { excerpt };

/**
 * A PgvError for a failed script. `text` is the script as prepared (offsets as in the file); the
 * server received `prefix` (pgv's own ASCII SQL) followed by `text` from offset `sentStart`.
 * `statement` is set when one statement was sent alone: without a server position (many DDL
 * errors have none) the error points at that statement's start.
 */
export function scriptFailure(file: string, text: string, error: ServerError, sentStart = 0, prefix = '', statement?: { start: number }): PgvError {
  const details: string[] = [`SQLSTATE ${error.sqlstate}`];
  let where = file;
  let line: number | undefined;
  let column: number | undefined;
  const inScript = error.position === undefined ? -1 : error.position - 1 - prefix.length;
  let message = error.message;
  if (inScript >= 0 || statement) {
    let offset = inScript >= 0 ? codeUnitOffset(text, sentStart, inScript) : firstSignificant(text, statement!.start);
    if (inScript >= 0 && offset >= text.length && text.trim() !== '') {
      // The position is in pgv's own SQL after the script: its last statement runs on into it.
      // Name the end of the script, never pgv's token ("syntax error at or near ";"").
      offset = text.trimEnd().length - 1;
      if (error.sqlstate === '42601') message = 'syntax error at the end of the script: its last statement is not finished (a missing closing parenthesis, END or quote?)';
    }
    if (offset < text.length || (offset === text.length && text.length > 0)) {
      ({ line, column } = lineColumnOf(text, Math.min(offset, text.length - 1)));
      where = `${file}:${line}:${column}`;
      details.push(...excerpt(text, line, column));
    }
  }
  if (error.detail) details.push(`DETAIL: ${error.detail}`);
  if (error.hint) details.push(`HINT: ${error.hint}`);
  if (error.where) details.push(`CONTEXT: ${error.where.split('\n')[0]}`);
  return new PgvError('script_failed', `${where}: ${message}`, {
    hint: `Nothing of this script was kept (its transaction was rolled back); ${nextStep(error.sqlstate)}`,
    details,
    data: { file, ...(line ? { line, column } : {}), sqlstate: error.sqlstate },
  });
}

/**
 * Where a script run statement by statement failed, for its ledger row: statement `index` (from
 * 0) of `count` in `text` (the script as prepared, offsets as in the file). `interrupted`: the
 * statement did not fail, pgv cancelled it (or did not send it) because it was interrupted.
 */
export function ledgerFailure(text: string, statement: { start: number; end: number }, index: number, count: number, error: Pick<ServerError, 'message' | 'sqlstate'>, interrupted = false): LedgerFailure {
  const start = firstSignificant(text, statement.start);
  return {
    statement: index + 1,
    statements: count,
    completed: index,
    line: lineColumnOf(text, Math.min(start, Math.max(text.length - 1, 0))).line,
    text: text.slice(start, statement.end).replace(/\s+/g, ' ').trim().replace(/;$/, '').slice(0, 200),
    error: error.message,
    sqlstate: error.sqlstate,
    ...(interrupted ? { interrupted: true } : {}),
  };
}

/** What to do about a failure, by its SQLSTATE: most are the script's, some are the moment's. */
function nextStep(sqlstate: string): string {
  if (sqlstate === '25001') return 'this statement cannot run inside a transaction block: move it to a script of its own whose first line is `-- pgv:no-transaction` (pgv then runs it statement by statement, outside a transaction), then run apply again.';
  if (sqlstate === '55P03') return 'another session holds a lock it needs: run apply again when that session is done, or raise the part\'s ddl_lock_timeout.';
  if (sqlstate === '57014') return 'a statement was cancelled (statement_timeout, or an administrator): run apply again, or raise the timeout.';
  if (sqlstate.startsWith('57P') || sqlstate.startsWith('08')) return 'the server ended the session (an administrator, a restart, or the script itself): run apply again once the server is back.';
  return 'fix it and run apply again.';
}

/** PostgreSQL counts positions in characters (code points); JavaScript strings in UTF-16 units. */
function codeUnitOffset(text: string, from: number, codePoints: number): number {
  let offset = from;
  for (let k = 0; k < codePoints && offset < text.length; k++) {
    const unit = text.charCodeAt(offset);
    offset += unit >= 0xd800 && unit <= 0xdbff ? 2 : 1;
  }
  return offset;
}

/** The first character of a statement that is not white space or a comment (`--` lines, nested `/* … *\/` blocks): psql's line. */
function firstSignificant(text: string, start: number): number {
  let i = start;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith('--', i)) {
      const eol = text.indexOf('\n', i);
      if (eol < 0) return i;
      i = eol + 1;
    } else if (text.startsWith('/*', i)) {
      let depth = 1;
      let j = i + 2;
      while (j < text.length && depth > 0) {
        const step = text.startsWith('/*', j) ? 1 : text.startsWith('*/', j) ? -1 : 0;
        depth += step;
        j += step === 0 ? 1 : 2;
      }
      if (depth > 0) return i;
      i = j;
    } else return i;
  }
}
