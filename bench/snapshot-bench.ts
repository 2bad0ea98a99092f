/**
 * The snapshot measurements on a ~300 MB database (generate_series), each against a floor
 * measured in the same run and the same way (a CHECKPOINT and a sync before every timed command,
 * so that neither side pays for the other's dirty pages; sides alternate which goes first):
 *   d. `pgv snapshot commit` vs `CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY` (the strategy
 *      pgv picks at this size), sent by psql;
 *   e. the same commit vs plain `CREATE DATABASE … TEMPLATE` (PostgreSQL's default, wal_log);
 *   f. `pgv snapshot revert` vs doing it by hand: `DROP DATABASE W`, then `CREATE DATABASE W TEMPLATE W~0`;
 *   g. the same commit vs `pg_dump -Fc | pg_restore` into a new database (once: it is slow), to
 *      show what copying at the file level gains.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Measurement } from './apply-bench.js';
import { createDatabase, pgvBin, psqlArgs, psqlCommand, type BenchCluster } from './cluster.js';
import { expectOutput, measure, median, pair, type Command, type Sample } from './measure.js';

const cli = pgvBin;

/** What the snapshot bench needs to know. */
export interface SnapshotBenchOptions {
  /** Measured repetitions; one unrecorded warm-up round runs first. */
  readonly reps: number;
  readonly log: (line: string) => void;
  /** Rows of the generated table (~230 bytes each with its index; 1.35 M ≈ 300 MB). */
  readonly rows?: number;
}

const work = 'bench_snap';
const floorWork = 'bench_snap_floor';
const floorCopy = 'bench_snap_copy';
const dumpCopy = 'bench_snap_dump';

