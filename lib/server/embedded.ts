/**
 * The embedded PostgreSQL: a project-local cluster (data under `.pgv/`), reachable through a
 * socket in a private directory, TCP only when asked for. Started on demand, left running for
 * the next command, stopped with `pgv server stop`. The test suite uses this same code.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { EmbeddedServerConfig } from '../config/types.js';
import { PgvError } from '../errors.js';
import { runProgram, type RunResult } from '../tools/run.js';
import { findServerBinDir } from './binaries.js';
import { chooseServerBinaries, recordBinaries, recordedBinaries } from './programs.js';
import { serverAccount, type ServerAccount } from './account.js';
import { clusterLayout, pointerFile, relocatedClusterDir, serverStatus, superuser, type ClusterLayout, type ServerStatus } from './cluster.js';

export { clusterLayout, embeddedConnection, embeddedUrl, serverStatus, superuser, type ClusterLayout, type ServerStatus } from './cluster.js';

/** Options the test harness uses; users get the defaults. */
export interface StartOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Trade durability for speed (fsync off, no initdb sync): for throwaway clusters only. */
  readonly throwaway?: boolean;
}

/** Initialize the cluster if needed and start it if it is not running. Idempotent. */
export async function startServer(server: EmbeddedServerConfig, options: StartOptions): Promise<ServerStatus> {
  let before = serverStatus(server);
  if (before.running) return before;
  const account = await serverAccount();
  if (account && !before.initialized && !before.layout.relocated && !(await canTraverse(path.dirname(path.resolve(server.dir)), account))) {
    relocate(server);
    before = serverStatus(server);
    if (before.running) return before;
  }
  const layout = before.layout;
  prepareDirectory(layout.dir, account);
  await checkReachable(layout.dir, account);
  const chosen = await chooseServerBinaries(layout, options.env, account);
  const binDir = chosen.binDir;
  if (!before.initialized) await initCluster(layout, binDir, account, options);
  prepareDirectory(layout.socketDir, account);
  writeSettings(layout, server, account, options);
  recordBinaries(layout, chosen);
  const started = await asServer(binDir, 'pg_ctl', ['start', '-D', layout.dataDir, '-l', layout.logFile, '-w', '-t', '60', '-s'], account, layout.dir);
  const after = serverStatus(server);
  if (!after.running) {
    // A concurrent pgv may have started it between our check and pg_ctl: that is fine.
    throw new PgvError('server_failed', `the embedded PostgreSQL in ${layout.dataDir} did not start`, {
      hint: `Read ${layout.logFile}; \`pgv server status\` shows the cluster's state.`,
      details: [started.startError ?? '', started.stderr, ...tail(layout.logFile, 10)].filter(Boolean),
    });
  }
  return after;
}

/** Stop the cluster if it runs (fast shutdown: sessions are disconnected). */
export async function stopServer(server: EmbeddedServerConfig, options: StartOptions): Promise<ServerStatus> {
  const before = serverStatus(server);
  if (!before.running) return before;
  const account = await serverAccount();
  const binDir = await runningBinDir(before.layout, options, account);
  const result = await asServer(binDir, 'pg_ctl', ['stop', '-D', before.layout.dataDir, '-m', 'fast', '-w', '-t', '60', '-s'], account, before.layout.dir);
  const after = serverStatus(server);
  if (after.running) {
    throw new PgvError('server_failed', `the embedded PostgreSQL (pid ${before.pid}) did not stop`, {
      hint: `Read ${before.layout.logFile}; try again, or stop it with \`pg_ctl stop -D ${before.layout.dataDir} -m immediate\`.`,
      details: [result.stderr].filter(Boolean),
    });
  }
  return after;
}

/**
 * Restart a running cluster with pg_ctl's shutdown `mode`: `fast` disconnects sessions cleanly,
 * `immediate` kills the server like a crash (recovery runs on start). Used by the fault-injection suite.
 */
export async function restartServer(server: EmbeddedServerConfig, options: StartOptions, mode: 'fast' | 'immediate'): Promise<ServerStatus> {
  const before = serverStatus(server);
  const account = await serverAccount();
  const binDir = await runningBinDir(before.layout, options, account);
  const result = await asServer(binDir, 'pg_ctl', ['restart', '-D', before.layout.dataDir, '-m', mode, '-l', before.layout.logFile, '-w', '-t', '60', '-s'], account, before.layout.dir);
  const after = serverStatus(server);
  if (!after.running) {
    throw new PgvError('server_failed', `the embedded PostgreSQL in ${before.layout.dataDir} did not restart`, {
      hint: `Read ${before.layout.logFile}.`,
      details: [result.stderr, ...tail(before.layout.logFile, 10)].filter(Boolean),
    });
  }
  return after;
}

/** The server's own version string (`initdb --version` of the binaries in use). */
export async function serverBinaryVersion(env: Readonly<Record<string, string | undefined>>): Promise<string> {
  const binDir = await findServerBinDir(env);
  const result = await runProgram(path.join(binDir, 'postgres'), ['--version']);
  return result.stdout.trim();
}

/**
 * Stop the cluster and delete its files: the data, its folder outside the project when it was
 * relocated, and `server.dir` itself. For `pgv server stop --remove`.
 */
export async function removeServer(server: EmbeddedServerConfig, options: StartOptions): Promise<ServerStatus> {
  const stopped = await stopServer(server, options);
  const layout = stopped.layout;
  if (layout.relocated) rmSync(layout.dir, { recursive: true, force: true });
  rmSync(layout.projectDir, { recursive: true, force: true });
  if (layout.socketDir !== path.join(layout.dir, 'run')) rmSync(layout.socketDir, { recursive: true, force: true });
  return serverStatus(server);
}

