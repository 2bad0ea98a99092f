/**
 * `pgv check PART | --db1 CONN --db2 CONN`: compare two databases' schemas by object kind. With a
 * PART, db1 is the part's database and db2 a fresh build of its scripts (dropped afterwards).
 */
import type { Part, QualifiedName } from '../config/types.js';
import { ExitCode, PgvError, isPgvError, usageError } from '../errors.js';
import { withClient } from '../db/client.js';
import { describeConnection, type ConnectionSpec } from '../db/connection.js';
import { compareDatabases } from '../check/check.js';
import type { Comparison } from '../check/model.js';
import { parseKinds, selectKinds, splitList, type CheckOptions } from '../check/options.js';
import { renderCheckJson } from '../report/check-json.js';
import { renderCheckText } from '../report/check-text.js';
import { eventRenderer } from '../report/progress.js';
import { connectionForArgument } from '../targets/conn-arg.js';
import { connectionFor, ensureServer, loadProjectConfig, selectParts, loadOptionalConfig } from '../targets/context.js';
import type { CommandResult, Globals } from './types.js';

/** Options of `pgv check`, as given on the command line (lists possibly comma-separated). */
export interface CheckArgs {
  readonly part?: string;
  readonly db1?: string;
  readonly db2?: string;
  readonly ignore: readonly string[];
  readonly include: readonly string[];
  readonly excludeSchemas: readonly string[];
  readonly excludeColumns: readonly string[];
  readonly columnOrder: boolean;
  readonly ignoreGeneratedNames: boolean;
}

/** The ledger's default place, excluded even without a config. */
const defaultLedger: QualifiedName = { schema: 'pgv', name: 'upgrades' };

/** Run `pgv check`. */
export async function checkCommand(g: Globals, args: CheckArgs): Promise<CommandResult> {
  const usage = 'Run `pgv check PART` (the part\'s database against a fresh build of its scripts) or `pgv check --db1 CONN --db2 CONN`.';
  if (args.part !== undefined && (args.db1 !== undefined || args.db2 !== undefined)) throw usageError('pgv check takes either PART or --db1 and --db2, not both', usage);
  if (args.part === undefined && (args.db1 === undefined || args.db2 === undefined)) {
    throw usageError(args.db1 === undefined && args.db2 === undefined ? 'pgv check needs a PART or --db1 and --db2' : `pgv check: --${args.db1 === undefined ? 'db1' : 'db2'} is missing`, usage);
  }
  // Bad kinds are reported before anything connects.
  const ignore = parseKinds(splitList(args.ignore), '--ignore');
  const include = parseKinds(splitList(args.include), '--include');
  return args.part !== undefined ? checkPart(g, args, args.part, ignore, include) : checkDatabases(g, args, ignore, include);
}

async function checkDatabases(g: Globals, args: CheckArgs, ignore: CheckOptions['kinds'], include: CheckOptions['kinds']): Promise<CommandResult> {
  const config = await loadOptionalConfig(g);
  const options = checkOptions(args, ignore, include, config ? ledgersOf(config.parts) : [defaultLedger]);
  const db1 = await connectionForArgument(config, args.db1!, g);
  const db2 = await connectionForArgument(config, args.db2!, g);
  const result = await compareDatabases(db1, db2, options);
  return report(g, result, { db1: describeConnection(db1), db2: describeConnection(db2) });
}

async function checkPart(g: Globals, args: CheckArgs, name: string, ignore: CheckOptions['kinds'], include: CheckOptions['kinds']): Promise<CommandResult> {
  const config = await loadProjectConfig(g);
  const [part] = selectParts(config, [name]);
  // The apply engine loads only for a reference build, not for --db1/--db2.
  const { assertReferenceable, withReference } = await import('../rehearse/reference.js');
  assertReferenceable(part!);
  const partIgnore = parseKinds(part!.ignore, `part ${part!.name}'s ignore option`);
  const options = checkOptions(
    { ...args, excludeSchemas: [...part!.excludeSchemas, ...args.excludeSchemas], excludeColumns: [...part!.excludeColumns, ...args.excludeColumns] },
    [...partIgnore, ...ignore],
    include,
    [part!.upgradesTable],
  );
  await ensureServer(config, g);
  const db1 = await connectionFor(config, part!, g);
  await assertExists(part!, db1);
  let db2 = '';
  // The reference build's steps show on a terminal or with -v.
  const inner = await eventRenderer(g, 'inner');
  const { value: result, warnings } = await withReference(config, part!, { env: g.env, onEvent: inner.onEvent }, (reference) => {
    db2 = `${describeConnection(reference.spec)} (a fresh build of part ${part!.name}, dropped afterwards)`;
    return compareDatabases(db1, reference.spec, options);
  }).finally(() => inner.close());
  return { ...report(g, result, { db1: `${describeConnection(db1)} (part ${part!.name})`, db2 }), errors: warnings };
}

function report(g: Globals, result: Comparison, databases: { db1: string; db2: string }): CommandResult {
  return {
    exitCode: result.identical ? ExitCode.ok : ExitCode.differences,
    json: renderCheckJson(result, databases),
    text: renderCheckText(result, { ...databases, verbose: g.verbose }),
  };
}

function checkOptions(args: CheckArgs, ignore: CheckOptions['kinds'], include: CheckOptions['kinds'], ledgers: readonly QualifiedName[]): CheckOptions {
  return {
    kinds: selectKinds(ignore, include),
    exclusions: { schemas: splitList(args.excludeSchemas), columns: splitList(args.excludeColumns), ledgers },
    compare: { columnOrder: args.columnOrder, ignoreGeneratedNames: args.ignoreGeneratedNames },
  };
}

/** Every part's ledger table, once each. */
function ledgersOf(parts: readonly Part[]): QualifiedName[] {
  const out: QualifiedName[] = [defaultLedger];
  for (const p of parts) if (!out.some((l) => l.schema === p.upgradesTable.schema && l.name === p.upgradesTable.name)) out.push(p.upgradesTable);
  return out;
}

/** Fail before building a reference when the part's own database is not there. */
async function assertExists(part: Part, spec: ConnectionSpec): Promise<void> {
  try {
    await withClient(spec, async () => undefined);
  } catch (e) {
    if (isPgvError(e) && e.code === 'database_missing') {
      throw new PgvError('database_missing', `part ${part.name}: database "${spec.dbname}" does not exist (${describeConnection(spec)})`, {
        hint: `Build it with \`pgv apply ${part.name}\` first; pgv check compares it with a fresh build of its scripts.`,
        data: { part: part.name, database: spec.dbname },
      });
    }
    throw e;
  }
}
