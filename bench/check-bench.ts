/**
 * The check measurements: two generated databases with about 2,000 objects each (tables, columns,
 * constraints, indexes, sequences, functions, views, triggers), compared
 *   a. by the real `pgv check --db1 --db2` (a process, like a user runs it) and
 *   b. by the library function compareDatabases (in-process: inspection and diff only),
 * each against the floor `pg_dump --schema-only` of both databases (run concurrently, output
 * discarded: what reading both schemas costs PostgreSQL's own tool); then
 *   c. the same at 10× the objects, reported as how check's time grows (against linear growth).
 * Both sides alternate which goes first, so drift does not favour one.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase, pgvBin, psqlArgs, type BenchCluster } from './cluster.js';
import { measure, median, pair, rssMethod, type Command, type Sample } from './measure.js';
import type { Measurement } from './apply-bench.js';
import { compareDatabases } from '../lib/check/check.js';
import { selectKinds } from '../lib/check/options.js';
import type { ConnectionSpec } from '../lib/db/connection.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

/** What the check bench needs to know. */
export interface CheckBenchOptions {
  /** Objects per database at 1× (about; the generator works in units of ~11.5 objects). */
  readonly objects: number;
  /** Measured repetitions; one unrecorded warm-up round runs first. */
  readonly reps: number;
  readonly log: (line: string) => void;
}

// Per unit: a table, its 5 columns, primary key and CHECK, an index, a serial sequence and a
// function (11 objects); every 4th unit adds a view and a trigger (2 more).
const objectsPerUnit = 11.5;

/** The generator's SQL for `units` units in schema `bench`. */
export function checkWorkloadSql(units: number): string {
  const out = [
    'CREATE SCHEMA bench;',
    "CREATE TYPE bench.status AS ENUM ('new', 'open', 'done');",
    'CREATE FUNCTION bench.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.created := now(); RETURN NEW; END $$;',
  ];
  for (let i = 1; i <= units; i++) {
    out.push(
      `CREATE TABLE bench.t${i} (id serial PRIMARY KEY, name text NOT NULL, qty int CHECK (qty >= ${i % 7}), status bench.status DEFAULT 'new', created timestamptz DEFAULT now());`,
      `CREATE INDEX t${i}_name_idx ON bench.t${i} (name);`,
      `CREATE FUNCTION bench.f${i}(n int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT n + ${i} $$;`,
    );
    if (i % 4 === 0) {
      out.push(
        `CREATE VIEW bench.v${i} AS SELECT id, name FROM bench.t${i} WHERE qty > ${i};`,
        `CREATE TRIGGER t${i}_touch BEFORE INSERT ON bench.t${i} FOR EACH ROW EXECUTE FUNCTION bench.touch();`,
      );
    }
  }
  return out.join('\n') + '\n';
}

