/** Helpers for the `pgv check` suites. */
import { cluster } from './db.js';

/** A postgres:// URL for a database of the test cluster (what a user would pass as --db1). */
export function urlFor(dbname: string, user = 'postgres'): string {
  return `postgresql://${encodeURIComponent(user)}@/${encodeURIComponent(dbname)}?host=${encodeURIComponent(cluster.socketDir)}&port=${cluster.port}`;
}

/** One difference as the JSON has it. */
export interface JsonDifference {
  readonly kind: string;
  readonly name: string;
  readonly change: string;
  readonly db1?: Record<string, unknown>;
  readonly db2?: Record<string, unknown>;
}
