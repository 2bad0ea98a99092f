/**
 * A part's `variables:` → typed values. Pure. A YAML number is a number and a string is text, as
 * psycopg renders Python values for pum; `{type, value}` types a value that comes from `${env:…}`
 * (always a string after substitution).
 */
import type { Variable, VariableType } from './types.js';

const numberPattern: Record<'int' | 'float', RegExp> = {
  int: /^[+-]?\d+$/,
  float: /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/,
};

/** One variable from its raw config value; a problem (for the config error) when it cannot be. */
export function parseVariable(raw: unknown): Variable | { problem: string } {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return { problem: `${raw} is not a finite number` };
    return { type: Number.isInteger(raw) ? 'int' : 'float', value: String(raw) };
  }
  if (typeof raw === 'string' || typeof raw === 'boolean') return { type: 'text', value: String(raw) };
  const o = raw as { type: VariableType; value: string | number | boolean };
  const value = String(o.value).trim();
  switch (o.type) {
    case 'int':
    case 'float':
      if (!numberPattern[o.type].test(value)) return { problem: `${JSON.stringify(String(o.value))} is not ${o.type === 'int' ? 'an integer' : 'a number'} (type: ${o.type})` };
      return { type: o.type, value };
    case 'identifier':
      if (String(o.value) === '') return { problem: 'an identifier cannot be empty (type: identifier)' };
      return { type: 'identifier', value: String(o.value) };
    default:
      return { type: 'text', value: String(o.value) };
  }
}

/** How `pgv validate` shows a variable: numbers as numbers, text as text, identifiers typed. */
export function displayVariable(v: Variable): unknown {
  if (v.type === 'int' || v.type === 'float') return Number(v.value);
  if (v.type === 'boolean') return v.value === 'true';
  if (v.type === 'identifier') return { type: 'identifier', value: v.value };
  return v.value;
}
