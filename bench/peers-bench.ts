/**
 * pgv against other migration runners (`BENCH_ONLY=peers`): apply of the same N tiny scripts
 * (workload.ts's updateScript texts) by pgv, dbmate, node-pg-migrate and graphile-migrate, each
 * in interleaved pairs with the psql floor of apply-bench (one session, per script BEGIN; script;
 * ledger INSERT; COMMIT). Every tool runs one transaction per script: dbmate and graphile-migrate
 * do by default, node-pg-migrate with --no-single-transaction. dbmate runs with --no-dump-schema
 * (its default also runs pg_dump after migrating).
 *
 * The peers are never pgv's dependencies: install them outside the repository,
 *   npm install --prefix /work/peers dbmate node-pg-migrate graphile-migrate
 * and point BENCH_PEERS at that folder (default /work/peers); a peer that is not installed is
 * skipped with a note.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import type { Measurement } from './apply-bench.js';
import { pair } from './measure.js';
import { createDatabase, pgvBin, psqlArgs, psqlCommand, type BenchCluster } from './cluster.js';
import { measure, type Command } from './measure.js';
import { formatPairs, pairRatios } from './report.js';
import { ledgerTable, updateScript, writeConfig, writeFloorSql, writeSchemaDirectory } from './workload.js';
import { quoteQualified } from '../lib/db/ident.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

/** What the peers bench needs to know. */
export interface PeersBenchOptions {
  readonly scripts: number;
  readonly reps: number;
  readonly log: (line: string) => void;
  /** The folder the peers are installed in (its node_modules/.bin). */
  readonly peers: string;
}

/** A tool under test: how to lay out the scripts once, the command for a database, how to count what it recorded. */
interface Tool {
  readonly name: string;
  /** The command that applies everything to `dbname`. */
  readonly command: (dbname: string) => Command;
  /** The table whose rows count the applied scripts. */
  readonly ledger: string;
}

/** Run pgv and each installed peer against the psql floor, in pairs; returns one measurement per tool. */
export async function runPeersBench(cluster: BenchCluster, options: PeersBenchOptions): Promise<Measurement[]> {
  const project = path.join(cluster.temp, 'peers');
  mkdirSync(project, { recursive: true });
  const n = options.scripts;
  const floorSql = writeFloorSql(path.join(project, 'floor.sql'), n);
  const tools: Tool[] = [pgvTool(cluster, project, n)];
  const bin = (name: string) => path.join(options.peers, 'node_modules', '.bin', name);
  for (const [name, make] of [
    ['dbmate', dbmateTool],
    ['node-pg-migrate', nodePgMigrateTool],
    ['graphile-migrate', graphileMigrateTool],
  ] as const) {
    if (existsSync(bin(name))) tools.push(make(cluster, project, n, bin(name)));
    else options.log(`peers: ${name} is not installed in ${options.peers}; skipped (npm install --prefix ${options.peers} ${name}, or set BENCH_PEERS)`);
  }
  const samples = new Map(tools.map((t) => [t.name, { pgv: [] as number[], floor: [] as number[] }]));
  for (let round = 0; round <= options.reps; round++) {
    const times: string[] = [];
    for (const tool of tools) {
      const db = `peer_${tool.name.replace(/\W/g, '_')}_${round}`;
      const floorDb = `peer_floor_${tool.name.replace(/\W/g, '_')}_${round}`;
      createDatabase(cluster, db);
      createDatabase(cluster, floorDb);
      const floor: Command = { file: cluster.psql, args: [...psqlArgs(cluster, floorDb), '-f', floorSql] };
      const [t, f] = await pair(round, () => measure(tool.command(db)), () => measure(floor));
      const count = psqlCommand(cluster, db, `SELECT count(*) FROM ${tool.ledger}`);
      if (count !== String(n)) throw new Error(`${tool.name}: ${tool.ledger} has ${count} rows, expected ${n}`);
      psqlCommand(cluster, 'postgres', `DROP DATABASE ${db}`);
      psqlCommand(cluster, 'postgres', `DROP DATABASE ${floorDb}`);
      times.push(`${tool.name} ${Math.round(t.ms)} ms vs psql ${Math.round(f.ms)} ms`);
      if (round === 0) continue;
      samples.get(tool.name)!.pgv.push(t.ms);
      samples.get(tool.name)!.floor.push(f.ms);
    }
    options.log(`${round === 0 ? 'warm-up' : `round ${round}/${options.reps}`} peers: ${times.join('; ')}`);
  }
  options.log('');
  options.log(`apply of ${n} tiny scripts against the psql floor, median of per-pair ratios [min–max] over ${options.reps} pairs:`);
  for (const tool of tools) {
    const s = samples.get(tool.name)!;
    const p = pairRatios(s.pgv, s.floor);
    options.log(`  ${tool.name.padEnd(17)} ${p ? formatPairs(p) : '-'}`);
  }
  return tools.map((tool) => ({
    name: `apply ${n} scripts: ${tool.name}`,
    unit: 'ms' as const,
    // pgv's goal is the issue's; a peer has none (the row shows where it stands).
    goal: tool.name === 'pgv' ? 1.15 : Infinity,
    ...samples.get(tool.name)!,
    floorDescription: 'one psql session: per script BEGIN; script; ledger INSERT; COMMIT (same rounds)',
  }));
}

