/**
 * The apply measurements, each against a floor measured in the same run and the same way:
 *   a. 1000 tiny updates with the real `pgv apply` vs one psql session running the same SQL;
 *   b. a no-op apply (everything applied) vs a Node process that loads pg and runs one query;
 *   c. peak memory of (a) vs peak memory of (b)'s floor (what any Node tool on pg costs).
 * pgv and the floor alternate which goes first, so drift does not favour one side.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase, pgvBin, psqlArgs, psqlCommand, type BenchCluster } from './cluster.js';
import { expectOutput, measure, pair, rssMethod, type Command, type Sample } from './measure.js';
import { ledgerTable, writeConfig, writeFloorSql, writeSchemaDirectory } from './workload.js';
import { quoteQualified } from '../lib/db/ident.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

/** One measurement: raw samples of both sides and the goal for pgv / floor (medians). */
export interface Measurement {
  readonly name: string;
  readonly unit: 'ms' | 'KiB';
  /** pgv's median may be at most this many times the floor's. */
  readonly goal: number;
  readonly pgv: number[];
  readonly floor: number[];
  readonly floorDescription: string;
}

/** What the apply bench needs to know. */
export interface ApplyBenchOptions {
  readonly scripts: number;
  /** Measured repetitions; one unrecorded warm-up round runs first. */
  readonly reps: number;
  readonly log: (line: string) => void;
}

/** Run the warm-up round and `reps` measured rounds; returns measurements a, b and c. */
export async function runApplyBench(cluster: BenchCluster, options: ApplyBenchOptions): Promise<Measurement[]> {
  const project = path.join(cluster.temp, 'project');
  mkdirSync(project, { recursive: true });
  const schemaDir = writeSchemaDirectory(path.join(project, 'schema'), options.scripts);
  const floorSql = writeFloorSql(path.join(project, 'floor.sql'), options.scripts);
  const n = options.scripts;
  const apply = { pgv: [] as number[], floor: [] as number[] };
  const noop = { pgv: [] as number[], floor: [] as number[] };
  const rss = { pgv: [] as number[], floor: [] as number[] };

  for (let round = 0; round <= options.reps; round++) {
    const pgvDb = `bench_pgv_${round}`;
    const floorDb = `bench_floor_${round}`;
    createDatabase(cluster, pgvDb);
    createDatabase(cluster, floorDb);
    const pgv = pgvCommand(writeConfig(path.join(project, `pgv-${round}.yaml`), cluster, pgvDb, schemaDir), project);
    const floor: Command = { file: cluster.psql, args: [...psqlArgs(cluster, floorDb), '-f', floorSql] };

    const [applied, floorApplied] = await pair(round, () => measure(pgv), () => measure(floor));
    expectOutput(applied, `now at version ${n}`, 'pgv apply');
    for (const db of [pgvDb, floorDb]) {
      const rows = psqlCommand(cluster, db, `SELECT count(*) FROM ${quoteQualified(ledgerTable)}`);
      if (rows !== String(n)) throw new Error(`${db}: the ledger has ${rows} rows, expected ${n}`);
    }
    const [idle, floorIdle] = await pair(round, () => measure(pgv), () => measure(nodeQueryCommand(cluster, pgvDb)));
    expectOutput(idle, 'up to date', 'the no-op pgv apply');

    const label = round === 0 ? 'warm-up' : `round ${round}/${options.reps}`;
    options.log(`${label}: apply ${ms(applied)} vs psql ${ms(floorApplied)}; no-op ${ms(idle)} vs node+pg ${ms(floorIdle)}; peak RSS ${kb(applied)} vs ${kb(floorIdle)}`);
    if (round === 0) continue;
    apply.pgv.push(applied.ms);
    apply.floor.push(floorApplied.ms);
    noop.pgv.push(idle.ms);
    noop.floor.push(floorIdle.ms);
    if (applied.maxRssKb !== null && floorIdle.maxRssKb !== null) {
      rss.pgv.push(applied.maxRssKb);
      rss.floor.push(floorIdle.maxRssKb);
    }
  }

  const measurements: Measurement[] = [
    { name: `apply ${n} updates`, unit: 'ms', goal: 1.15, ...apply, floorDescription: 'one psql session: per script BEGIN; script; ledger INSERT; COMMIT' },
    { name: `no-op apply (${n} applied)`, unit: 'ms', goal: 2, ...noop, floorDescription: 'node loading pg, connecting, one ledger query' },
  ];
  if (rss.pgv.length) {
    // No memory goal was given; 2× a bare Node process that loads pg is the bench's own choice.
    measurements.push({ name: `peak RSS, apply ${n} updates`, unit: 'KiB', goal: 2, ...rss, floorDescription: `max RSS of the no-op floor (node + pg), via ${rssMethod}` });
  } else {
    options.log('peak RSS: not measured (no GNU time and no self-report)');
  }
  return measurements;
}

/** The real CLI (or, without GNU time, the wrapper that runs its main and reports peak RSS). */
function pgvCommand(config: string, cwd: string): Command {
  const entry = rssMethod === 'gnu-time' ? pgvBin : path.join(repoRoot, 'dist', 'bench', 'rss-main.js');
  return { file: process.execPath, args: [entry, 'apply', '-q', '-c', config], cwd, env: { NO_COLOR: '1' } };
}

/** The no-op floor: Node loads pg, connects, reads the ledger, exits. */
export function nodeQueryCommand(cluster: BenchCluster, dbname: string): Command {
  const pgPath = path.join(repoRoot, 'node_modules', 'pg');
  const script = `
const pg = require(${JSON.stringify(pgPath)});
const client = new pg.Client();
client.connect()
  .then(() => client.query(${JSON.stringify(`SELECT version, checksum FROM ${quoteQualified(ledgerTable)} ORDER BY id`)}))
  .then(() => client.end())
  .then(() => { if (process.env.BENCH_RSS_FILE) require('fs').writeFileSync(process.env.BENCH_RSS_FILE, process.resourceUsage().maxRSS + '\\n'); },
        (e) => { console.error(e.message); process.exit(1); });`;
  return {
    file: process.execPath,
    args: ['-e', script],
    env: { PGHOST: cluster.socketDir, PGPORT: String(cluster.port), PGUSER: 'postgres', PGDATABASE: dbname },
  };
}

const ms = (s: Sample) => `${Math.round(s.ms)} ms`;
const kb = (s: Sample) => (s.maxRssKb === null ? '?' : `${Math.round(s.maxRssKb / 1024)} MiB`);
