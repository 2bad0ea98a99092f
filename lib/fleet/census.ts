/**
 * Reading the census (`pgv info --fleet`): for every part, one session that reads the ledger
 * (as `info` does) and the catalog (as `check` does, normalized, without pgv's ledgers and the
 * part's exclusions), hashed. At most `concurrency` databases at once per server; a database that cannot be
 * read is a failure in the census, not an error of the run.
 */
import type { Config, Part } from '../config/types.js';
import { applyExclusions } from '../check/exclude.js';
import { inspectWith } from '../check/inspect.js';
import { isInterrupted } from '../db/cancel.js';
import { connect, type Db } from '../db/client.js';
import { observeWith } from '../db/observe.js';
import { isPgvError } from '../errors.js';
import { currentVersion } from '../plan/ledger-state.js';
import { catalogPrint } from '../run/fingerprint.js';
import { readScripts } from '../run/pipeline.js';
import { fingerprintOptions } from '../run/saved-plan.js';
import type { ScriptSet } from '../recipes/types.js';
import { connectionFor, ensureServer, type Environment } from '../targets/context.js';
import { mapPerKey } from '../util/limit.js';
import { groupCensus, type Census, type CensusEntry, type CensusFailure } from './census-model.js';

/** Options of a census. */
export interface CensusOptions {
  /** Databases read at once on each server (default 8). */
  readonly concurrency?: number;
}

/** How the census names a part's database: SERVER/DBNAME when the part came from a fleet's server. */
export function censusLabel(part: Part): string {
  return part.server !== undefined ? `${part.server}/${part.dbname}` : part.dbname;
}

/** Read every part's version and schema fingerprint, and group them. Changes nothing. */
export async function takeCensus(config: Config, parts: readonly Part[], ctx: Environment, options: CensusOptions = {}): Promise<Census> {
  // Every part's scripts first: a broken directory is reported before any connection.
  const scripts = new Map(parts.map((p) => [p.name, readScripts(p)]));
  await ensureServer(config, ctx);
  const entries: CensusEntry[] = [];
  const failures: CensusFailure[] = [];
  // Per server (a fleet's `servers:` name; the parts outside a fleet count as one server).
  await mapPerKey(parts, (p) => p.server ?? '', options.concurrency ?? 8, async (part) => {
    try {
      entries.push(await readMember(config, part, scripts.get(part.name)!, ctx));
    } catch (e) {
      if (!isPgvError(e) || isInterrupted(e)) throw e;
      failures.push({ part: part.name, database: part.dbname, label: censusLabel(part), error: { code: e.code, message: e.message } });
    }
  });
  // In the parts' order, whatever order the reads finished in.
  const order = new Map(parts.map((p, i) => [p.name, i]));
  entries.sort((a, b) => order.get(a.part)! - order.get(b.part)!);
  return groupCensus(entries, failures);
}

/** One database: its ledger and its catalog, in one session. */
async function readMember(config: Config, part: Part, scripts: ScriptSet, ctx: Environment): Promise<CensusEntry> {
  if (part.unreachable) throw part.unreachable; // a down server's unknown databases
  const spec = await connectionFor(config, part, ctx);
  const entry = { part: part.name, database: part.dbname, label: censusLabel(part) };
  let db: Db;
  try {
    db = await connect(spec, { pipeline: true }); // inspectWith sends its catalog queries at once
  } catch (e) {
    if (isPgvError(e) && e.code === 'database_missing') return { ...entry, exists: false, version: null, catalog: null };
    throw e;
  }
  try {
    const observed = await observeWith(db, part.upgradesTable, scripts.pumModule?.migrationTable);
    const options = fingerprintOptions(config, part, scripts);
    const catalog = catalogPrint(applyExclusions(await inspectWith(db, options.kinds), options.exclusions));
    return { ...entry, exists: true, version: currentVersion(observed), catalog };
  } finally {
    await db.end();
  }
}
