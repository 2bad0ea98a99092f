/** Reading what libpq reads besides its arguments: pg_service.conf, .pgpass, the OS user. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionSources } from './connection.js';

/** Gather the libpq environment from `env` and the files it points to. */
export function readConnectionSources(env: Readonly<Record<string, string | undefined>>): ConnectionSources {
  const home = env.HOME ?? os.homedir();
  const serviceFiles: Array<{ file: string; text: string }> = [];
  const serviceCandidates = [
    env.PGSERVICEFILE ?? path.join(home, '.pg_service.conf'),
    path.join(env.PGSYSCONFDIR ?? '/etc/postgresql-common', 'pg_service.conf'),
  ];
  for (const file of serviceCandidates) {
    const text = readIfExists(file);
    if (text !== undefined) serviceFiles.push({ file, text });
  }
  const passFile = env.PGPASSFILE ?? path.join(home, '.pgpass');
  // libpq ignores a password file that group or others can read; so do we.
  let pgpass: string | undefined;
  try {
    if ((statSync(passFile).mode & 0o077) === 0) pgpass = readIfExists(passFile);
  } catch {
    pgpass = undefined;
  }
  const defaultSocketDir = ['/var/run/postgresql', '/tmp'].find((d) => existsSync(d) && hasSocket(d));
  return {
    env,
    serviceFiles,
    ...(pgpass !== undefined ? { pgpass } : {}),
    osUser: safeUserName(),
    ...(defaultSocketDir ? { defaultSocketDir } : {}),
  };
}

function hasSocket(dir: string): boolean {
  try {
    return readdirSync(dir).some((n) => n.startsWith('.s.PGSQL.'));
  } catch {
    return false;
  }
}


function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'postgres';
  }
}
