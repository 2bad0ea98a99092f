/**
 * Where an embedded cluster lives and whether it runs: files, socket, URL, status. Starts no
 * process (so commands that only need to know stay fast); see embedded.ts for start and stop.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionOptions, EmbeddedServerConfig } from '../config/types.js';

/** The database superuser of an embedded cluster. */
export const superuser = 'postgres';

/** Where an embedded cluster keeps its files. */
export interface ClusterLayout {
  /** The folder of the cluster's files: the config's `server.dir`, or where its pointer leads. */
  readonly dir: string;
  /** The config's `server.dir` (`.pgv/`). */
  readonly projectDir: string;
  /** Set when the cluster lives outside the project (see relocatedClusterDir). */
  readonly relocated: boolean;
  readonly dataDir: string;
  readonly socketDir: string;
  readonly logFile: string;
  /** The superuser's password for TCP connections (mode 0600). */
  readonly passwordFile: string;
  readonly port: number;
}

/** What `pgv server status` reports. */
export interface ServerStatus {
  readonly initialized: boolean;
  readonly running: boolean;
  readonly pid?: number;
  readonly layout: ClusterLayout;
  readonly tcp: boolean;
}

// Unix socket paths are limited to 107 bytes (sun_path); leave room for ".s.PGSQL.NNNNN".
const maxSocketDirLength = 90;

/** The file in `server.dir` that names a cluster kept elsewhere (one line: its folder). */
export const pointerFile = 'location';

/**
 * Where root keeps the cluster of a project that the server account cannot reach (a project
 * under a 0700 folder such as /root): a folder per project path, outside the user's folders,
 * so pgv never changes their permissions. Pure.
 */
export function relocatedClusterDir(projectDir: string): string {
  const hash = createHash('sha256').update(path.resolve(projectDir)).digest('hex').slice(0, 16);
  return path.join('/var/lib/pgv/clusters', hash);
}

/** The files of the cluster described by `server`; reads its pointer file when there is one. */
export function clusterLayout(server: EmbeddedServerConfig): ClusterLayout {
  const pointed = readPointer(server.dir);
  const dir = pointed ?? server.dir;
  let socketDir = path.join(dir, 'run');
  if (Buffer.byteLength(socketDir) > maxSocketDirLength) {
    const hash = createHash('sha256').update(dir).digest('hex').slice(0, 16);
    socketDir = path.join(os.tmpdir(), `pgv-${hash}`);
  }
  return {
    dir,
    projectDir: server.dir,
    relocated: pointed !== undefined,
    dataDir: path.join(dir, 'data'),
    socketDir,
    logFile: path.join(dir, 'server.log'),
    passwordFile: path.join(dir, 'password'),
    port: server.port,
  };
}

function readPointer(projectDir: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(projectDir, pointerFile), 'utf8').trim();
  } catch {
    return undefined;
  }
  return path.isAbsolute(text) ? text : undefined;
}

/** Connection defaults that reach the embedded server (its socket, its superuser). */
export function embeddedConnection(server: EmbeddedServerConfig): ConnectionOptions {
  const layout = clusterLayout(server);
  return { host: layout.socketDir, port: layout.port, user: superuser };
}

/** A libpq URL for the embedded server's socket (no password: local connections are trusted). */
export function embeddedUrl(server: EmbeddedServerConfig, dbname = 'postgres'): string {
  const layout = clusterLayout(server);
  const host = encodeURIComponent(layout.socketDir).replace(/%2F/gi, '/');
  return `postgresql://${superuser}@/${encodeURIComponent(dbname)}?host=${host}&port=${layout.port}`;
}

/** Is the cluster initialized and running? Reads postmaster.pid; starts nothing. */
export function serverStatus(server: EmbeddedServerConfig): ServerStatus {
  const layout = clusterLayout(server);
  const initialized = existsSync(path.join(layout.dataDir, 'PG_VERSION'));
  const pid = runningPid(layout);
  return { initialized, running: pid !== undefined, ...(pid !== undefined ? { pid } : {}), layout, tcp: server.tcp };
}

function runningPid(layout: ClusterLayout): number | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(layout.dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: alive, owned by the server account.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return existsSync(path.join(layout.socketDir, `.s.PGSQL.${layout.port}`)) ? pid : undefined;
}

