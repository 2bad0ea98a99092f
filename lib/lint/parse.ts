/**
 * The PostgreSQL parser: the one home of `libpg-query` (the server's own grammar, compiled to
 * WebAssembly). Loaded on demand by the paths that lint (`pgv lint`, `plan`, `apply`), so other
 * commands never pay for the module. Offsets it reports are UTF-8 byte offsets; this module turns
 * them (and the error cursor, which counts code points) into string offsets, so that everything downstream counts as JavaScript does.
 */
import { loadModule, parseSync, scanSync } from 'libpg-query';

/** One parsed statement: its tree (the node of one kind, e.g. `{ IndexStmt: {...} }`) and its place. */
export interface ParsedStatement {
  /** The statement's node: an object with one key, the node type. */
  readonly node: Readonly<Record<string, unknown>>;
  /** String offsets of the statement in the text (start may precede leading comments). */
  readonly start: number;
  readonly end: number;
}

/** A comment in the text (`-- …` or `/* … *\/`), with its string offsets. */
export interface Comment {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** The outcome of parsing a script: its statements, or where the grammar stopped. */
export type ParseOutcome =
  | { readonly ok: true; readonly statements: readonly ParsedStatement[] }
  | { readonly ok: false; readonly offset: number; readonly message: string };

/** A loaded parser (the WebAssembly module is instantiated once per process). */
export interface Parser {
  parse(text: string): ParseOutcome;
  /** The comments of a text (from the server's own scanner, so strings and dollar quotes are never mistaken for them). */
  comments(text: string): Comment[];
}

let loaded: Promise<Parser> | undefined;

/** Load the parser (once); later calls share the same instance. */
export function loadParser(): Promise<Parser> {
  loaded ??= loadModule().then(() => parser);
  return loaded;
}

const parser: Parser = {
  parse(text) {
    if (text === '') return { ok: true, statements: [] }; // libpg-query refuses an empty string; the server runs it as nothing
    const toChar = offsetMapper(text);
    try {
      const result = parseSync(text) as { stmts?: Array<{ stmt: Record<string, unknown>; stmt_location?: number; stmt_len?: number }> };
      const bytes = byteLength(text);
      const statements = (result.stmts ?? []).map((s) => {
        const from = s.stmt_location ?? 0;
        const to = s.stmt_len ? from + s.stmt_len : bytes; // the last statement's length is 0 without a semicolon
        return { node: s.stmt, start: toChar(from), end: toChar(to) };
      });
      return { ok: true, statements };
    } catch (e) {
      const details = (e as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
      const at = typeof details?.cursorPosition === 'number' ? details.cursorPosition : 0;
      // Unlike statement locations, the error cursor counts characters (the server's own error position, 0-based here).
      return { ok: false, offset: charOffset(text, Math.max(0, at)), message: details?.message ?? (e as Error).message };
    }
  },
  comments(text) {
    const toChar = offsetMapper(text);
    try {
      return scanSync(text)
        .tokens.filter((t) => t.tokenName === 'SQL_COMMENT' || t.tokenName === 'C_COMMENT')
        .map((t) => {
          const start = toChar(t.start);
          const end = toChar(t.end);
          return { text: text.slice(start, end), start, end };
        });
    } catch {
      return [];
    }
  },
};

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Byte offset → string offset; the identity for ASCII text (the common case costs nothing). */
function offsetMapper(text: string): (byte: number) => number {
  if (byteLength(text) === text.length) return (b) => b;
  const starts: number[] = []; // starts[b] = string offset of the character that starts at byte b
  let b = 0;
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i)!;
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (let k = 0; k < n; k++) starts[b + k] = i;
    b += n;
    if (cp >= 0x10000) i++;
  }
  return (byte) => (byte >= b ? text.length : starts[byte]!);
}

/** Code points → string offset (a character outside the BMP is two UTF-16 units). */
function charOffset(text: string, codePoints: number): number {
  let i = 0;
  for (let k = 0; k < codePoints && i < text.length; k++) i += text.codePointAt(i)! >= 0x10000 ? 2 : 1;
  return i;
}
