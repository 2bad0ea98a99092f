/** `check` of two databases named as CONN arguments (URL, keyword string, or a name on the config's server). */
import type { Config } from '../config/types.js';
import { describeConnection } from '../db/connection.js';
import { connectionForArgument } from '../targets/conn-arg.js';
import type { Environment } from '../targets/context.js';
import { compareDatabases } from './check.js';
import type { Comparison } from './model.js';
import { checkOptionsFor, ledgersOf, type CheckRequest } from './options.js';

/** Two databases to compare, and what to compare. */
export interface CheckConnectionsRequest extends CheckRequest {
  readonly db1: string;
  readonly db2: string;
}

/** Compare two databases; every ledger the config names (or the default one) is left out. */
export async function checkConnections(config: Config | null, request: CheckConnectionsRequest, ctx: Environment): Promise<{ result: Comparison; databases: { db1: string; db2: string } }> {
  const options = checkOptionsFor(request, ledgersOf(config?.parts ?? []));
  const db1 = await connectionForArgument(config, request.db1, ctx);
  const db2 = await connectionForArgument(config, request.db2, ctx);
  const result = await compareDatabases(db1, db2, options);
  return { result, databases: { db1: describeConnection(db1), db2: describeConnection(db2) } };
}
