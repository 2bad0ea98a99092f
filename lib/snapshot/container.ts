/**
 * The database-level properties that CREATE DATABASE … TEMPLATE does not copy: owner, grants
 * (datacl), connection limit and per-database settings (ALTER DATABASE … SET, ALTER ROLE … IN
 * DATABASE … SET). A revert gives the new working database those of the database it replaces, so
 * that applications connect and behave as before; only the contents go back in time.
 */
import type { Db } from '../db/client.js';
import { quoteIdent, quoteLiteral } from '../db/ident.js';

/** One database's own properties. */
export interface Container {
  readonly owner: string;
  /** Explicit grants, or null for the default privileges (datacl IS NULL). */
  readonly grants: ReadonlyArray<{ grantee: string | null; privilege: string; grantable: boolean }> | null;
  readonly connectionLimit: number;
  /** `name=value` settings, database-wide (role null) or for one role. */
  readonly settings: ReadonlyArray<{ role: string | null; config: readonly string[] }>;
}

/** Read a database's properties. */
export async function readContainer(db: Db, database: string): Promise<Container> {
  const { rows } = await db.query<{ owner: string; connlimit: number; has_acl: boolean; grants: Container['grants']; settings: Container['settings'] | null }>(
    `SELECT pg_catalog.pg_get_userbyid(d.datdba) AS owner, d.datconnlimit AS connlimit, d.datacl IS NOT NULL AS has_acl,
            (SELECT json_agg(json_build_object('grantee', CASE WHEN a.grantee = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(a.grantee) END,
                                               'privilege', a.privilege_type, 'grantable', a.is_grantable) ORDER BY a.grantee, a.privilege_type)
               FROM pg_catalog.aclexplode(d.datacl) a) AS grants,
            (SELECT json_agg(json_build_object('role', CASE WHEN s.setrole = 0 THEN NULL ELSE pg_catalog.pg_get_userbyid(s.setrole) END, 'config', s.setconfig))
               FROM pg_catalog.pg_db_role_setting s WHERE s.setdatabase = d.oid) AS settings
       FROM pg_catalog.pg_database d WHERE d.datname = $1`,
    [database],
  );
  const r = rows[0];
  if (!r) throw new Error(`database ${database} vanished while pgv held its snapshot lock`);
  return { owner: r.owner, grants: r.has_acl ? (r.grants ?? []) : null, connectionLimit: r.connlimit, settings: r.settings ?? [] };
}

/** Statements that give `target` the properties `c` (its owner is set by CREATE DATABASE … OWNER). Pure. */
export function containerSql(target: string, c: Container): string[] {
  const db = quoteIdent(target);
  const out: string[] = [];
  if (c.grants !== null) {
    // Explicit privileges replace the defaults: start from none, as the source's ACL did.
    out.push(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`, `REVOKE ALL ON DATABASE ${db} FROM ${quoteIdent(c.owner)}`);
    for (const g of c.grants) {
      out.push(`GRANT ${g.privilege} ON DATABASE ${db} TO ${g.grantee === null ? 'PUBLIC' : quoteIdent(g.grantee)}${g.grantable ? ' WITH GRANT OPTION' : ''}`);
    }
  }
  if (c.connectionLimit !== -1) out.push(`ALTER DATABASE ${db} CONNECTION LIMIT ${Math.trunc(c.connectionLimit)}`);
  for (const s of c.settings) {
    for (const item of s.config) {
      const eq = item.indexOf('=');
      if (eq <= 0) continue;
      const name = item.slice(0, eq);
      const value = settingValueSql(name, item.slice(eq + 1));
      out.push(s.role === null ? `ALTER DATABASE ${db} SET ${quoteIdent(name)} TO ${value}` : `ALTER ROLE ${quoteIdent(s.role)} IN DATABASE ${db} SET ${quoteIdent(name)} TO ${value}`);
    }
  }
  return out;
}

// Settings whose stored value is a list of separately quoted elements (pg_dump's GUC_LIST_QUOTE set):
// written back as one literal they would become a single element.
const listSettings = new Set(['local_preload_libraries', 'search_path', 'session_preload_libraries', 'shared_preload_libraries', 'temp_tablespaces', 'unix_socket_directories']);

/** A stored setting value as SQL, as pg_dump writes it. Pure. */
export function settingValueSql(name: string, value: string): string {
  if (!listSettings.has(name.toLowerCase())) return quoteLiteral(value);
  const elements = splitGucList(value);
  return elements.length ? elements.map(quoteLiteral).join(', ') : "''";
}

/** PostgreSQL's SplitGUCList: comma-separated, elements optionally double-quoted with "" escapes. */
export function splitGucList(value: string): string[] {
  const out: string[] = [];
  let i = 0;
  const skip = () => {
    while (i < value.length && /\s/.test(value[i]!)) i++;
  };
  skip();
  if (i >= value.length) return out;
  for (;;) {
    let element = '';
    if (value[i] === '"') {
      i++;
      while (i < value.length) {
        if (value[i] === '"') {
          if (value[i + 1] !== '"') break;
          i++;
        }
        element += value[i++];
      }
      i++;
    } else {
      while (i < value.length && value[i] !== ',' && !/\s/.test(value[i]!)) element += value[i++];
    }
    out.push(element);
    skip();
    if (value[i] !== ',') break;
    i++;
    skip();
  }
  return out;
}
