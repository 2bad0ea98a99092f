/** Turning a server error inside a script into file:line:column with a caret excerpt. Pure. */
import { PgvError } from '../errors.js';
import type { ServerError } from '../db/client.js';
import { lineColumnOf } from '../sql/lexer.js';

/** A PgvError for a failed script; `sent` is the text whose offsets the server's position uses. */
export function scriptFailure(file: string, sent: string, error: ServerError, sentOffset = 0): PgvError {
  const details: string[] = [`SQLSTATE ${error.sqlstate}`];
  let where = file;
  let line: number | undefined;
  let column: number | undefined;
  if (error.position !== undefined) {
    ({ line, column } = lineColumnOf(sent, codeUnitOffset(sent, sentOffset, error.position - 1)));
    where = `${file}:${line}:${column}`;
    details.push(...excerpt(sent, line, column));
  }
  if (error.detail) details.push(`DETAIL: ${error.detail}`);
  if (error.hint) details.push(`HINT: ${error.hint}`);
  if (error.where) details.push(`CONTEXT: ${error.where.split('\n')[0]}`);
  return new PgvError('script_failed', `${where}: ${error.message}`, {
    hint: 'Nothing of this script was kept (its transaction was rolled back); fix it and run apply again.',
    details,
    data: { file, ...(line ? { line, column } : {}), sqlstate: error.sqlstate },
  });
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

/** A few lines around `line`, numbered, with a caret under `column`. */
export function excerpt(text: string, line: number, column: number, context = 2): string[] {
  const lines = text.split('\n');
  const from = Math.max(1, line - context);
  const to = Math.min(lines.length, line);
  const width = String(to).length;
  const out: string[] = [];
  for (let n = from; n <= to; n++) {
    out.push(`${String(n).padStart(width)} | ${lines[n - 1]!.replace(/\t/g, ' ').replace(/\r$/, '')}`);
  }
  out.push(`${' '.repeat(width)} | ${' '.repeat(Math.max(0, column - 1))}^`);
  return out;
}
