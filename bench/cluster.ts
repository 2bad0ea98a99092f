/**
 * The bench's throwaway PostgreSQL cluster, started with pgv's own embedded-server code (as
 * test/run.ts does), and the few admin actions the bench needs, done through the real psql.
 * Client programs are found the way pgv finds them (lib/dump/tools.ts: PGV_PG_BINDIR, PATH,
 * pg_config, the install folders; of the server's major or newer), not in the server's bin
 * folder: the npm server packages hold no psql or pg_dump.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EmbeddedServerConfig } from '../lib/config/types.js';
import { findClientTool, parseToolVersion } from '../lib/dump/tools.js';
import { clusterLayout, serverBinaryVersion, startServer, stopServer } from '../lib/server/embedded.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The pgv users run: the bundled CLI that package.json's `bin` names. */
export const pgvBin = path.join(repoRoot, 'dist', 'bin', 'pgv.js');

/** A running bench cluster: where to reach it and where its programs are. */
export interface BenchCluster {
  /** A private temporary folder (mode 0755) that holds the cluster and the bench's projects. */
  readonly temp: string;
  readonly socketDir: string;
  readonly port: number;
  /** The real psql (not Debian's Perl wrapper on PATH), of the server's major or newer. */
  readonly psql: string;
  readonly pgDump: string;
  readonly pgRestore: string;
}

/**
 * Start a throwaway cluster in a new temporary folder, run `body` with it, then stop the
 * cluster and remove the folder, whether `body` succeeded or threw.
 */
export async function withBenchCluster<T>(body: (cluster: BenchCluster) => Promise<T>): Promise<T> {
  return withBenchClusters(1, {}, ([cluster]) => body(cluster!));
}

/**
 * Start `count` throwaway clusters (each its own data folder and unix socket, all in one new
 * temporary folder, started concurrently), run `body` with them, then stop them all and remove
 * the folder, whether `body` succeeded or threw. `settings` go to every server's configuration.
 */
export async function withBenchClusters<T>(count: number, settings: Readonly<Record<string, string>>, body: (clusters: BenchCluster[]) => Promise<T>): Promise<T> {
  const temp = mkdtempSync(path.join(os.tmpdir(), 'pgv-bench-'));
  // When run as root the server runs as an unprivileged account, which must reach this folder.
  chmodSync(temp, 0o755);
  const servers: EmbeddedServerConfig[] = Array.from({ length: count }, (_, i) => ({ mode: 'embedded', dir: path.join(temp, count === 1 ? 'cluster' : `cluster-${i + 1}`), port: 5432, tcp: false, settings: { ...settings } }));
  const cleanup = async () => {
    await Promise.all(servers.map((server) => stopServer(server, { env: process.env }).catch((e) => console.error(`could not stop the bench cluster: ${e}`))));
    rmSync(temp, { recursive: true, force: true });
  };
  cleanups.add(cleanup);
  try {
    await Promise.all(servers.map((server) => startServer(server, { env: process.env, throwaway: true })));
    const major = parseToolVersion(await serverBinaryVersion(process.env))?.major;
    const tool = async (program: 'psql' | 'pg_dump' | 'pg_restore') => (await findClientTool(program, major, process.env)).path;
    const [psql, pgDump, pgRestore] = await Promise.all([tool('psql'), tool('pg_dump'), tool('pg_restore')]);
    return await body(
      servers.map((server) => {
        const layout = clusterLayout(server);
        return { temp, socketDir: layout.socketDir, port: layout.port, psql, pgDump, pgRestore };
      }),
    );
  } finally {
    cleanups.delete(cleanup);
    await cleanup();
  }
}

/** The clean-ups of the clusters running now (nested: the fleet's inside the main one). */
const cleanups = new Set<() => Promise<void>>();

// Ctrl-C, SIGTERM: every running cluster cleaned up, then exit with the conventional status.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void Promise.allSettled([...cleanups].map((c) => c())).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143)));
}

/** The psql arguments that reach `dbname` on the cluster, without reading ~/.psqlrc. */
export function psqlArgs(cluster: BenchCluster, dbname: string): string[] {
  return ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'postgres', '-d', dbname];
}

/** Run one SQL command with psql and return its unaligned, tuples-only output; throws on failure. */
export function psqlCommand(cluster: BenchCluster, dbname: string, sql: string): string {
  const result = spawnSync(cluster.psql, [...psqlArgs(cluster, dbname), '-tAc', sql], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`psql -c ${JSON.stringify(sql)} failed (exit ${result.status ?? result.signal}): ${result.stderr || result.error}`);
  return result.stdout.trim();
}

/** Create an empty database (names are the bench's own: plain lowercase identifiers). */
export function createDatabase(cluster: BenchCluster, dbname: string): void {
  psqlCommand(cluster, 'postgres', `CREATE DATABASE ${dbname}`);
}
