/** Reading what the planner needs from a part's database: existence, ledger, user tables. */
import type { QualifiedName } from '../config/types.js';
import type { ObservedPart } from '../plan/types.js';
import { connect, type Db } from './client.js';
import type { ConnectionSpec } from './connection.js';
import { ledgerFormatIn, readLedger } from './ledger.js';
import { isPgvError } from '../errors.js';

/** Observe a part's database; a database that does not exist is a state, not an error. */
export async function observePart(spec: ConnectionSpec, ledger: QualifiedName): Promise<ObservedPart> {
  let db: Db;
  try {
    db = await connect(spec);
  } catch (e) {
    if (isPgvError(e) && e.code === 'database_missing') return { exists: false, ledger: { exists: false, format: null, rows: [] }, userTables: 0 };
    throw e;
  }
  try {
    return await observeWith(db, ledger);
  } finally {
    await db.end();
  }
}

/** Observe through an open session: one query, then the ledger's rows when there is a ledger. */
export async function observeWith(db: Db, ledger: QualifiedName): Promise<ObservedPart> {
  const { rows } = await db.query<{ version: number; tables: number; ledger_exists: boolean; ledger_comment: string | null }>(
    `SELECT current_setting('server_version_num')::int AS version,
            (SELECT count(*)::int FROM pg_catalog.pg_class c
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'p')
                AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
                AND NOT (n.nspname = $1 AND c.relname = $2)
                AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                                 WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')) AS tables,
            l.oid IS NOT NULL AS ledger_exists,
            obj_description(l.oid, 'pg_class') AS ledger_comment
       FROM (SELECT (SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')) AS oid) l`,
    [ledger.schema, ledger.name],
  );
  const row = rows[0]!;
  return {
    exists: true,
    serverVersion: row.version,
    ledger: { exists: row.ledger_exists, format: row.ledger_exists ? ledgerFormatIn(row.ledger_comment) : null, rows: row.ledger_exists ? await readLedger(db, ledger) : [] },
    userTables: row.tables,
  };
}
