/**
 * `npm run bench`: start a throwaway PostgreSQL cluster with pgv's embedded-server code, measure
 * pgv against floors measured in the same run (ratios, medians of BENCH_REPS repetitions, default
 * 3), print a table and write bench/results/latest.json. Exits 0 when a goal is missed (a bench
 * reports, it does not judge); exits 1 when something fails (pgv or psql exits non-zero).
 * BENCH_RSS_VIA=self-report measures peak memory without GNU time (the fallback path);
 * BENCH_ONLY=apply|snapshot|check|dump|lint|trace|fleet runs one section.
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
  const raw = process.env.BENCH_REPS ?? '3';
  const reps = Number(raw);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`BENCH_REPS must be a positive integer, not ${JSON.stringify(raw)}`);
  return reps;
}

/** A positive whole number from the environment, or `dflt`. */
function envInt(name: string, dflt: number): number {
  const raw = process.env[name];
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not ${JSON.stringify(raw)}`);
  return n;
}

async function main(): Promise<void> {
  const reps = repetitions();
  const t0 = performance.now();
  const log = (line: string) => console.error(line);
  // BENCH_ONLY=apply, snapshot, check, dump, lint, trace or fleet runs one section.
  const only = process.env.BENCH_ONLY;
  const summaries = await withBenchCluster(async (cluster) => {
    log(`bench cluster ready (socket ${cluster.socketDir}); ${reps} repetition${reps === 1 ? "" : "s"} after one warm-up, ${scripts} scripts`);
    const measurements: Measurement[] = [];
    if (!only || only === 'apply') measurements.push(...(await runApplyBench(cluster, { scripts, reps, log })));
    if (!only || only === 'snapshot') measurements.push(...(await runSnapshotBench(cluster, { reps, log })));
    if (!only || only === 'check') measurements.push(...(await runCheckBench(cluster, { objects: checkObjects, reps, log })));
    if (!only || only === 'dump') measurements.push(...(await runDumpBench(cluster, { reps, log })));
    if (!only || only === 'lint') measurements.push(...(await runLintBench(cluster.temp, { scripts, reps, log })));
    if (!only || only === 'trace') measurements.push(...(await runTraceBench(cluster, { reps, log })));
    // Its own clusters: BENCH_FLEET_SERVERS × BENCH_FLEET_DATABASES (default 4 × 250); BENCH_FLEET_LOOP
    // databases (default 100) for the pgv-apply-per-database loop.
    if (!only || only === 'fleet') measurements.push(...(await runFleetBench({ reps, log, servers: envInt('BENCH_FLEET_SERVERS', 4), perServer: envInt('BENCH_FLEET_DATABASES', 250), loopSample: envInt('BENCH_FLEET_LOOP', 100) })));
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
  console.log(`\n${summaries.filter((s) => s.met).length} of ${summaries.length} goals met; results in ${path.relative(process.cwd(), file)} (${context.duration_s} s)`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench failed: ${(e as Error)?.stack ?? e}`);
    process.exit(1);
  },
);
