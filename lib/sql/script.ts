/**
 * Preparing a script file's text for execution: find its statements, blank the psql
 * meta-commands that pg_dump writes (`\restrict`), unwrap its own BEGIN … COMMIT (the
 * gocept.rdbmanagement convention) so pgv can commit the script and its ledger row together.
 * Pure; problems are returned with their line numbers, not thrown.
 */
import { blank, lineColumnOf, scanSql, type Statement } from './lexer.js';
import { excerpt } from './excerpt.js';

/** A script ready to run. */
export interface PreparedScript {
  /** The SQL to send, same length and line layout as the file (offsets map 1:1). */
  readonly sql: string;
  /** Its statements (for scripts that run outside a transaction, one at a time). */
  readonly statements: readonly Statement[];
  /** False when the first line says `-- pgv:no-transaction`. */
  readonly transactional: boolean;
  /** The script carried its own BEGIN … COMMIT, which pgv replaced by its own transaction. */
  readonly unwrapped: boolean;
  readonly problems: ReadonlyArray<ScriptProblem>;
}

/** A problem found before anything runs: its line (and column, with the source excerpt, when known). */
export interface ScriptProblem {
  readonly line: number;
  readonly column?: number;
  readonly message: string;
  /** Numbered source lines with a caret under the column. */
  readonly excerpt?: readonly string[];
}

/** psql meta-commands that are harmless to skip: pg_dump's \restrict guard and friends. */
const ignorableMeta = new Set(['\\restrict', '\\unrestrict', '\\set', '\\encoding', '\\echo', '\\pset', '\\timing']);

const begin = /^(BEGIN|START\s+TRANSACTION)\b(?!\s+ATOMIC)/i;
const commit = /^(COMMIT|END)\b(?!\s+PREPARED)/i;
const otherControl = /^(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT)\b(?!\s+(ATOMIC|PREPARED))/i;

/** The directive that makes a script run outside a transaction (first line). */
export const noTransactionDirective = /^\s*--\s*pgv:no-transaction\b/i;

/** Prepare a script's text. */
export function prepareScript(text: string): PreparedScript {
  const problems: ScriptProblem[] = [];
  const transactional = !noTransactionDirective.test(text.split('\n', 1)[0] ?? '');
  if (text.includes('\u0000')) {
    return { sql: '', statements: [], transactional, unwrapped: false, problems: [{ line: 1, message: 'contains NUL bytes: not a SQL text file' }] };
  }
  const scan = scanSql(text);
  if (scan.unterminated) {
    // Sent as it is, the quote would swallow the rest of the script and pgv's own statements after it.
    const u = scan.unterminated;
    const { line, column } = lineColumnOf(text, u.start);
    problems.push({ line, column, message: `unterminated ${u.what}: the ${u.opening} opened here is never closed`, excerpt: excerpt(text, line, column) });
  }
  let sql = text;
  for (const meta of scan.metaCommands) {
    if (ignorableMeta.has(meta.command)) sql = blank(sql, meta.start, meta.end);
    else problems.push({ line: meta.line, message: `psql meta-command ${meta.command} is not supported (pgv runs SQL, not psql scripts)` });
  }
  let statements = [...scan.statements];
  let unwrapped = false;
  const first = statements[0];
  const last = statements[statements.length - 1];
  if (transactional && first && last && first !== last && begin.test(first.text) && commit.test(last.text)) {
    sql = blank(sql, first.start, first.end + 1);
    sql = blank(sql, last.start, Math.min(last.end + 1, sql.length));
    statements = statements.slice(1, -1);
    unwrapped = true;
  }
  for (const s of statements) {
    if (transactional && otherControl.test(s.text)) {
      problems.push({
        line: s.line,
        message: `${s.text.split(/\s/)[0]!.toUpperCase()} inside the script: pgv commits each script together with its ledger row. Keep one BEGIN at the start and one COMMIT at the end, or split the script, or make its first line \`-- pgv:no-transaction\``,
      });
    }
    if (/^COPY\b[\s\S]*\bFROM\s+STDIN\b/i.test(s.text)) {
      problems.push({ line: s.line, message: 'COPY … FROM stdin needs psql; dump data with `pg_dump --inserts` or load it with COPY FROM a server file' });
    }
  }
  return { sql, statements, transactional, unwrapped, problems };
}

/** A script's problems as lines for an error: `name:line[:column]: message`, with the excerpt (indented) when there is one. */
export function describeProblems(name: string, problems: readonly ScriptProblem[]): string[] {
  return problems.map((p) => `${name}:${p.line}${p.column ? `:${p.column}` : ''}: ${p.message}${(p.excerpt ?? []).map((l) => `\n    ${l}`).join('')}`);
}