/** The programs that started the running cluster (so it is stopped by its own pg_ctl). */
async function runningBinDir(layout: ClusterLayout, options: StartOptions, account: ServerAccount | null): Promise<string> {
  return (recordedBinaries(layout) ?? (await chooseServerBinaries(layout, options.env, account))).binDir;
}

/** Point `server.dir` at a cluster folder outside the project (see relocatedClusterDir). */
function relocate(server: EmbeddedServerConfig): void {
  const target = relocatedClusterDir(server.dir);
  mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
  mkdirSync(server.dir, { recursive: true, mode: 0o700 });
  const ignore = path.join(server.dir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
  writeFileSync(path.join(server.dir, pointerFile), `${target}\n`, { mode: 0o644 });
}

/** Can `account` reach `dir` (search permission on it and every folder above it)? */
async function canTraverse(dir: string, account: ServerAccount): Promise<boolean> {
  return (await runProgram('test', ['-x', dir], { uid: account.uid, gid: account.gid, cwd: '/' })).exitCode === 0;
}

async function initCluster(layout: ClusterLayout, binDir: string, account: ServerAccount | null, options: StartOptions): Promise<void> {
  // initdb into a private temporary directory, then rename: a concurrent pgv never sees half a cluster.
  const temp = `${layout.dataDir}.init-${process.pid}`;
  rmSync(temp, { recursive: true, force: true });
  if (!existsSync(layout.passwordFile)) {
    writeFileSync(layout.passwordFile, randomBytes(18).toString('base64url') + '\n', { mode: 0o600 });
  }
  own(layout.passwordFile, account);
  const args = (locale: string) => ['-D', temp, '-U', superuser, '-E', 'UTF8', `--locale=${locale}`, '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${layout.passwordFile}`, ...(options.throwaway ? ['--no-sync'] : [])];
  // C.UTF-8: byte-order collation as with C, but character classes and upper()/lower() that know
  // UTF-8. A system without that locale (initdb: "invalid locale name") gets plain C.
  let result = await asServer(binDir, 'initdb', args('C.UTF-8'), account, layout.dir);
  if (result.exitCode !== 0 && /invalid locale/i.test(result.stderr)) {
    rmSync(temp, { recursive: true, force: true });
    result = await asServer(binDir, 'initdb', args('C'), account, layout.dir);
  }
  if (result.exitCode !== 0) {
    rmSync(temp, { recursive: true, force: true });
    throw new PgvError('server_failed', `initdb failed for ${layout.dataDir}`, {
      hint: 'Read the output below; remove the directory if it is a leftover and try again.',
      details: [result.startError ?? '', ...result.stderr.split('\n').slice(-10)].filter(Boolean),
    });
  }
  appendFileSync(path.join(temp, 'postgresql.conf'), "\n# Settings written by pgv at every start.\ninclude_if_exists = 'pgv.conf'\n");
  try {
    renameSync(temp, layout.dataDir);
  } catch (e) {
    rmSync(temp, { recursive: true, force: true });
    if (!existsSync(path.join(layout.dataDir, 'PG_VERSION'))) throw e;
  }
}

function writeSettings(layout: ClusterLayout, server: EmbeddedServerConfig, account: ServerAccount | null, options: StartOptions): void {
  const settings: Record<string, string> = {
    listen_addresses: server.tcp ? '127.0.0.1' : '',
    port: String(layout.port),
    unix_socket_directories: layout.socketDir,
    unix_socket_permissions: '0700',
    logging_collector: 'off',
    ...(options.throwaway ? { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } : {}),
    ...server.settings,
  };
  const text = Object.entries(settings)
    .map(([k, v]) => `${k} = '${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`)
    .join('\n');
  const file = path.join(layout.dataDir, 'pgv.conf');
  writeFileSync(file, `# Written by pgv from the config; edit the config, not this file.\n${text}\n`, { mode: 0o600 });
  own(file, account);
}

function prepareDirectory(dir: string, account: ServerAccount | null): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  own(dir, account);
  // Keep the cluster out of version control even where the project has no .gitignore entry.
  const ignore = path.join(dir, '.gitignore');
  if (dir.endsWith('.pgv') && !existsSync(ignore)) writeFileSync(ignore, '*\n');
}

function own(file: string, account: ServerAccount | null): void {
  if (account) chownSync(file, account.uid, account.gid);
}

async function checkReachable(dir: string, account: ServerAccount | null): Promise<void> {
  if (!account) return;
  const probe = await runProgram('test', ['-w', dir, '-a', '-x', dir], { uid: account.uid, gid: account.gid, cwd: '/' });
  if (probe.exitCode !== 0) {
    throw new PgvError('server_failed', `pgv runs as root, so PostgreSQL runs as "${account.name}", which cannot reach ${dir}`, {
      hint: `Let "${account.name}" traverse the parent folders (chmod o+x on each), or set server.dir to a folder it can reach, or run pgv as an ordinary user.`,
    });
  }
}

async function asServer(binDir: string, program: string, args: string[], account: ServerAccount | null, cwd: string): Promise<RunResult> {
  return runProgram(path.join(binDir, program), args, {
    cwd,
    ...(account ? { uid: account.uid, gid: account.gid } : {}),
    env: { LC_ALL: 'C', LANG: 'C', PGDATA: undefined, PGPORT: undefined, PGHOST: undefined },
  });
}

function tail(file: string, lines: number): string[] {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines);
  } catch {
    return [];
  }
}
