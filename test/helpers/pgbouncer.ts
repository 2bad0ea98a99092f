/** A real PgBouncer (Debian's `pgbouncer`) in front of the test cluster, on a private unix socket. */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cluster } from './db.js';

/** A running PgBouncer: its socket directory and port, and how to stop it. */
export interface Bouncer {
  readonly socketDir: string;
  readonly port: number;
  stop(): Promise<void>;
}

let nextPort = 6500 + (process.pid % 400);

/** The pgbouncer program: PATH or Debian's /usr/sbin. Its absence is a failure, not a skip (.ci/run installs it). */
export function pgbouncerBinary(): string {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin']) {
    const file = path.join(dir, 'pgbouncer');
    if (dir && existsSync(file)) return file;
  }
  throw new Error('pgbouncer is not installed: apt-get install -y pgbouncer (.ci/run does)');
}

/**
 * Start PgBouncer: `*` → the test cluster in `pool_mode` (default transaction), and `databases`
 * (alias → real database and mode) besides. It runs as the test server's account (PgBouncer,
 * like PostgreSQL, should not run as root, and that account can reach the cluster's socket).
 */
export async function startPgbouncer(databases: Record<string, { dbname: string; mode: 'session' | 'transaction' }> = {}, poolMode: 'session' | 'transaction' = 'transaction'): Promise<Bouncer> {
  const dir = mkdtempSync(path.join(process.env.PGV_TEST_TEMP ?? '/tmp', 'bouncer-'));
  const owner = statSync(cluster.socketDir);
  const port = nextPort++;
  const target = `host=${cluster.socketDir} port=${cluster.port}`;
  writeFileSync(path.join(dir, 'users.txt'), '"postgres" ""\n');
  writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      ...Object.entries(databases).map(([alias, d]) => `${alias} = ${target} dbname=${d.dbname} pool_mode=${d.mode}`),
      `* = ${target}`,
      '[pgbouncer]',
      'listen_addr =',
      `listen_port = ${port}`,
      `unix_socket_dir = ${dir}`,
      'auth_type = trust',
      `auth_file = ${path.join(dir, 'users.txt')}`,
      `pool_mode = ${poolMode}`,
      `logfile = ${path.join(dir, 'pgbouncer.log')}`,
      `pidfile = ${path.join(dir, 'pgbouncer.pid')}`,
      'ignore_startup_parameters = extra_float_digits',
      '',
    ].join('\n'),
  );
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root) chownSync(dir, owner.uid, owner.gid);
  for (const f of ['users.txt', 'pgbouncer.ini']) if (root) chownSync(path.join(dir, f), owner.uid, owner.gid);
  const child: ChildProcess = spawn(pgbouncerBinary(), [path.join(dir, 'pgbouncer.ini')], { stdio: 'ignore', ...(root ? { uid: owner.uid, gid: owner.gid } : {}) });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const socket = path.join(dir, `.s.PGSQL.${port}`);
  for (let k = 0; !existsSync(socket); k++) {
    if (child.exitCode !== null || k > 200) {
      const log = existsSync(path.join(dir, 'pgbouncer.log')) ? readFileSync(path.join(dir, 'pgbouncer.log'), 'utf8') : '';
      child.kill('SIGKILL');
      throw new Error(`pgbouncer did not start (exit ${child.exitCode}):\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    socketDir: dir,
    port,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM'); // our own child, by its pid
      await exited;
    },
  };
}