/** Generate the database, run the warm-up and `reps` rounds, drop everything; returns d–g. */
export async function runSnapshotBench(cluster: BenchCluster, options: SnapshotBenchOptions): Promise<Measurement[]> {
  const conn = ['-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'postgres'];
  // SQL by psql, each -c its own statement (CREATE and DROP DATABASE run outside a transaction).
  const sql = (...statements: string[]): Command => ({ file: cluster.psql, args: [...psqlArgs(cluster, 'postgres'), ...statements.flatMap((x) => ['-c', x])] });
  const sh = (script: string): Command => ({ file: '/bin/sh', args: ['-c', script] });
  const q = (args: string[]) => args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const dir = path.join(cluster.temp, 'snapshot-bench');
  mkdirSync(dir, { recursive: true });
  const pgv = (...args: string[]): Command => ({
    file: process.execPath,
    args: [cli, 'snapshot', ...args, '--db', work],
    cwd: dir, // no config here: --db resolves through the libpq variables
    env: { PGHOST: cluster.socketDir, PGPORT: String(cluster.port), PGUSER: 'postgres', NO_COLOR: '1' },
  });
  // The bench cluster runs with fsync off: copies land in the page cache and the kernel writes
  // them back later, at a moment that would land on whichever command runs next. A CHECKPOINT and
  // a sync(1) before every timed command give both sides the same clean start.
  const checkpoint = () => {
    psqlCommand(cluster, 'postgres', 'CHECKPOINT');
    spawnSync('sync');
  };
  const drop = (db: string) => psqlCommand(cluster, 'postgres', `DROP DATABASE IF EXISTS "${db}"`);

  const t0 = performance.now();
  const rows = options.rows ?? 1_350_000;
  createDatabase(cluster, work);
  psqlCommand(
    cluster,
    work,
    `SET synchronous_commit = off;
     CREATE TABLE big AS SELECT g AS id, md5(g::text) AS a, md5((g * 7)::text) AS b, repeat('x', 100) AS c FROM generate_series(1, ${rows}) g;
     ALTER TABLE big ADD PRIMARY KEY (id)`,
  );
  // Set hint bits and freeze now, so that no timed copy pays for the first read of fresh rows.
  psqlCommand(cluster, work, 'VACUUM (FREEZE, ANALYZE) big');
  const size = Number(psqlCommand(cluster, 'postgres', `SELECT pg_database_size('${work}')`));
  options.log(`snapshot bench: generated ${work}, ${Math.round(size / 1048576)} MB, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await run(pgv('init'));
  await run(pgv('commit', '-m', 'revision 0: the revert source'));
  await run(sql(`CREATE DATABASE ${floorWork} TEMPLATE ${work}`));

  const commit = { pgv: [] as number[], floor: [] as number[], plain: [] as number[] };
  const revert = { pgv: [] as number[], floor: [] as number[] };
  const info: number[] = [];
  const dump: number[] = [];
  try {
    for (let round = 0; round <= options.reps; round++) {
      const timed = async (c: Command) => {
        checkpoint();
        return measure(c);
      };
      const [c, cf] = await pair(
        round,
        () => timed(pgv('commit')),
        () => timed(sql(`CREATE DATABASE ${floorCopy} TEMPLATE ${work} STRATEGY FILE_COPY`)),
      );
      expectOutput(c, 'Now version', 'pgv snapshot commit');
      const snapshot = `${work}~${Number(/Now version (\d+)/.exec(c.stdout)![1]) - 1}`;
      drop(snapshot);
      drop(floorCopy);
      const plain = await timed(sql(`CREATE DATABASE ${floorCopy} TEMPLATE ${work}`));
      drop(floorCopy);
      const [r, rf] = await pair(
        round,
        () => timed(pgv('revert', '0')),
        () => timed(sql(`DROP DATABASE ${floorWork}`, `CREATE DATABASE ${floorWork} TEMPLATE "${work}~0" STRATEGY FILE_COPY`)),
      );
      expectOutput(r, 'Reverted to revision 0', 'pgv snapshot revert');
      // What any pgv snapshot command costs before it copies anything (Node, pg, config search, lock).
      const fixed = await timed(pgv('info'));
      let line = `commit ${ms(c)} vs CREATE DATABASE … FILE_COPY ${ms(cf)}, (default) ${ms(plain)}; revert ${ms(r)} vs DROP + CREATE DATABASE ${ms(rf)}; pgv snapshot info ${ms(fixed)}`;
      if (round === 1) {
        drop(dumpCopy);
        createDatabase(cluster, dumpCopy);
        const d = await timed(sh(`${q([cluster.pgDump, ...conn, '-Fc', '-d', work])} | ${q([cluster.pgRestore, ...conn, '-d', dumpCopy])}`));
        drop(dumpCopy);
        dump.push(d.ms);
        line += `; pg_dump | pg_restore ${ms(d)}`;
      }
      options.log(`${round === 0 ? 'warm-up' : `round ${round}/${options.reps}`}: ${line}`);
      if (round === 0) continue;
      commit.pgv.push(c.ms);
      commit.floor.push(cf.ms);
      commit.plain.push(plain.ms);
      revert.pgv.push(r.ms);
      revert.floor.push(rf.ms);
      info.push(fixed.ms);
    }
  } finally {
    for (const db of [work, `${work}~0`, floorWork, floorCopy, dumpCopy]) drop(db);
    for (const name of psqlCommand(cluster, 'postgres', `SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_snap%'`).split('\n').filter(Boolean)) drop(name);
  }
  const mb = `${Math.round(size / 1048576)} MB`;
  options.log(`snapshot bench: pgv snapshot info (start-up, config search, connection, lock; no copy) median ${Math.round(median(info))} ms`);
  return [
    { name: `snapshot commit (${mb})`, unit: 'ms', goal: 1.2, pgv: commit.pgv, floor: commit.floor, floorDescription: 'psql -c "CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY" (the strategy pgv picks at this size)' },
    { name: `snapshot commit vs default CREATE DATABASE (${mb})`, unit: 'ms', goal: 1.2, pgv: commit.pgv, floor: commit.plain, floorDescription: 'psql -c "CREATE DATABASE … TEMPLATE …" with PostgreSQL\'s default strategy (wal_log)' },
    { name: `snapshot revert (${mb})`, unit: 'ms', goal: 1.2, pgv: revert.pgv, floor: revert.floor, floorDescription: 'psql -c "DROP DATABASE W" -c "CREATE DATABASE W TEMPLATE W~0 STRATEGY FILE_COPY" (by hand, no safety)' },
    { name: `snapshot commit vs dump|restore (${mb})`, unit: 'ms', goal: 1, pgv: commit.pgv, floor: dump, floorDescription: 'pg_dump -Fc | pg_restore into a new database (one sample)' },
  ];
}

async function run(c: Command): Promise<Sample> {
  return measure(c);
}

const ms = (s: Sample) => `${Math.round(s.ms)} ms`;
