/**
 * The one place identifiers become SQL text. Every identifier pgv pastes into SQL goes through
 * `quoteIdent`; values go through `$1` parameters, never through string building.
 */
import type { QualifiedName } from '../config/types.js';

/** Quote an identifier: always double-quoted, embedded quotes doubled, NUL refused. */
export function quoteIdent(name: string): string {
  if (name.includes('\u0000')) throw new RangeError('identifier contains a NUL character');
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."name"`. */
export function quoteQualified(q: QualifiedName): string {
  return `${quoteIdent(q.schema)}.${quoteIdent(q.name)}`;
}

/** A qualified name for humans: schema.name, quoted only where SQL would need it. */
export function displayQualified(q: QualifiedName): string {
  const show = (s: string) => (/^[a-z_][a-z0-9_$]*$/.test(s) ? s : quoteIdent(s));
  return `${show(q.schema)}.${show(q.name)}`;
}

/**
 * Quote a string literal, for the few places that cannot take parameters (COMMENT ON, and the
 * ledger row sent in the same query as its script). With a backslash it uses E'' so that it reads
 * the same whatever a script did to standard_conforming_strings.
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\u0000')) throw new RangeError('literal contains a NUL character');
  const quoted = value.replace(/'/g, "''");
  return value.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

/** PostgreSQL's longest identifier, in bytes (NAMEDATALEN - 1; longer ones are silently truncated by the server). */
export const maxIdentifierBytes = 63;

/** Bytes of `text` in UTF-8. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The longest prefix of `text` that is at most `maxBytes` bytes of UTF-8, never splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    const n = byteLength(ch);
    if (bytes + n > maxBytes) break;
    bytes += n;
    out += ch;
  }
  return out;
}
