/**
 * Validating raw config data against schemas/pgv.config.schema.json: the one home of ajv.
 * Returns every problem at once as plain messages; never throws for invalid data.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { packageRoot, schemaPath } from '../util/paths.js';
import { closest } from '../util/suggest.js';

/** One problem in a config: where (a JSON pointer) and what. */
export interface ConfigProblem {
  /** JSON pointer into the merged config, `/parts/app/schema`; `` for the root. */
  readonly path: string;
  readonly message: string;
}

const validators = new Map<string, ValidateFunction>();
// ajv is CommonJS; loading it (and compiling a schema) costs ~80 ms, so the build precompiles the
// schemas into dist/schemas/*.validate.cjs (ajv's standalone code) and ajv loads only as a fallback.
const require = createRequire(import.meta.url);
const ajvOptions = { allErrors: true, verbose: true, strict: false } as const;

/** Where the build puts the precompiled validator of a schema. */
export function precompiledPath(schemaFile: string): string {
  return path.join(packageRoot, 'dist', 'schemas', schemaFile.replace(/\.json$/, '.validate.cjs'));
}

function validatorFor(schemaFile: string): ValidateFunction {
  let v = validators.get(schemaFile);
  if (!v) {
    const text = readFileSync(schemaPath(schemaFile), 'utf8');
    const hash = createHash('sha256').update(text).digest('hex');
    try {
      const compiled = require(precompiledPath(schemaFile)) as { schemaHash?: string; default?: ValidateFunction };
      // A stale file (the schema changed since the build) is ignored.
      if (compiled.schemaHash === hash && compiled.default) v = compiled.default;
    } catch {
      v = undefined;
    }
    if (!v) {
      const { Ajv } = require('ajv') as typeof import('ajv');
      v = new Ajv(ajvOptions).compile(JSON.parse(text));
    }
    validators.set(schemaFile, v);
  }
  return v;
}

/** The source of a standalone validator module for a schema (used by the build). */
export function standaloneValidatorSource(schemaFile: string): string {
  const text = readFileSync(schemaPath(schemaFile), 'utf8');
  const { Ajv } = require('ajv') as typeof import('ajv');
  const standalone = (require('ajv/dist/standalone') as { default: (ajv: unknown, v: unknown) => string }).default;
  const ajv = new Ajv({ ...ajvOptions, code: { source: true } });
  const code = standalone(ajv, ajv.compile(JSON.parse(text)));
  const hash = createHash('sha256').update(text).digest('hex');
  return `${code}\nmodule.exports.schemaHash = ${JSON.stringify(hash)};\n`;
}

/** Validate `data` against a schema under schemas/; returns the problems, empty when valid. */
export function validateAgainst(schemaFile: string, data: unknown): ConfigProblem[] {
  const validate = validatorFor(schemaFile);
  if (validate(data)) return [];
  return formatErrors(validate.errors ?? []);
}

const specific = new Set(['additionalProperties', 'required', 'maximum', 'minimum', 'pattern', 'minLength', 'maxLength', 'uniqueItems']);

