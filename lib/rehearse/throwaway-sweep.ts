/**
 * Rehearsal copies and reference builds of a killed `pgv test-and-upgrade` (SIGKILL, a crash, a
 * lost machine) have nobody left to drop them. Every run holds a shared advisory lock on the
 * maintenance database for its production database while its throwaways exist; the next run
 * that gets the lock exclusively knows no run of that database is alive and drops the leftovers.
 */
import type { Db } from '../db/client.js';
import { dropDatabase, serverVersionOf } from '../db/databases.js';

/** The comment that `--keep` puts on the databases it leaves for inspection: a sweep spares them. */
export const keptComment = 'pgv: kept by test-and-upgrade --keep';

/** The advisory lock key of the throwaways of `dbname` (hashtext in SQL, so every pgv agrees). */
const keySql = "pg_catalog.hashtext('pgv-throwaways:' || $1)";

/**
 * Drop the leftover throwaways of `dbname` when no other run of it is alive, then hold the shared
 * lock on `admin` (a session on the maintenance database that lives as long as the run).
 * Returns the names dropped.
 */
export async function sweepThrowaways(admin: Db, dbname: string): Promise<string[]> {
  const dropped: string[] = [];
  const { rows } = await admin.query<{ got: boolean }>(`SELECT pg_catalog.pg_try_advisory_lock(${keySql}) AS got`, [dbname]);
  if (rows[0]!.got) {
    try {
      const left = await admin.query<{ datname: string }>(
        `SELECT d.datname FROM pg_catalog.pg_database d
          WHERE d.datname ~ '_pgv_(rehearsal|ref)_[0-9a-f]{8}$'
            AND (pg_catalog.regexp_replace(d.datname, '_pgv_(rehearsal|ref)_[0-9a-f]{8}$', '') = $1
                 -- a long name was cut to 63 bytes: its head is a prefix of the production name
                 OR (pg_catalog.octet_length(d.datname) = 63 AND pg_catalog.starts_with($1, pg_catalog.regexp_replace(d.datname, '_pgv_(rehearsal|ref)_[0-9a-f]{8}$', ''))))
            AND pg_catalog.shobj_description(d.oid, 'pg_database') IS DISTINCT FROM $2`,
        [dbname, keptComment],
      );
      const version = left.rows.length ? await serverVersionOf(admin) : 0;
      for (const { datname } of left.rows) {
        await dropDatabase(admin, datname, true, version);
        dropped.push(datname);
      }
    } finally {
      await admin.query(`SELECT pg_catalog.pg_advisory_unlock(${keySql})`, [dbname]);
    }
  }
  await admin.query(`SELECT pg_catalog.pg_advisory_lock_shared(${keySql})`, [dbname]);
  return dropped;
}
