/**
 * How cost grows (`BENCH_ONLY=growth`): for the schema and the deltas recipe, apply of 100, 1,000
 * and 10,000 tiny scripts with the real `pgv apply` against the psql floor (one session, per
 * script BEGIN; script; ledger INSERT; COMMIT), then the no-op apply at each size against a Node
 * process that loads pg and runs one query; time per script and peak RSS at each size. Then
 * `pgv check` at 2,000 and 20,000 objects (check-bench's generator) against both `pg_dump -s` at
 * once: time and peak RSS. Every comparison is interleaved pairs (which side goes first
 * alternates), reported as the median of the per-pair ratios with min and max.
 * BENCH_REPS pairs at 100 and 1,000 scripts and 2,000 objects, after one warm-up; at 10,000
 * scripts and 20,000 objects BENCH_GROWTH_BIG_REPS pairs (default 3), without a warm-up.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeQueryCommand, type Measurement } from './apply-bench.js';
import { pair } from './measure.js';
import { checkWorkloadSql } from './check-bench.js';
import { createDatabase, pgvBin, psqlArgs, psqlCommand, type BenchCluster } from './cluster.js';
import { measure, median, rssMethod, type Command, type Sample } from './measure.js';
import { formatPairs, pairRatios } from './report.js';
import { ledgerTable, writeConfig, writeFloorSql, writeScriptDirectory, type Recipe } from './workload.js';
import { quoteQualified } from '../lib/db/ident.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

/** What the growth bench needs to know. */
export interface GrowthBenchOptions {
  readonly reps: number;
  /** Pairs at the largest sizes (10,000 scripts, 20,000 objects). */
  readonly bigReps: number;
  readonly log: (line: string) => void;
  /** Script counts (default 100, 1,000, 10,000) and check sizes (default 2,000 and 20,000 objects). */
  readonly sizes?: readonly number[];
  readonly objects?: readonly number[];
}

/** One line of the growth table. */
interface Row {
  readonly what: string;
  readonly size: number;
  readonly pairs: number;
  readonly pgv: number[];
  readonly floor: number[];
  readonly rssKb: number[];
  readonly floorRssKb: number[];
}

const big = 10_000;

/** Run the growth measurements; prints its table through `log` and returns the rows as measurements. */
export async function runGrowthBench(cluster: BenchCluster, options: GrowthBenchOptions): Promise<Measurement[]> {
  const project = path.join(cluster.temp, 'growth');
  mkdirSync(project, { recursive: true });
  const rows: Row[] = [];
  const measurements: Measurement[] = [];
  for (const recipe of ['schema', 'deltas'] as const) {
    const applied = new Map<number, number[]>();
    for (const size of options.sizes ?? [100, 1_000, big]) {
      const { apply, noop } = await applyAtSize(cluster, project, recipe, size, options);
      rows.push(apply, noop);
      applied.set(size, apply.pgv);
      measurements.push(
        { name: `apply ${size} scripts (${recipe})`, unit: 'ms', goal: 1.15, pgv: apply.pgv, floor: apply.floor, floorDescription: 'one psql session: per script BEGIN; script; ledger INSERT; COMMIT' },
        { name: `no-op apply, ${size} applied (${recipe})`, unit: 'ms', goal: 1.5, pgv: noop.pgv, floor: noop.floor, floorDescription: 'node loading pg, connecting, one ledger query' },
      );
      if (size >= big && apply.rssKb.length) {
        // The issue's bound, as a floor of constant 100 MiB: ratio ≤ 1 is under it.
        measurements.push({ name: `peak RSS, apply ${size} scripts (${recipe})`, unit: 'KiB', goal: 1, pgv: apply.rssKb, floor: apply.rssKb.map(() => 100 * 1024), floorDescription: 'the bound of issue 20: 100 MiB' });
      }
    }
    const [small, large] = [applied.get(1_000), applied.get(big)];
    if (small && large) {
      // Not paired (different rounds): the ratio of the medians; linear would be 10×.
      measurements.push({ name: `apply growth, ${big} vs 1000 scripts (${recipe})`, unit: 'ms', goal: 11, pgv: large, floor: small, floorDescription: 'pgv apply of 1,000 scripts (ratio = how its time grows; linear is 10×)' });
    }
  }
  for (const objects of options.objects ?? [2_000, 20_000]) {
    const row = await checkAtSize(cluster, project, objects, options);
    rows.push(row);
    measurements.push({ name: `check ${objects} objects (CLI, growth bench)`, unit: 'ms', goal: 1, pgv: row.pgv, floor: row.floor, floorDescription: 'pg_dump --schema-only of both databases, run concurrently, output discarded' });
  }
  for (const line of growthTable(rows)) options.log(line);
  return measurements;
}

