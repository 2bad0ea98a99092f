/**
 * `npm run bench`: start a throwaway PostgreSQL cluster with pgv's embedded-server code, measure
 * pgv against floors measured in the same run (medians of per-pair ratios over BENCH_REPS
 * interleaved rounds, default 9, with min and max), print a table and write bench/results/latest.json. Exits 0 when a goal is missed (a bench
 * reports, it does not judge); exits 1 when something fails (pgv or psql exits non-zero).
 * BENCH_RSS_VIA=self-report measures peak memory without GNU time (the fallback path);
 * BENCH_ONLY=startup|apply|snapshot|check|dump|lint|trace|growth|peers|fleet runs those sections (a
 * comma list: startup,snapshot); growth, peers and fleet run only when named: they take minutes
 * (see growth-bench.ts, peers-bench.ts and fleet-bench.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runApplyBench, type Measurement } from './apply-bench.js';
import { runSnapshotBench } from './snapshot-bench.js';
import { runCheckBench } from './check-bench.js';
import { runDumpBench } from './dump-bench.js';
import { runLintBench } from './lint-bench.js';
import { runTraceBench } from './trace-bench.js';
import { runGrowthBench } from './growth-bench.js';
import { runPeersBench } from './peers-bench.js';
import { runStartupBench } from './startup-bench.js';
import { runFleetBench } from './fleet-bench.js';
import { withBenchCluster } from './cluster.js';
import { rssMethod } from './measure.js';
import { renderTable, resultsJson, summarize } from './report.js';
import { serverBinaryVersion } from '../lib/server/embedded.js';
import { pgvVersion } from '../lib/version.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.resolve(here, '..', '..', 'bench', 'results');
const scripts = 1000;
const checkObjects = 2000;

function repetitions(): number {
  return positive('BENCH_REPS', 9);
}

/** A positive integer from the environment, or the default. */
function positive(name: string, fallback: number): number {
  const raw = process.env[name] ?? String(fallback);
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not ${JSON.stringify(raw)}`);
  return value;
}

/** BENCH_GROWTH_SIZES=100,1000 and BENCH_GROWTH_OBJECTS=2000: other sizes for the growth bench (a quick look). */
function sizes(): { sizes?: number[]; objects?: number[] } {
  const list = (name: string) => (process.env[name] ? process.env[name]!.split(',').map(Number) : undefined);
  const [s, o] = [list('BENCH_GROWTH_SIZES'), list('BENCH_GROWTH_OBJECTS')];
  return { ...(s ? { sizes: s } : {}), ...(o ? { objects: o } : {}) };
}

async function main(): Promise<void> {
  const reps = repetitions();
  const t0 = performance.now();
  const log = (line: string) => console.error(line);
  // BENCH_ONLY=startup, apply, snapshot, check, dump, lint or trace runs one section (a comma list: those).
  const sections = process.env.BENCH_ONLY?.split(',').map((x) => x.trim()).filter(Boolean);
  const wanted = (section: string) => !sections?.length || sections.includes(section);
  const summaries = await withBenchCluster(async (cluster) => {
    log(`bench cluster ready (socket ${cluster.socketDir}); ${reps} repetition${reps === 1 ? "" : "s"} after one warm-up, ${scripts} scripts`);
    const measurements: Measurement[] = [];
    if (wanted('startup')) measurements.push(...(await runStartupBench(cluster, { reps, log })));
    if (wanted('apply')) measurements.push(...(await runApplyBench(cluster, { scripts, reps, log })));
    if (wanted('snapshot')) measurements.push(...(await runSnapshotBench(cluster, { reps, log })));
    if (wanted('check')) measurements.push(...(await runCheckBench(cluster, { objects: checkObjects, reps, log })));
    if (wanted('dump')) measurements.push(...(await runDumpBench(cluster, { reps, log })));
    if (wanted('lint')) measurements.push(...(await runLintBench(cluster.temp, { scripts, reps, log })));
    if (wanted('trace')) measurements.push(...(await runTraceBench(cluster, { reps, log })));
    if (sections?.includes('peers')) measurements.push(...(await runPeersBench(cluster, { scripts, reps, log, peers: process.env.BENCH_PEERS ?? '/work/peers' })));
    if (sections?.includes('growth')) measurements.push(...(await runGrowthBench(cluster, { reps, bigReps: positive('BENCH_GROWTH_BIG_REPS', 3), log, ...sizes() })));
    // Its own clusters: BENCH_FLEET_SERVERS × BENCH_FLEET_DATABASES (default 4 × 250); BENCH_FLEET_LOOP
    // databases (default 100) for the pgv-apply-per-database loop.
    if (sections?.includes('fleet')) measurements.push(...(await runFleetBench({ reps, log, servers: positive('BENCH_FLEET_SERVERS', 4), perServer: positive('BENCH_FLEET_DATABASES', 250), loopSample: positive('BENCH_FLEET_LOOP', 100) })));
    return summarize(measurements);
  });
  console.log(renderTable(summaries));
  const context = {
    date: new Date().toISOString(),
    pgv_version: pgvVersion,
    node: process.version,
    postgres: await serverBinaryVersion(process.env),
    cpus: os.cpus().length,
    repetitions: reps,
    rss_method: rssMethod,
    duration_s: Math.round((performance.now() - t0) / 100) / 10,
  };
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 'latest.json');
  writeFileSync(file, JSON.stringify(resultsJson(summaries, context), null, 2) + '\n');
  const goals = summaries.filter((s) => Number.isFinite(s.goal));
  console.log(`\n${goals.filter((s) => s.met).length} of ${goals.length} goals met; results in ${path.relative(process.cwd(), file)} (${context.duration_s} s)`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench failed: ${(e as Error)?.stack ?? e}`);
    process.exit(1);
  },
);
