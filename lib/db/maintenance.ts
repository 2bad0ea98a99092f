/**
 * The server's maintenance database: where pgv connects to create, copy and drop databases.
 * `postgres`, or `template1` on a server where `postgres` was dropped (or is the database at hand).
 */
import { PgvError, isPgvError } from '../errors.js';
import { connect, type Db } from './client.js';
import { describeConnection, withDatabase, type ConnectionSpec } from './connection.js';

/** Options of a maintenance session. */
export interface MaintenanceOptions {
  /** Do not use this database (the one being copied, renamed or dropped). */
  readonly avoid?: string;
  readonly applicationName?: string;
}

/** Open a session on the maintenance database of `spec`'s server. */
export async function connectMaintenance(spec: ConnectionSpec, options: MaintenanceOptions = {}): Promise<Db> {
  const candidates = ['postgres', 'template1'].filter((d) => d !== options.avoid);
  for (const [i, name] of candidates.entries()) {
    try {
      const target = withDatabase(spec, name);
      return await connect(options.applicationName ? { ...target, application_name: options.applicationName } : target);
    } catch (e) {
      if (!(isPgvError(e) && e.code === 'database_missing') || i === candidates.length - 1) {
        if (isPgvError(e) && e.code === 'database_missing') {
          throw new PgvError('database_missing', `no maintenance database (postgres, template1) on ${describeConnection(spec)}`, {
            hint: 'pgv creates, copies and drops databases from `postgres` or `template1`; create one of them (createdb postgres).',
          });
        }
        throw e;
      }
    }
  }
  throw new PgvError('database_missing', `no maintenance database (postgres, template1) on ${describeConnection(spec)}`);
}

/** Run `fn` on a maintenance session that is always closed afterwards. */
export async function withMaintenance<T>(spec: ConnectionSpec, fn: (db: Db) => Promise<T>, options: MaintenanceOptions = {}): Promise<T> {
  const db = await connectMaintenance(spec, options);
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}