/** Apply and no-op apply of `size` scripts, in pairs with their floors. */
async function applyAtSize(cluster: BenchCluster, project: string, recipe: Recipe, size: number, options: GrowthBenchOptions): Promise<{ apply: Row; noop: Row }> {
  const dir = writeScriptDirectory(recipe, path.join(project, `${recipe}-${size}`), size);
  const floorSql = writeFloorSql(path.join(project, `${recipe}-${size}.sql`), size, recipe);
  const reps = size >= big ? options.bigReps : options.reps;
  const apply: Row = { what: `apply (${recipe})`, size, pairs: reps, pgv: [], floor: [], rssKb: [], floorRssKb: [] };
  const noop: Row = { what: `no-op apply (${recipe})`, size, pairs: reps, pgv: [], floor: [], rssKb: [], floorRssKb: [] };
  const first = size >= big ? 1 : 0; // round 0 is the warm-up
  for (let round = first; round <= reps; round++) {
    const pgvDb = `growth_${recipe}_${size}_${round}`;
    const floorDb = `growth_floor_${recipe}_${size}_${round}`;
    createDatabase(cluster, pgvDb);
    createDatabase(cluster, floorDb);
    const pgv = pgvApplyCommand(writeConfig(path.join(project, `${pgvDb}.yaml`), cluster, pgvDb, dir, recipe), project);
    const floor: Command = { file: cluster.psql, args: [...psqlArgs(cluster, floorDb), '-f', floorSql] };
    const [a, f] = await pair(round, () => measure(pgv), () => measure(floor));
    for (const db of [pgvDb, floorDb]) {
      const count = psqlCommand(cluster, db, `SELECT count(*) FROM ${quoteQualified(ledgerTable)}`);
      if (count !== String(size)) throw new Error(`${db}: the ledger has ${count} rows, expected ${size}`);
    }
    const [n, nf] = await pair(round, () => measure(pgv), () => measure(nodeQueryCommand(cluster, pgvDb)));
    if (!n.stdout.includes('up to date')) throw new Error(`the no-op apply printed ${JSON.stringify(n.stdout.trim())}`);
    options.log(`${round === 0 ? 'warm-up' : `round ${round}/${reps}`} ${recipe} ${size}: apply ${ms(a.ms)} vs psql ${ms(f.ms)}; no-op ${ms(n.ms)} vs node+pg ${ms(nf.ms)}; peak RSS ${mib(a.maxRssKb)} / no-op ${mib(n.maxRssKb)}`);
    psqlCommand(cluster, 'postgres', `DROP DATABASE ${floorDb}`);
    psqlCommand(cluster, 'postgres', `DROP DATABASE ${pgvDb}`);
    if (round === 0) continue;
    add(apply, a, f);
    add(noop, n, nf);
  }
  return { apply, noop };
}