/** Run the warm-up and `reps` rounds at 1× and at 10×; returns the measurements a, b, c. */
export async function runCheckBench(cluster: BenchCluster, options: CheckBenchOptions): Promise<Measurement[]> {
  const project = path.join(cluster.temp, 'check');
  mkdirSync(project, { recursive: true });
  const scales = [1, 10];
  const cli: Record<number, number[]> = { 1: [], 10: [] };
  const dumps: Record<number, number[]> = { 1: [], 10: [] };
  const library: number[] = [];
  const libraryFloor: number[] = [];
  const rss: number[] = [];
  for (const scale of scales) {
    const units = Math.round((options.objects * scale) / objectsPerUnit);
    const file = path.join(project, `schema-${scale}.sql`);
    writeFileSync(file, checkWorkloadSql(units));
    const dbs = [`bench_check_${scale}_a`, `bench_check_${scale}_b`] as const;
    for (const db of dbs) {
      createDatabase(cluster, db);
      const loaded = spawnSync(cluster.psql, [...psqlArgs(cluster, db), '-f', file], { encoding: 'utf8' });
      if (loaded.status !== 0) throw new Error(`loading ${file} into ${db} failed: ${loaded.stderr}`);
    }
    const objects = await countObjects(cluster, dbs[0], dbs[1]);
    options.log(`check at ${scale}×: ${objects} objects per database (${units} generated units)`);
    const check = pgvCheckCommand(cluster, dbs[0], dbs[1], project);
    const floor = dumpBothCommand(cluster, dbs[0], dbs[1]);
    for (let round = 0; round <= options.reps; round++) {
      const [c, f] = await pair(round, () => measure(check), () => measure(floor));
      if (!c.stdout.includes('Identical:')) throw new Error(`pgv check printed ${JSON.stringify(c.stdout.slice(-300))}, expected "Identical:"`);
      let lib = 0;
      if (scale === 1) lib = await timeLibrary(cluster, dbs[0], dbs[1]);
      const label = round === 0 ? 'warm-up' : `round ${round}/${options.reps}`;
      options.log(`${label} at ${scale}×: pgv check ${ms(c.ms)}${scale === 1 ? `, compareDatabases ${ms(lib)}` : ''}; pg_dump -s of both ${ms(f.ms)}; peak RSS ${c.maxRssKb === null ? '?' : `${Math.round(c.maxRssKb / 1024)} MiB`}`);
      if (round === 0) continue;
      cli[scale]!.push(c.ms);
      dumps[scale]!.push(f.ms);
      if (scale === 1) {
        library.push(lib);
        libraryFloor.push(f.ms);
        if (c.maxRssKb !== null) rss.push(c.maxRssKb);
      }
    }
  }
  const n = options.objects.toLocaleString('en');
  const grow = (xs: Record<number, number[]>) => (median(xs[10]!) / median(xs[1]!)).toFixed(1);
  options.log(`growth at 10× objects: pgv check ×${grow(cli)}, pg_dump -s of both ×${grow(dumps)}${rss.length ? `; peak RSS of pgv check at 1× ${Math.round(median(rss) / 1024)} MiB (${rssMethod})` : ''}`);
  return [
    { name: `check ~${n} objects (CLI)`, unit: 'ms', goal: 1, pgv: cli[1]!, floor: dumps[1]!, floorDescription: 'pg_dump --schema-only of both databases, run concurrently, output discarded' },
    { name: `check ~${n} objects (library)`, unit: 'ms', goal: 1, pgv: library, floor: libraryFloor, floorDescription: 'the same pg_dump pair; pgv side: compareDatabases() in-process (inspect both, compare)' },
    { name: 'check at 10× objects (CLI)', unit: 'ms', goal: 1, pgv: cli[10]!, floor: dumps[10]!, floorDescription: 'pg_dump --schema-only of both databases at 10× the objects' },
    // No goal was given for growth; linear (10× the time for 10× the objects) is the bench's own.
    { name: 'check growth, 10× vs 1× objects', unit: 'ms', goal: 10, pgv: cli[10]!, floor: cli[1]!, floorDescription: 'pgv check at 1× the objects (ratio = how its time grows)' },
  ];
}

function spec(cluster: BenchCluster, dbname: string): ConnectionSpec {
  return { host: cluster.socketDir, port: cluster.port, user: 'postgres', dbname, sslmode: 'disable', application_name: 'pgv-bench' };
}

/** Objects per database as pgv counts them (the sum over kinds), checking both sides agree. */
async function countObjects(cluster: BenchCluster, a: string, b: string): Promise<number> {
  const result = await compareDatabases(spec(cluster, a), spec(cluster, b), checkOptions());
  if (!result.identical) throw new Error(`the generated databases ${a} and ${b} differ: ${JSON.stringify(result.differences.slice(0, 3))}`);
  return result.summary.reduce((sum, s) => sum + s.db1, 0);
}

function checkOptions() {
  return { kinds: selectKinds([], []), exclusions: { schemas: [], columns: [], ledgers: [] }, compare: { columnOrder: false, ignoreGeneratedNames: false } };
}

/** The library function, timed in this process. */
async function timeLibrary(cluster: BenchCluster, a: string, b: string): Promise<number> {
  const t0 = performance.now();
  const result = await compareDatabases(spec(cluster, a), spec(cluster, b), checkOptions());
  const elapsed = performance.now() - t0;
  if (!result.identical) throw new Error('compareDatabases found differences between identical databases');
  return elapsed;
}

function url(cluster: BenchCluster, dbname: string): string {
  return `postgresql://postgres@/${dbname}?host=${encodeURIComponent(cluster.socketDir)}&port=${cluster.port}`;
}

/** The real CLI (or, without GNU time, the wrapper that runs its main and reports peak RSS). */
function pgvCheckCommand(cluster: BenchCluster, a: string, b: string, cwd: string): Command {
  const entry = rssMethod === 'gnu-time' ? pgvBin : path.join(repoRoot, 'dist', 'bench', 'rss-main.js');
  return { file: process.execPath, args: [entry, 'check', '--db1', url(cluster, a), '--db2', url(cluster, b)], cwd, env: { NO_COLOR: '1' } };
}

/** Both schema-only dumps at once, through a shell that fails when either fails. */
function dumpBothCommand(cluster: BenchCluster, a: string, b: string): Command {
  const pgDump = cluster.pgDump;
  const one = (db: string) => [pgDump, '-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'postgres', '--schema-only', '-f', '/dev/null', db].map(shellQuote).join(' ');
  return { file: '/bin/sh', args: ['-c', `${one(a)} & p1=$!; ${one(b)} & p2=$!; wait $p1 && wait $p2`] };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const ms = (v: number) => `${Math.round(v)} ms`;
