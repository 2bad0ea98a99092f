/**
 * PostgreSQL refuses to run as root. When pgv runs as root, the embedded server runs as an
 * unprivileged account: `postgres` if the system has one, otherwise `pgv`, created on demand.
 */
import { PgvError } from '../errors.js';
import { runProgram } from '../tools/run.js';

/** An OS account to run the server as, or null to run as the current user. */
export interface ServerAccount {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** The account the server must run as; null when pgv is not root. */
export async function serverAccount(): Promise<ServerAccount | null> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  for (const name of ['postgres', 'pgv']) {
    const found = await lookup(name);
    if (found) return found;
  }
  const created = await runProgram('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', '--user-group', 'pgv']);
  const found = await lookup('pgv');
  if (!found) {
    throw new PgvError('server_failed', 'pgv runs as root and found no unprivileged account to run PostgreSQL as', {
      hint: 'Create one (`useradd --system postgres`) or run pgv as an ordinary user.',
      details: [created.startError ?? created.stderr].filter(Boolean),
    });
  }
  return found;
}

async function lookup(name: string): Promise<ServerAccount | null> {
  const uid = await runProgram('id', ['-u', name]);
  const gid = await runProgram('id', ['-g', name]);
  if (uid.exitCode !== 0 || gid.exitCode !== 0) return null;
  return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