/** Turn ajv's errors into one plain message per problem, without the noise of oneOf branches. */
function formatErrors(errors: readonly ErrorObject[]): ConfigProblem[] {
  // A bad property name yields a propertyNames error and the inner pattern error: keep the first.
  const names = errors.filter((e) => e.keyword === 'propertyNames');
  const relevant = errors.filter((e) => e.keyword !== 'if' && !names.some((n) => n !== e && e.schemaPath.startsWith(n.schemaPath + '/')));
  const oneOfs = relevant.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const dropped = new Set<ErrorObject>();
  for (const o of oneOfs) {
    // Errors from the alternatives of a failed oneOf: if some point inside the value (a bad key in
    // an object form), they are the useful ones; otherwise the oneOf's one-line summary is.
    const inside = relevant.filter((e) => e !== o && !oneOfs.includes(e) && (e.instancePath === o.instancePath || e.instancePath.startsWith(o.instancePath + '/')));
    const deeper = inside.filter((e) => e.instancePath !== o.instancePath || specific.has(e.keyword));
    if (deeper.length) {
      dropped.add(o);
      for (const e of inside) if (!deeper.includes(e)) dropped.add(e);
    } else {
      for (const e of inside) dropped.add(e);
    }
  }
  const seen = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const e of relevant) {
    if (dropped.has(e)) continue;
    const p = problemOf(e);
    const key = `${p.path}\0${p.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(p);
    }
  }
  return problems;
}

function problemOf(e: ErrorObject): ConfigProblem {
  const at = e.instancePath;
  switch (e.keyword) {
    case 'additionalProperty':
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      const guess = closest(key, known);
      const suffix = guess ? `; did you mean "${guess}"?` : known.length ? `; known keys: ${known.join(', ')}` : '';
      return { path: `${at}/${escapePointer(key)}`, message: `unknown key "${key}"${suffix}` };
    }
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      return { path: at, message: `missing required key "${missing}"` };
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      const guess = typeof e.data === 'string' ? closest(e.data, allowed.map(String)) : undefined;
      return {
        path: at,
        message: `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, not ${JSON.stringify(e.data)}${guess ? `; did you mean "${guess}"?` : ''}`,
      };
    }
    case 'const':
      return { path: at, message: `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}` };
    case 'oneOf':
    case 'anyOf': {
      const forms = ((e.schema as object[]) ?? []).map(describeSchema).filter(Boolean);
      // A word close to one of the words allowed (`embeded`): say which.
      const words = ((e.schema as Array<{ const?: unknown; enum?: unknown[] }>) ?? []).flatMap((f) => [...(typeof f.const === 'string' ? [f.const] : []), ...(f.enum ?? []).filter((v): v is string => typeof v === 'string')]);
      const guess = typeof e.data === 'string' && words.length ? closest(e.data, words) : undefined;
      return { path: at, message: `must be ${forms.join(' or ')}, not ${describeValue(e.data)}${guess ? `; did you mean "${guess}"?` : ''}` };
    }
    case 'type':
      return { path: at, message: `must be ${String((e.params as { type: string }).type).replace(',', ' or ')}, not ${describeValue(e.data)}` };
    case 'propertyNames': {
      const name = (e.params as { propertyName: string }).propertyName;
      // Names from a fixed list (lint rule ids): say it is not one of them, and which it may be.
      const known = (e.parentSchema as { propertyNames?: { enum?: unknown[] } } | undefined)?.propertyNames?.enum?.map(String);
      if (known) {
        const guess = closest(name, known);
        const noun = at.endsWith('/lint/rules') ? 'lint rule' : 'name';
        return { path: `${at}/${escapePointer(name)}`, message: `unknown ${noun} "${name}"${guess ? `; did you mean "${guess}"?` : `; known: ${known.join(', ')}`}` };
      }
      return { path: `${at}/${escapePointer(name)}`, message: `"${name}" is not a valid name (letters, digits, _ . -; at most 63 characters; not starting with a digit)` };
    }
    case 'pattern': {
      const pattern = (e.params as { pattern: string }).pattern;
      const expected = patternMeaning[pattern] ?? 'in the form its description in schemas/pgv.config.schema.json gives';
      return { path: at, message: `must be ${expected}, not ${describeValue(e.data)}` };
    }
    case 'minimum':
    case 'maximum': {
      const { comparison, limit } = e.params as { comparison: string; limit: number };
      return { path: at, message: `must be ${comparison === '>=' ? 'at least' : comparison === '<=' ? 'at most' : comparison} ${limit}, not ${describeValue(e.data)}` };
    }
    default:
      return { path: at, message: e.message ?? `fails ${e.keyword}` };
  }
}

/** What the schema's string patterns accept, in words: a message never shows a regular expression. */
const patternMeaning: Readonly<Record<string, string>> = {
  '^[0-9]+\\s*(ms|s|min|h)?$': 'a duration: milliseconds, or a whole number with ms, s, min or h (500ms, 5s, 2min)',
  '^[0-9]{1,5}$': 'a port number (1 to 65535)',
  '^[0-9]+$': 'a whole number',
};

function describeSchema(s: object): string {
  const schema = s as { const?: unknown; type?: string | string[]; $ref?: string; items?: unknown; enum?: unknown[] };
  if ('const' in schema) return JSON.stringify(schema.const);
  if (schema.$ref) return 'an object';
  if (schema.type === 'array') return 'a list';
  if (schema.type === 'object') return 'an object';
  if (schema.type === 'integer') return 'an integer';
  if (schema.type === 'string') return 'a string';
  if (Array.isArray(schema.type)) return schema.type.join(' or ');
  return schema.type ?? '';
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v);
  return text.length > 40 ? `${typeof v} ${text.slice(0, 37)}...` : text;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
