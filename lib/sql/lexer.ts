/**
 * A small SQL scanner that knows just enough of PostgreSQL's lexical rules (comments, nested
 * block comments, quoted strings, E'' strings, quoted identifiers, dollar quotes) to find the
 * top-level statements of a script and the psql meta-command lines between them. Pure.
 */

/** One top-level statement: offsets into the script, `text` without the trailing semicolon. */
export interface Statement {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** 1-based line of the statement's first significant character. */
  readonly line: number;
}

/** A psql meta-command line (`\restrict KEY`, `\connect db`, …). */
export interface MetaCommand {
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly command: string;
  readonly text: string;
}

/** A psql-style variable reference outside strings and comments: `:'name'`, `:"name"` or `:name`. */
export interface VariableRef {
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly name: string;
  /** `literal` for :'name', `identifier` for :"name", `none` for :name. */
  readonly quote: 'literal' | 'identifier' | 'none';
}

/** A quote or comment that the script opens and never closes: where it opens. */
export interface Unterminated {
  /** 0-based offset of the opening quote or `/*`. */
  readonly start: number;
  readonly line: number;
  readonly what: 'string' | 'quoted identifier' | 'dollar-quoted string' | 'block comment';
  /** The opening token as written (`'`, `"`, `$body$`, `/*`). */
  readonly opening: string;
}

/** The scan of a script. */
export interface Scan {
  readonly statements: readonly Statement[];
  readonly metaCommands: readonly MetaCommand[];
  readonly variables: readonly VariableRef[];
  /** Set when a quote or comment runs to the end of the text (the server would swallow what follows). */
  readonly unterminated?: Unterminated;
}

/** A character of an identifier or keyword: A-Z a-z 0-9 _ or anything beyond ASCII. */
function isIdentChar(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || code >= 0x80;
}

