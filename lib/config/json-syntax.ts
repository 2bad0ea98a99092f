/**
 * A JSON config's syntax error as YAML's are reported: `file:line:column`, what is wrong in words
 * (never the parser's text), and the lines above with a caret. Pure.
 */
import { PgvError } from '../errors.js';
import { excerpt } from '../exec/script-error.js';
import { lineColumnOf } from '../sql/lexer.js';

/** Parse a JSON config's text; a syntax error becomes a `config_parse` error naming file:line:col. */
export function parseJsonConfig(file: string, text: string): unknown {
  const content = text.replace(/^\uFEFF/, '');
  try {
    return JSON.parse(content);
  } catch (e) {
    throw jsonSyntaxError(file, content, (e as Error).message);
  }
}

/** The error for JSON.parse's `message` on `text`. */
function jsonSyntaxError(file: string, text: string, message: string): PgvError {
  const offset = offsetOf(text, message);
  const { line, column } = lineColumnOf(text, offset);
  const what = describe(text, offset, message);
  return new PgvError('config_parse', `${file}:${line}:${column}: ${what}`, {
    hint: 'Fix the JSON syntax at that line (JSON allows no trailing commas, comments or unquoted keys; a .yaml config may).',
    details: excerpt(text, line, column),
    data: { file, line, column },
  });
}

/** Where the parser stopped: its "at position N", the unexpected token's place, or the end. */
function offsetOf(text: string, message: string): number {
  const at = /at position (\d+)/.exec(message);
  if (at) return Math.min(Number(at[1]), text.length);
  const token = /^Unexpected token '(.)'/.exec(message)?.[1];
  if (token !== undefined) {
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === token) return i;
    }
  }
  return text.length;
}

/** What is wrong at `offset`, in words. */
function describe(text: string, offset: number, message: string): string {
  const before = text.slice(0, offset).trimEnd();
  const here = text.slice(offset).trimStart()[0];
  if (offset >= text.trimEnd().length) return 'the file ends too early: a closing } or ] or " is missing';
  if (before.endsWith(',') && (here === '}' || here === ']')) return `a trailing comma before "${here}" (JSON allows none)`;
  if (/after property value|after array element/.test(message)) return `a comma is missing before this (or a "${/array/.test(message) ? ']' : '}'}")`;
  if (/property name/.test(message)) return 'expected a key in double quotes here';
  if (/non-whitespace character after JSON/.test(message)) return 'text after the end of the JSON document (an extra } or ])';
  if (/control character/.test(message)) return 'a line break or tab inside a string (write \\n or \\t)';
  return here !== undefined ? `unexpected "${here}" here` : 'malformed JSON here';
}
