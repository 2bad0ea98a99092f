/**
 * `pgv check PART | --db1 CONN --db2 CONN`: compare two databases' schemas by object kind. With a
 * PART, db1 is the part's database and db2 a fresh build of its scripts (dropped afterwards).
 */
import { ExitCode, usageError } from '../errors.js';
import type { Comparison } from '../check/model.js';
import { checkOptionsFor } from '../check/options.js';
import { checkConnections } from '../check/connections.js';
import { checkPart } from '../check/part.js';
import { renderCheckJson } from '../report/check-json.js';
import { renderCheckText } from '../report/check-text.js';
import { renderCheckMarkdown } from '../report/check-markdown.js';
import { eventRenderer } from '../report/progress.js';
import { loadProjectConfig, loadOptionalConfig } from '../targets/context.js';
import type { ComparisonArgs } from '../rehearse/rehearse.js';
import type { CommandResult, Globals } from './types.js';

/** Options of `pgv check`, as given on the command line (lists possibly comma-separated). */
export interface CheckArgs extends ComparisonArgs {
  readonly part?: string;
  readonly db1?: string;
  readonly db2?: string;
  /** `--format markdown`: tables for a pull-request comment. */
  readonly format?: 'text' | 'markdown';
}

/** Run `pgv check`. */
export async function checkCommand(g: Globals, args: CheckArgs): Promise<CommandResult> {
  const usage = 'Run `pgv check PART` (the part\'s database against a fresh build of its scripts) or `pgv check --db1 CONN --db2 CONN`.';
  if (args.part !== undefined && (args.db1 !== undefined || args.db2 !== undefined)) throw usageError('pgv check takes either PART or --db1 and --db2, not both', usage);
  if (args.part === undefined && (args.db1 === undefined || args.db2 === undefined)) {
    throw usageError(args.db1 === undefined && args.db2 === undefined ? 'pgv check needs a PART or --db1 and --db2' : `pgv check: --${args.db1 === undefined ? 'db1' : 'db2'} is missing`, usage);
  }
  // Bad kinds are reported before anything connects.
  checkOptionsFor(args, []);
  return args.part !== undefined ? checkPartCommand(g, args, args.part) : checkDatabases(g, args);
}

async function checkDatabases(g: Globals, args: CheckArgs): Promise<CommandResult> {
  const config = await loadOptionalConfig(g);
  const { result, databases } = await checkConnections(config, { ...args, db1: args.db1!, db2: args.db2! }, g);
  return report(g, result, databases, args.format);
}

async function checkPartCommand(g: Globals, args: CheckArgs, name: string): Promise<CommandResult> {
  const config = await loadProjectConfig(g);
  // The reference build's steps show on a terminal or with -v.
  const inner = await eventRenderer(g, 'inner');
  const { result, databases, warnings } = await checkPart(config, name, args, { env: g.env, ...(g.notice ? { notice: g.notice } : {}), onEvent: inner.onEvent }).finally(() => inner.close());
  return { ...report(g, result, databases, args.format), errors: [...warnings] };
}

function report(g: Globals, result: Comparison, databases: { db1: string; db2: string }, format: 'text' | 'markdown' = 'text'): CommandResult {
  return {
    exitCode: result.identical ? ExitCode.ok : ExitCode.differences,
    json: renderCheckJson(result, databases),
    text: format === 'markdown' ? renderCheckMarkdown(result, databases) : renderCheckText(result, { ...databases, verbose: g.verbose }),
  };
}