/** Split a script into top-level statements and meta-command lines. */
export function scanSql(text: string): Scan {
  const statements: Statement[] = [];
  const metaCommands: MetaCommand[] = [];
  const variables: VariableRef[] = [];
  let unterminated: Unterminated | undefined;
  const open = (what: Unterminated['what'], opening: string, start = i) => (unterminated ??= { start, line, what, opening });
  let i = 0;
  let stmtStart = 0;
  let significantAt = -1;
  let line = 1;
  let stmtLine = 1;
  let lineStart = true;
  // psql's rules: semicolons split only outside parentheses and outside the BEGIN … END of a
  // SQL-standard body, tracked only in statements that start CREATE [OR REPLACE] FUNCTION|PROCEDURE
  // (CASE … END counts once inside such a block).
  let words: string[] = [];
  let blockDepth = 0;
  let parenDepth = 0;
  const n = text.length;

  const pushStatement = (end: number) => {
    if (significantAt >= 0) statements.push({ start: stmtStart, end, text: text.slice(significantAt, end).trim(), line: stmtLine });
    significantAt = -1;
    words = [];
    blockDepth = 0;
    parenDepth = 0;
  };
  const markSignificant = () => {
    if (significantAt < 0) {
      significantAt = i;
      stmtLine = line;
    }
  };
  const advanceTo = (j: number) => {
    for (let k = i; k < j && k < n; k++) if (text.charCodeAt(k) === 10) line++;
    i = Math.min(j, n);
  };

  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
      lineStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    const atLineStart = lineStart;
    lineStart = false;
    if (c === '\\' && atLineStart && significantAt < 0) {
      const eol = text.indexOf('\n', i);
      const end = eol < 0 ? n : eol;
      const body = text.slice(i, end).replace(/\r$/, '');
      metaCommands.push({ start: i, end, line, command: (/^\\[A-Za-z!?.]*/.exec(body) ?? [''])[0], text: body });
      i = end;
      stmtStart = end;
      continue;
    }
    if (c === '-' && text[i + 1] === '-') {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? n : eol;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (text[j] === '/' && text[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (text[j] === '*' && text[j + 1] === '/') {
          depth--;
          j += 2;
        } else j++;
      }
      if (depth > 0) open('block comment', '/*');
      advanceTo(j);
      continue;
    }
    if (c === ';' && blockDepth === 0 && parenDepth === 0) {
      pushStatement(i);
      i++;
      stmtStart = i;
      continue;
    }
    markSignificant();
    if (c === ':') {
      if (text[i + 1] === ':') {
        i += 2; // a cast
        continue;
      }
      const v = text[i + 1] === "'" || text[i + 1] === '"' ? /^:(['"])([A-Za-z_][A-Za-z0-9_]*)\1/.exec(text.slice(i, i + 130)) : null;
      if (v) {
        variables.push({ start: i, end: i + v[0].length, line, name: v[2]!, quote: v[1] === "'" ? 'literal' : 'identifier' });
        i += v[0].length;
        continue;
      }
      // psql's :name, wherever psql sees one (`x[lo:hi]` too): only defined names are replaced,
      // and an undefined one stays as written, as psql leaves it.
      const bare = /^:([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i, i + 130));
      if (bare) {
        variables.push({ start: i, end: i + bare[0].length, line, name: bare[1]!, quote: 'none' });
        i += bare[0].length;
        continue;
      }
    }
    if (c === "'") {
      const escapes = i > 0 && /[eE]/.test(text[i - 1]!) && (i < 2 || !isIdentChar(text.charCodeAt(i - 2)));
      let j = i + 1;
      while (j < n) {
        if (escapes && text[j] === '\\') j += 2;
        else if (text[j] === "'" && text[j + 1] === "'") j += 2;
        else if (text[j] === "'") break;
        else j++;
      }
      if (j >= n) open('string', escapes ? `${text[i - 1]}'` : "'", escapes ? i - 1 : i);
      advanceTo(j + 1);
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < n) {
        if (text[j] === '"' && text[j + 1] === '"') j += 2;
        else if (text[j] === '"') break;
        else j++;
      }
      if (j >= n) open('quoted identifier', '"');
      advanceTo(j + 1);
      continue;
    }
    if (c === '$' && (i === 0 || !isIdentChar(text.charCodeAt(i - 1)))) {
      const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 70));
      if (m) {
        const close = text.indexOf(m[0], i + m[0].length);
        if (close < 0) open('dollar-quoted string', m[0]);
        advanceTo(close < 0 ? n : close + m[0].length);
        continue;
      }
    }
    if (isIdentChar(c.charCodeAt(0))) {
      let j = i + 1;
      for (let code = text.charCodeAt(j); j < n && (isIdentChar(code) || code === 36); code = text.charCodeAt(++j));
      // Only the first words of a statement and the words of a routine body matter.
      const routine = parenDepth === 0 && startsRoutine(words);
      if (words.length < 4 || routine) {
        const word = text.slice(i, j).toLowerCase();
        if (words.length < 4) words.push(word);
        if (routine || (parenDepth === 0 && startsRoutine(words))) {
          if (word === 'begin') blockDepth++;
          else if (word === 'case' && blockDepth > 0) blockDepth++;
          else if (word === 'end' && blockDepth > 0) blockDepth--;
        }
      }
      i = j;
      continue;
    }
    if (c === '(') parenDepth++;
    else if (c === ')' && parenDepth > 0) parenDepth--;
    i++;
  }
  pushStatement(n);
  return { statements, metaCommands, variables, ...(unterminated ? { unterminated } : {}) };
}

/** Does a statement start with CREATE [OR REPLACE] FUNCTION|PROCEDURE? */
function startsRoutine(words: readonly string[]): boolean {
  if (words[0] !== 'create') return false;
  const routine = (w: string | undefined) => w === 'function' || w === 'procedure';
  return routine(words[1]) || (words[1] === 'or' && words[2] === 'replace' && routine(words[3]));
}

/** Replace `[start, end)` of `text` by spaces, keeping newlines so line numbers stay true. */
export function blank(text: string, start: number, end: number): string {
  return text.slice(0, start) + text.slice(start, end).replace(/[^\n]/g, ' ') + text.slice(end);
}

/** The 1-based line and column of a 0-based character offset. */
export function lineColumnOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lastNewline = -1;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text.charCodeAt(k) === 10) {
      line++;
      lastNewline = k;
    }
  }
  return { line, column: offset - lastNewline };
}