function url(cluster: BenchCluster, dbname: string, extra = ''): string {
  return `postgres://postgres@localhost/${dbname}?host=${encodeURIComponent(cluster.socketDir)}&port=${cluster.port}${extra}`;
}

function pgvTool(cluster: BenchCluster, project: string, n: number): Tool {
  const dir = writeSchemaDirectory(path.join(project, 'pgv'), n);
  const cli = pgvBin;
  return {
    name: 'pgv',
    command: (db) => ({ file: process.execPath, args: [cli, 'apply', '-q', '-c', writeConfig(path.join(project, `pgv-${db}.yaml`), cluster, db, dir)], cwd: project, env: { NO_COLOR: '1' } }),
    ledger: quoteQualified(ledgerTable),
  };
}

/** dbmate: NNNNN_name.sql with `-- migrate:up`; one transaction per file; schema_migrations. */
function dbmateTool(cluster: BenchCluster, project: string, n: number, bin: string): Tool {
  const dir = path.join(project, 'dbmate');
  mkdirSync(dir, { recursive: true });
  for (let k = 1; k <= n; k++) writeFileSync(path.join(dir, `${String(k).padStart(6, '0')}_u.sql`), `-- migrate:up\n${updateScript(k)}\n-- migrate:down\n`);
  return {
    name: 'dbmate',
    command: (db) => ({ file: bin, args: ['--url', `postgres://postgres@/${db}?socket=${encodeURIComponent(cluster.socketDir)}&sslmode=disable`, '--migrations-dir', dir, '--no-dump-schema', 'up'], cwd: project }),
    ledger: 'public.schema_migrations',
  };
}

/** node-pg-migrate: NNNNN_name.sql with `-- Up Migration`; --no-single-transaction: one transaction per file. */
function nodePgMigrateTool(cluster: BenchCluster, project: string, n: number, bin: string): Tool {
  const dir = path.join(project, 'node-pg-migrate');
  mkdirSync(dir, { recursive: true });
  for (let k = 1; k <= n; k++) writeFileSync(path.join(dir, `${String(k).padStart(6, '0')}_u.sql`), `-- Up Migration\n${updateScript(k)}`);
  return {
    name: 'node-pg-migrate',
    command: (db) => ({ file: bin, args: ['up', '-m', dir, '--no-single-transaction', '--no-check-order'], cwd: project, env: { DATABASE_URL: url(cluster, db) } }),
    ledger: 'public.pgmigrations',
  };
}

/** graphile-migrate: committed/NNNNNN.sql with its hash chain; each in its own transaction. */
function graphileMigrateTool(cluster: BenchCluster, project: string, n: number, bin: string): Tool {
  const root = path.join(project, 'graphile-migrate');
  const committed = path.join(root, 'migrations', 'committed');
  mkdirSync(committed, { recursive: true });
  let previous: string | null = null;
  for (let k = 1; k <= n; k++) {
    const body = updateScript(k).trim() + '\n';
    // graphile-migrate's calculateHash: sha1 of previous hash, newline, the trimmed body.
    const hash: string = 'sha1:' + createHash('sha1').update(((previous ?? '') + '\n' + body.trim()).trim() + '\n').digest('hex');
    writeFileSync(path.join(committed, `${String(k).padStart(6, '0')}.sql`), `--! Previous: ${previous ?? '-'}\n--! Hash: ${hash}\n\n${body}`);
    previous = hash;
  }
  return {
    name: 'graphile-migrate',
    command: (db) => {
      const dir = path.join(root, db);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, '.gmrc'), JSON.stringify({ connectionString: url(cluster, db), migrationsFolder: path.join(root, 'migrations') }));
      return { file: bin, args: ['migrate'], cwd: dir };
    },
    ledger: 'graphile_migrate.migrations',
  };
}
