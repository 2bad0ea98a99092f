/**
 * Placeholders in scripts, filled from the part's `variables:` before anything runs. Pure.
 *
 * - psql's syntax, everywhere: `:'name'` becomes the value as a quoted literal, `:"name"` as a
 *   quoted identifier, `:name` the value as it is (an identifier-typed value quoted as one); outside
 *   strings, comments and dollar quotes, as psql -v does it, so a file also runs with
 *   `psql -v name=value -f FILE`. An undefined `:name` stays as written, as in psql.
 * - pum 0.x's `%(name)s` with `%%` for `%`, only for parts with `pum_placeholders: true`, since it
 *   applies to the whole text as psycopg's formatting did: a number renders as a number, text as a
 *   quoted literal (pum's `-v int len 20` gives `varchar(20)`), an identifier as a quoted identifier.
 */
import type { Variable } from '../config/types.js';
import { quoteIdent, quoteLiteral } from '../db/ident.js';
import { lineColumnOf, scanSql } from '../sql/lexer.js';

/** How a part's placeholders are written. */
export interface PlaceholderOptions {
  readonly values: Readonly<Record<string, Variable>>;
  readonly pum: boolean;
  /** pum 1.x's `{name}` placeholders (a module's `parameters:`), rendered as `%(name)s` is. */
  readonly braces?: boolean;
}

/** A value as psycopg renders it into `%(name)s` (and pum 1.x's `{name}`). */
function rendered(v: Variable): string {
  if (v.type === 'int' || v.type === 'float' || v.type === 'boolean') return v.value;
  return v.type === 'identifier' ? quoteIdent(v.value) : quoteLiteral(v.value);
}

/**
 * pum 1.x's `{name}`, as psycopg's `SQL.format` reads a file after pum stripped its comments: the
 * whole text but comments (block comments, and `--` at the start of a line or after a `;`), `{{` and
 * `}}` for braces, a lone brace an error.
 */
function fillBraces(text: string, values: Readonly<Record<string, Variable>>, undefinedVariable: (line: number, written: string) => void, problems: Array<{ line: number; message: string }>): string {
  const comments = /\/\*[\s\S]*?\*\/|(?:^|(?<=;))[ \t]*--[^\n]*/gm;
  let out = '';
  let at = 0;
  const fill = (chunk: string, offset: number) =>
    chunk.replace(/\{\{|\}\}|\{(\w+)\}|[{}]/g, (match, name: string | undefined, k: number) => {
      if (match === '{{') return '{';
      if (match === '}}') return '}';
      const line = lineColumnOf(text, offset + k).line;
      if (name === undefined) {
        problems.push({ line, message: `a lone ${match}: pum 1.x formats files with psycopg, write ${match}${match} for a literal ${match}` });
        return match;
      }
      const value = values[name];
      if (value === undefined) {
        undefinedVariable(line, match);
        return match;
      }
      return rendered(value);
    });
  for (const m of text.matchAll(comments)) {
    out += fill(text.slice(at, m.index), at) + m[0];
    at = m.index + m[0].length;
  }
  return out + fill(text.slice(at), at);
}

/** The text with its placeholders replaced, and one problem per undefined variable. */
export function fillPlaceholders(text: string, options: PlaceholderOptions): { text: string; problems: Array<{ line: number; message: string }> } {
  const problems: Array<{ line: number; message: string }> = [];
  const known = Object.keys(options.values);
  const undefinedVariable = (line: number, written: string) =>
    problems.push({ line, message: `${written} is not defined (the part's variables: ${known.length ? known.join(', ') : 'none'})` });
  // No placeholder can be in a text without a colon, nor an undefined one that matters (:'x', :"x")
  // when there are no variables: skip the lexing, the common case.
  if (!options.braces && !options.pum && (!text.includes(':') || (known.length === 0 && !/:['"]/.test(text)))) return { text, problems };
  let out = text;
  if (options.braces) out = fillBraces(out, options.values, undefinedVariable, problems);
  if (options.pum) {
    out = out.replace(/%\((\w+)\)s|%%/g, (match, name: string | undefined, offset: number) => {
      if (name === undefined) return '%';
      const value = options.values[name];
      if (value === undefined) {
        undefinedVariable(lineColumnOf(text, offset).line, match);
        return match;
      }
      return rendered(value);
    });
  }
  const refs = scanSql(out).variables;
  for (let k = refs.length - 1; k >= 0; k--) {
    const ref = refs[k]!;
    const value = options.values[ref.name];
    if (value === undefined) {
      if (ref.quote !== 'none') undefinedVariable(ref.line, ref.quote === 'literal' ? `:'${ref.name}'` : `:"${ref.name}"`);
      continue;
    }
    const replacement = ref.quote === 'literal' ? quoteLiteral(value.value) : ref.quote === 'identifier' || value.type === 'identifier' ? quoteIdent(value.value) : value.value;
    out = out.slice(0, ref.start) + replacement + out.slice(ref.end);
  }
  problems.sort((a, b) => a.line - b.line);
  return { text: out, problems };
}
