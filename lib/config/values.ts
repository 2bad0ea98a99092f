/** Parsers for config values with a syntax of their own. Pure. */
import type { QualifiedName } from './types.js';

/**
 * `schema.table`, `table` (schema `public`), or with double-quoted identifiers
 * (`"My Schema"."up.grades"`), as PostgreSQL writes them.
 */
export function parseQualifiedName(text: string): QualifiedName | { problem: string } {
  const names: string[] = [];
  let i = 0;
  while (i <= text.length) {
    let name = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) return { problem: `unterminated quoted identifier in ${JSON.stringify(text)}` };
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            name += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        name += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== '.') name += text[i++];
      // Unquoted identifiers fold to lower case (ASCII only), as PostgreSQL reads them.
      name = name.trim().replace(/[A-Z]/g, (ch) => ch.toLowerCase());
    }
    if (name === '') return { problem: `${JSON.stringify(text)} has an empty name; write schema.table` };
    if (Buffer.byteLength(name) > 63) return { problem: `${JSON.stringify(name)} is longer than PostgreSQL's 63-byte identifier limit` };
    names.push(name);
    if (i >= text.length) break;
    if (text[i] !== '.') return { problem: `unexpected ${JSON.stringify(text[i])} in ${JSON.stringify(text)}; write schema.table` };
    i++;
  }
  if (names.length === 1) return { schema: 'public', name: names[0]! };
  if (names.length === 2) return { schema: names[0]!, name: names[1]! };
  return { problem: `${JSON.stringify(text)} has ${names.length} parts; write schema.table` };
}

/** `5s`, `500ms`, `2min`, `1h`, `7d` or a number of milliseconds → milliseconds. */
export function parseDurationMs(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = /^([0-9]+)\s*(ms|s|min|h|d)?$/.exec(value.trim());
  if (!m) throw new RangeError(`not a duration: ${value}`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms']!;
  return n * unit;
}
