/** Reading what the planner needs from a part's database: existence, ledger, user tables. */
import type { QualifiedName } from '../config/types.js';
import type { ObservedPart } from '../plan/types.js';
import { connect, type Db } from './client.js';
import type { ConnectionSpec } from './connection.js';
import { ledgerFormatOf, readLedger } from './ledger.js';
import { PgvError, isPgvError } from '../errors.js';
import { displayQualified } from './ident.js';

/** Observe a part's database; a database that does not exist is a state, not an error. */
export async function observePart(spec: ConnectionSpec, ledger: QualifiedName): Promise<ObservedPart> {
  let db: Db;
  try {
    db = await connect(spec);
  } catch (e) {
    if (isPgvError(e) && e.code === 'database_missing') return { exists: false, ledger: { exists: false, style: 'pgv', format: null, rows: [] }, userTables: 0 };
    throw e;
  }
  try {
    return await observeWith(db, ledger);
  } finally {
    await db.end();
  }
}

/** Observe through an open session. */
export async function observeWith(db: Db, ledger: QualifiedName): Promise<ObservedPart> {
  const { rows } = await db.query<{ version: number; tables: number }>(
    `SELECT current_setting('server_version_num')::int AS version,
            (SELECT count(*)::int FROM pg_catalog.pg_class c
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'p')
                AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
                AND NOT (n.nspname = $1 AND c.relname = $2)
                AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                                 WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')) AS tables`,
    [ledger.schema, ledger.name],
  );
  const format = await ledgerFormatOf(db, ledger);
  if (format.style === 'unknown') {
    throw new PgvError('refused', `the upgrades table ${displayQualified(ledger)} in database "${db.spec.dbname}" is neither a pgv ledger nor a pum upgrades table`, {
      hint: 'Point upgrades_table at another table (pgv creates it), or rename this one.',
      data: { database: db.spec.dbname, table: displayQualified(ledger) },
    });
  }
  const ledgerRows = format.exists ? await readLedger(db, ledger, format.style) : [];
  return {
    exists: true,
    serverVersion: rows[0]!.version,
    ledger: { exists: format.exists, style: format.style, format: format.format, rows: ledgerRows },
    userTables: rows[0]!.tables,
  };
}
