/**
 * The environment of a libpq client program (pg_dump, pg_restore, psql) that must reach exactly
 * one resolved connection. Pure. Credentials travel here, never in the program's arguments, where
 * any user of the machine could read them (ps, /proc/PID/cmdline).
 */
import type { ConnectionSpec } from '../db/connection.js';

/**
 * libpq variables that choose the server, the database, the role or the password. pgv resolved
 * the connection already (config, service file, .pgpass included), so whatever the caller's
 * environment still says about these must not redirect the program somewhere else.
 */
const redirecting = [
  'PGHOST',
  'PGHOSTADDR',
  'PGPORT',
  'PGDATABASE',
  'PGUSER',
  'PGPASSWORD',
  'PGPASSFILE',
  'PGSERVICE',
  'PGSERVICEFILE',
  'PGSSLMODE',
  'PGREQUIRESSL',
  'PGAPPNAME',
  'PGCONNECT_TIMEOUT',
  'PGTARGETSESSIONATTRS',
  'PGLOADBALANCEHOSTS',
] as const;

/** The libpq variables that reach `spec`: host, port, user, password, database, sslmode, name. */
export function libpqVariables(spec: ConnectionSpec): Record<string, string> {
  return {
    PGHOST: spec.host,
    PGPORT: String(spec.port),
    PGUSER: spec.user,
    PGDATABASE: spec.dbname,
    // `no-verify` is node-postgres's word; libpq calls it `require`.
    PGSSLMODE: spec.sslmode === 'no-verify' ? 'require' : spec.sslmode,
    PGAPPNAME: spec.application_name,
    ...(spec.password !== undefined ? { PGPASSWORD: spec.password } : {}),
    ...(spec.connect_timeout !== undefined ? { PGCONNECT_TIMEOUT: String(spec.connect_timeout) } : {}),
  };
}

/**
 * The whole environment for the child: `base` (PATH, HOME, locale, PGOPTIONS and other settings
 * the user chose) without the redirecting variables, plus the variables that reach `spec`.
 */
export function clientEnvironment(base: Readonly<Record<string, string | undefined>>, spec: ConnectionSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !(redirecting as readonly string[]).includes(k)) out[k] = v;
  return { ...out, ...libpqVariables(spec) };
}
