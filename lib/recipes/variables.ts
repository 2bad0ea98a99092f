/**
 * Placeholders in scripts, filled from the part's `variables:` before anything runs. Pure.
 *
 * - psql's syntax, everywhere: `:'name'` becomes the value as a quoted literal, `:"name"` as a
 *   quoted identifier (outside strings, comments and dollar quotes, as psql -v does it), so a file
 *   also runs with `psql -v name=value -f FILE`.
 * - pum 0.x's `%(name)s` (a quoted literal) with `%%` for `%`, only for parts with
 *   `pum_placeholders: true`, since it applies to the whole text as psycopg's formatting did.
 */
import { quoteIdent, quoteLiteral } from '../db/ident.js';
import { lineColumnOf, scanSql } from '../sql/lexer.js';

/** How a part's placeholders are written. */
export interface PlaceholderOptions {
  readonly values: Readonly<Record<string, string>>;
  readonly pum: boolean;
}

/** The text with its placeholders replaced, and one problem per undefined variable. */
export function fillPlaceholders(text: string, options: PlaceholderOptions): { text: string; problems: Array<{ line: number; message: string }> } {
  const problems: Array<{ line: number; message: string }> = [];
  const known = Object.keys(options.values);
  const undefinedVariable = (line: number, written: string) =>
    problems.push({ line, message: `${written} is not defined (the part's variables: ${known.length ? known.join(', ') : 'none'})` });
  let out = text;
  if (options.pum) {
    out = out.replace(/%\((\w+)\)s|%%/g, (match, name: string | undefined, offset: number) => {
      if (name === undefined) return '%';
      const value = options.values[name];
      if (value === undefined) {
        undefinedVariable(lineColumnOf(text, offset).line, match);
        return match;
      }
      return quoteLiteral(value);
    });
  }
  const refs = scanSql(out).variables;
  for (let k = refs.length - 1; k >= 0; k--) {
    const ref = refs[k]!;
    const value = options.values[ref.name];
    if (value === undefined) {
      undefinedVariable(ref.line, ref.quote === 'literal' ? `:'${ref.name}'` : `:"${ref.name}"`);
      continue;
    }
    out = out.slice(0, ref.start) + (ref.quote === 'literal' ? quoteLiteral(value) : quoteIdent(value)) + out.slice(ref.end);
  }
  problems.sort((a, b) => a.line - b.line);
  return { text: out, problems };
}
