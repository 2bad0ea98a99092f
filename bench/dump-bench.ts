/**
 * The dump/restore measurement: `pgv dump` + `pgv restore` (custom format) of a generated sample
 * database against the same pg_dump and pg_restore commands run by hand, in the same run and the
 * same way (a CHECKPOINT and a sync before every timed command; the sides alternate which goes
 * first). The sample is fixtures/pgdump/source.sql (most object kinds) with generated rows:
 * BENCH_DUMP_ORDERS orders (default 1,600,000: ~250 MB on disk, a ~25 MB dump) and a tenth as
 * many customers. pgv's cost is fixed (Node, its modules, the config, one connection, a version
 * probe, the archive's table of contents), not per byte: the tools write and read the file
 * themselves. The log shows that fixed cost on its own, measured on an empty database.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Measurement } from './apply-bench.js';
import { createDatabase, pgvBin, psqlArgs, psqlCommand, type BenchCluster } from './cluster.js';
import { measure, median, pair, type Command, type Sample } from './measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const cli = pgvBin;

/** What the dump bench needs to know. */
export interface DumpBenchOptions {
  /** Measured repetitions; one unrecorded warm-up round runs first. */
  readonly reps: number;
  readonly log: (line: string) => void;
  /** Rows of the orders table (customers: a tenth). */
  readonly orders?: number;
}

const source = 'bench_dump_src';
const pgvCopy = 'bench_dump_pgv';
const floorCopy = 'bench_dump_floor';
const empty = 'bench_dump_empty';
const emptyCopy = 'bench_dump_empty_copy';
const databases = [source, pgvCopy, floorCopy, empty, emptyCopy];

