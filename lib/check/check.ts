/**
 * `pgv check` as a library function: inspect two databases at once, leave out what is excluded,
 * compare. The command (commands/check.ts) adds config, connections and the reference build.
 */
import { PgvError, isPgvError } from '../errors.js';
import { describeConnection, type ConnectionSpec } from '../db/connection.js';
import { compareCatalogs } from './compare.js';
import { applyExclusions } from './exclude.js';
import { inspectDatabase } from './inspect.js';
import type { Catalog, Comparison } from './model.js';
import type { CheckOptions } from './options.js';

/** Compare the schemas of two databases; both are read concurrently, each in one snapshot. */
export async function compareDatabases(db1: ConnectionSpec, db2: ConnectionSpec, options: CheckOptions): Promise<Comparison> {
  const [a, b] = await Promise.all([inspectSide(db1, 'db1', options), inspectSide(db2, 'db2', options)]);
  return compareCatalogs(applyExclusions(a, options.exclusions), applyExclusions(b, options.exclusions), options.kinds, options.compare);
}

async function inspectSide(spec: ConnectionSpec, side: 'db1' | 'db2', options: CheckOptions): Promise<Catalog> {
  try {
    return await inspectDatabase(spec, options.kinds);
  } catch (e) {
    if (isPgvError(e) && e.code === 'database_missing') {
      throw new PgvError('database_missing', `${side}: database "${spec.dbname}" does not exist (${describeConnection(spec)})`, {
        hint: 'Check the name (`psql -l` lists the databases of a server). A bare name is looked up on the config\'s server, or where PGHOST/PGPORT point without a config.',
        data: { side, database: spec.dbname },
      });
    }
    throw e;
  }
}
