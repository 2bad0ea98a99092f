/**
 * What a command tells the CLI about itself: its summary, usage, options, help, examples and exit
 * codes, and the adapter from parsed option values to the command function. A spec module imports
 * only this file, `errors.ts` and `util/suggest.ts`; the command's engine (and pg) load when the adapter runs.
 */
import type { ParseArgsConfig } from 'node:util';
import { usageError, type PgvError } from '../errors.js';
import { closest } from '../util/suggest.js';
import type { CommandResult, Globals } from './types.js';

/** node:util parseArgs option declarations. */
export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;
/** Option values as parseArgs returns them. */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** One runnable example of a command's help. */
export interface Example {
  /** The command line after `pgv ` (quoted the shell way). */
  readonly args: string;
  /** What it does, in a few words. */
  readonly does: string;
}

/** A command, as the CLI dispatches it and `--help` shows it. */
export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: OptionSpecs;
  /** Option and argument lines, then notes. */
  readonly help: readonly string[];
  readonly examples: readonly Example[];
  /** The exit codes this command can end with, code → meaning. */
  readonly exitCodes: Readonly<Partial<Record<0 | 1 | 2 | 3 | 130, string>>>;
  /**
   * Load the command's code (its adapter and, through it, its engine) before the run starts. The
   * CLI awaits it before it enters the run's cancellation scope: once a scope exists, db/cancel.ts's
   * AsyncLocalStorage hooks every promise, and loading modules under it cost ~30 ms more CPU.
   */
  readonly load?: () => Promise<unknown>;
  readonly run: (g: Globals, values: OptionValues, positionals: string[]) => Promise<CommandResult>;
}

/** The help text of a command, global option lines given by the CLI. Every line fits 100 columns. */
export function renderCommandHelp(c: CommandSpec, globalHelp: readonly string[]): string {
  // "  pgv " before the arguments, two spaces after the longest that fits.
  const width = Math.min(40, Math.max(...c.examples.map((e) => e.args.length + 8)));
  // Every command but validate talks to a server, and a Ctrl-C there is a normal end (cli.ts).
  const exitCodes = c.name === 'validate' || 130 in c.exitCodes ? c.exitCodes : { ...c.exitCodes, 130: 'interrupted (Ctrl-C, SIGTERM): the running statement cancelled; the message says what is left' };
  const codes = Object.entries(exitCodes).map(([code, meaning]) => `  ${code.padEnd(3)}  ${meaning}`);
  return [
    `Usage: ${c.usage}`,
    '',
    `${c.summary[0]!.toUpperCase()}${c.summary.slice(1)}.`,
    ...(c.help.length ? ['', ...c.help] : []),
    '',
    c.examples.length === 1 ? 'Example:' : 'Examples:',
    ...c.examples.flatMap((e) => {
      const cmd = `  pgv ${e.args}`;
      return cmd.length + 2 > width ? [cmd, `${' '.repeat(width)}${e.does}`] : [`${cmd.padEnd(width)}${e.does}`];
    }),
    ...(c.examples.some((e) => / -c /.test(` ${e.args} `)) ? [] : ['  (the config is found from the working folder up: pgv.config.yaml; -c FILE names another)']),
    '',
    'Exit codes:',
    ...codes,
    '',
    'Global options:',
    ...globalHelp.map((l) => `  ${l}`),
  ].join('\n');
}

/** A whole-number option value (`undefined` → `dflt`); a usage error otherwise. */
export function positiveInt(text: OptionValues[string], flag: string, dflt: number, allowZero = false): number {
  if (text === undefined || typeof text !== 'string') return dflt;
  const n = Number(text);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw usageError(`${flag} must be a ${allowZero ? 'non-negative' : 'positive'} integer, not "${text}"`, `For example ${flag} ${dflt || 1} (the default is ${dflt}).`);
  return n;
}

/** A repeatable option's values (empty when not given). */
export function listOf(values: OptionValues, key: string): string[] {
  const v = values[key];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/** A string option's value, as an object to spread (`{}` when not given). */
export function stringOpt<K extends string>(values: OptionValues, key: string, as: K): { [P in K]?: string } {
  const v = values[key];
  return (typeof v === 'string' ? { [as]: v } : {}) as { [P in K]?: string };
}

/** `--format text|markdown` (default text); anything else is a usage error. */
export function reportFormat(values: OptionValues): 'text' | 'markdown' {
  const v = values.format ?? 'text';
  if (v !== 'text' && v !== 'markdown') throw usageError(`--format must be text or markdown, not "${String(v)}"`, 'Use --json for the JSON document.');
  return v;
}

/** parseArgs' complaint in pgv's words, with the nearest option. */
export function optionError(e: unknown, spec: CommandSpec | undefined, globalOptions: OptionSpecs): PgvError {
  const message = (e as Error).message;
  const m = /Unknown option '([^']+)'/.exec(message);
  const where = spec ? `pgv ${spec.name}` : 'pgv';
  if (m) {
    const guess = closest(m[1]!, Object.keys({ ...globalOptions, ...(spec?.options ?? {}) }).map((o) => `--${o}`));
    return usageError(`unknown option ${m[1]} for ${where}`, `${guess ? `Did you mean ${guess}? ` : ''}See \`${where} --help\`.`);
  }
  // "Option '-c, --config <value>' argument missing" → "option -c (--config) needs a value".
  const missing = /Option '(-\w), --([\w-]+) <value>' argument missing/.exec(message) ?? /Option '--([\w-]+) <value>' argument missing/.exec(message);
  if (missing) {
    const name = missing.length === 3 ? `${missing[1]} (--${missing[2]})` : `--${missing[1]}`;
    return usageError(`option ${name} needs a value`, `See \`${where} --help\`.`);
  }
  const ambiguous = /Option '(?:-\w, )?--([\w-]+)' argument is ambiguous/.exec(message);
  if (ambiguous) return usageError(`option --${ambiguous[1]} is followed by a value that starts with a dash`, `Write it as --${ambiguous[1]}=VALUE if you meant that value; see \`${where} --help\`.`);
  return usageError(message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, ''), `See \`${where} --help\`.`);
}