/** Build the sample, run the warm-up and `reps` rounds; returns the dump+restore measurement. */
export async function runDumpBench(cluster: BenchCluster, options: DumpBenchOptions): Promise<Measurement[]> {
  const orders = options.orders ?? Number(process.env.BENCH_DUMP_ORDERS ?? 1_600_000);
  const conn = ['-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'postgres'];
  const dir = path.join(cluster.temp, 'dump-bench');
  mkdirSync(path.join(dir, 'schema'), { recursive: true });
  const config = path.join(dir, 'pgv.config.yaml');
  writeFileSync(
    config,
    [
      'connection:',
      `  host: ${JSON.stringify(cluster.socketDir)}`,
      `  port: ${cluster.port}`,
      '  user: postgres',
      'parts:',
      '  src:',
      '    recipe: schema',
      `    dbname: ${source}`,
      '    schema: schema',
      '  copy:',
      '    recipe: schema',
      `    dbname: ${pgvCopy}`,
      '    schema: schema',
      '  empty:',
      '    recipe: schema',
      `    dbname: ${empty}`,
      '    schema: schema',
      '',
    ].join('\n'),
  );
  const pgvFile = path.join(dir, 'pgv.dump');
  const floorFile = path.join(dir, 'floor.dump');
  const pgv = (...args: string[]): Command => ({ file: process.execPath, args: [cli, ...args, '-q', '-c', config], cwd: dir, env: { NO_COLOR: '1' } });
  const tool = (name: 'pg_dump' | 'pg_restore', ...args: string[]): Command => ({ file: name === 'pg_dump' ? cluster.pgDump : cluster.pgRestore, args: [...conn, ...args], cwd: dir });
  const pgvDump = pgv('dump', 'src', '-f', pgvFile);
  const floorDump = tool('pg_dump', '--format=custom', `--file=${floorFile}`, source);
  const pgvRestore = pgv('restore', 'copy', '-f', pgvFile);
  const floorRestore = tool('pg_restore', '--single-transaction', '--exit-on-error', `--dbname=${floorCopy}`, floorFile);

  // The fixed cost: the same commands on an empty database.
  const emptyFile = path.join(dir, 'empty.dump');
  const fixedPgv = async () => (await measure(pgv('dump', 'empty', '-f', emptyFile))).ms + (await measure(pgv('restore', '--db', emptyCopy, '-f', emptyFile))).ms;
  const fixedFloor = async () =>
    (await measure(tool('pg_dump', '--format=custom', `--file=${emptyFile}`, empty))).ms + (await measure(tool('pg_restore', '--single-transaction', '--exit-on-error', `--dbname=${emptyCopy}`, emptyFile))).ms;

  const t0 = performance.now();
  const mb = buildSample(cluster, orders);
  options.log(`dump bench: generated ${source}, ${mb} MB (${orders} orders), in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const total = { pgv: [] as number[], floor: [] as number[] };
  const fixed = { pgv: [] as number[], floor: [] as number[] };
  for (let round = 0; round <= options.reps; round++) {
    const [d, df] = await pair(round, () => timed(cluster, pgvDump), () => timed(cluster, floorDump));
    for (const db of [pgvCopy, floorCopy]) {
      psqlCommand(cluster, 'postgres', `DROP DATABASE IF EXISTS ${db}`);
      createDatabase(cluster, db);
    }
    const [r, rf] = await pair(round, () => timed(cluster, pgvRestore), () => timed(cluster, floorRestore));
    if (round === 0) checkCopies(cluster, orders);
    const [e, ef] = await pair(round, () => recreate(cluster, emptyCopy).then(fixedPgv), () => recreate(cluster, emptyCopy).then(fixedFloor));
    const label = round === 0 ? 'warm-up' : `round ${round}/${options.reps}`;
    options.log(
      `${label}: dump ${ms(d)} vs pg_dump ${ms(df)}; restore ${ms(r)} vs pg_restore ${ms(rf)}; together ${Math.round(d.ms + r.ms)} vs ${Math.round(df.ms + rf.ms)} ms; ` +
        `empty database ${Math.round(e)} vs ${Math.round(ef)} ms`,
    );
    if (round === 0) continue;
    total.pgv.push(d.ms + r.ms);
    total.floor.push(df.ms + rf.ms);
    fixed.pgv.push(e);
    fixed.floor.push(ef);
  }
  const fixedCost = median(fixed.pgv) - median(fixed.floor);
  // With no cost per byte, the ratio falls below 1.05 once the tools' own time is 20× the fixed cost.
  const breakEven = Math.round((fixedCost / 0.05) / (median(total.floor) / mb));
  options.log(
    `dump bench: pgv's fixed cost for a dump and a restore ${Math.round(fixedCost)} ms (empty database: ${Math.round(median(fixed.pgv))} vs ${Math.round(median(fixed.floor))} ms by hand); ` +
      `the overhead is under 5% from about ${breakEven} MB on this machine`,
  );
  for (const db of databases) psqlCommand(cluster, 'postgres', `DROP DATABASE IF EXISTS ${db}`);
  return [
    {
      name: `dump + restore, custom format (${mb} MB database)`,
      unit: 'ms',
      goal: 1.05,
      ...total,
      floorDescription: 'pg_dump --format=custom, then pg_restore --single-transaction --exit-on-error into an empty database, the same binaries run by hand',
    },
  ];
}

/** Create and fill the sample database; returns its size in MB. */
function buildSample(cluster: BenchCluster, orders: number): number {
  for (const db of databases) psqlCommand(cluster, 'postgres', `DROP DATABASE IF EXISTS ${db}`);
  createDatabase(cluster, source);
  createDatabase(cluster, empty);
  const fixture = spawnSync(cluster.psql, [...psqlArgs(cluster, source), '-f', path.join(repoRoot, 'fixtures', 'pgdump', 'source.sql')], { encoding: 'utf8' });
  if (fixture.status !== 0) throw new Error(`loading fixtures/pgdump/source.sql failed: ${fixture.stderr}`);
  const customers = Math.max(1, Math.floor(orders / 10));
  psqlCommand(
    cluster,
    source,
    `SET synchronous_commit = off;
     INSERT INTO "Sales; Dept".customer (name, email, address)
       SELECT 'customer ' || g, 'c' || g || '@example.org', ROW('street ' || g, 'city ' || (g % 97), lpad((g % 100000)::text, 5, '0'))::"Sales; Dept".address
         FROM generate_series(1, ${customers}) g;
     INSERT INTO "Sales; Dept"."order" (customer_id, status, total, placed_on)
       SELECT 1 + g % ${customers}, (ARRAY['new', 'paid', 'shipped', 'it''s late'])[1 + g % 4]::"Sales; Dept".status, (g % 90000) / 100.0, DATE '2025-01-01' + (g % 730)
         FROM generate_series(1, ${orders}) g;
     REFRESH MATERIALIZED VIEW "Sales; Dept".revenue;`,
  );
  // Set hint bits and freeze now, so that no timed dump pays for the first read of fresh rows.
  psqlCommand(cluster, source, 'VACUUM (FREEZE, ANALYZE)');
  return Math.round(Number(psqlCommand(cluster, 'postgres', `SELECT pg_database_size('${source}')`)) / 1048576);
}

/** Drop and create an empty database. */
async function recreate(cluster: BenchCluster, db: string): Promise<void> {
  psqlCommand(cluster, 'postgres', `DROP DATABASE IF EXISTS ${db}`);
  createDatabase(cluster, db);
}

/** Both copies hold every order (once, after the warm-up: the bench compares equal work). */
function checkCopies(cluster: BenchCluster, orders: number): void {
  for (const db of [pgvCopy, floorCopy]) {
    const n = psqlCommand(cluster, db, 'SELECT count(*) FROM "Sales; Dept"."order"');
    if (n !== String(orders)) throw new Error(`${db}: ${n} orders after the restore, expected ${orders}`);
  }
}

/**
 * The bench cluster runs with fsync off: written pages reach the disk later, at a moment that
 * would land on whichever command runs next. A CHECKPOINT and a sync(1) first give both sides
 * the same clean start.
 */
async function timed(cluster: BenchCluster, command: Command): Promise<Sample> {
  psqlCommand(cluster, 'postgres', 'CHECKPOINT');
  spawnSync('sync');
  return measure(command);
}

const ms = (s: Sample) => `${Math.round(s.ms)} ms`;