/** `pgv check` of two generated databases of about `objects` objects each, in pairs with both pg_dump -s at once. */
async function checkAtSize(cluster: BenchCluster, project: string, objects: number, options: GrowthBenchOptions): Promise<Row> {
  const units = Math.round(objects / 11.5); // check-bench's generator: ~11.5 objects a unit
  const file = path.join(project, `check-${objects}.sql`);
  writeFileSync(file, checkWorkloadSql(units));
  const dbs = [`growth_check_${objects}_a`, `growth_check_${objects}_b`] as const;
  for (const db of dbs) {
    createDatabase(cluster, db);
    const loaded = spawnSync(cluster.psql, [...psqlArgs(cluster, db), '-f', file], { encoding: 'utf8' });
    if (loaded.status !== 0) throw new Error(`loading ${file} into ${db} failed: ${loaded.stderr}`);
  }
  const reps = objects >= 20_000 ? options.bigReps : options.reps;
  const row: Row = { what: 'check (CLI)', size: objects, pairs: reps, pgv: [], floor: [], rssKb: [], floorRssKb: [] };
  for (let round = objects >= 20_000 ? 1 : 0; round <= reps; round++) {
    const [c, f] = await pair(round, () => measure(pgvCheckCommand(cluster, dbs[0], dbs[1], project)), () => measure(dumpBothCommand(cluster, dbs[0], dbs[1])));
    if (!c.stdout.includes('Identical:')) throw new Error(`pgv check printed ${JSON.stringify(c.stdout.slice(-300))}, expected "Identical:"`);
    options.log(`${round === 0 ? 'warm-up' : `round ${round}/${reps}`} check ${objects} objects: pgv check ${ms(c.ms)} vs pg_dump -s of both ${ms(f.ms)}; peak RSS ${mib(c.maxRssKb)}`);
    if (round > 0) add(row, c, f);
  }
  return row;
}

function add(row: Row, pgv: Sample, floor: Sample): void {
  row.pgv.push(pgv.ms);
  row.floor.push(floor.ms);
  if (pgv.maxRssKb !== null) row.rssKb.push(pgv.maxRssKb);
  if (floor.maxRssKb !== null) row.floorRssKb.push(floor.maxRssKb);
}

/** The growth table: one line per size, time per script (or per 1,000 objects) and peak RSS. */
function growthTable(rows: readonly Row[]): string[] {
  const header = ['measurement', 'size', 'pairs', 'pgv median', 'per unit', 'floor median', 'pgv / floor per pair [min–max]', 'peak RSS pgv', 'floor'];
  const cells = rows.map((r) => {
    const m = median(r.pgv);
    const p = pairRatios(r.pgv, r.floor);
    const unit = r.what.startsWith('check') ? `${(m / (r.size / 1000)).toFixed(1)} ms/1k obj` : `${((m / r.size) * 1000).toFixed(0)} µs/script`;
    return [r.what, String(r.size), String(r.pairs), ms(m), unit, ms(median(r.floor)), p ? formatPairs(p) : '-', r.rssKb.length ? mib(median(r.rssKb)) : '?', r.floorRssKb.length ? mib(median(r.floorRssKb)) : '?'];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  return ['', `growth (peak RSS via ${rssMethod}; floors: psql session for apply, node + pg + one query for no-op, both pg_dump -s for check):`, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line), ''];
}

/** The real CLI (or, without GNU time, the wrapper that runs its main and reports peak RSS). */
function cliEntry(): string {
  return rssMethod === 'gnu-time' ? pgvBin : path.join(repoRoot, 'dist', 'bench', 'rss-main.js');
}

function pgvApplyCommand(config: string, cwd: string): Command {
  return { file: process.execPath, args: [cliEntry(), 'apply', '-q', '-c', config], cwd, env: { NO_COLOR: '1' } };
}

function pgvCheckCommand(cluster: BenchCluster, a: string, b: string, cwd: string): Command {
  const url = (db: string) => `postgresql://postgres@/${db}?host=${encodeURIComponent(cluster.socketDir)}&port=${cluster.port}`;
  return { file: process.execPath, args: [cliEntry(), 'check', '--db1', url(a), '--db2', url(b)], cwd, env: { NO_COLOR: '1' } };
}

/** Both schema-only dumps at once, through a shell that fails when either fails (as check-bench). */
function dumpBothCommand(cluster: BenchCluster, a: string, b: string): Command {
  const pgDump = path.join(path.dirname(cluster.psql), 'pg_dump');
  const one = (db: string) => [pgDump, '-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'postgres', '--schema-only', '-f', '/dev/null', db].map((s) => `'${s.replace(/'/g, `'\\''`)}'`).join(' ');
  return { file: '/bin/sh', args: ['-c', `${one(a)} & p1=$!; ${one(b)} & p2=$!; wait $p1 && wait $p2`] };
}

const ms = (v: number) => `${Math.round(v)} ms`;
const mib = (kb: number | null) => (kb === null ? '?' : `${Math.round(kb / 1024)} MiB`);
