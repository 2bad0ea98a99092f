/**
 * The fleet measurements: 4 local clusters (started here, unix sockets only) × 250 databases,
 * each a `CREATE DATABASE … TEMPLATE` copy of one database at version 1. Per round:
 *   a. one update applied to all 1000 databases by one `pgv apply` of the fleet config, against
 *      the raw psql floor (per server two psql sessions, each `\connect`ing to its databases in
 *      turn: `BEGIN; script; ledger INSERT; COMMIT`), and against a loop of `pgv apply` per
 *      database (run over a sample of the databases, scaled to 1000);
 *   b. the census (`pgv info --fleet`) of the 1000, against a check-style read of every catalog
 *      with one reader per server (4 Node processes, each inspecting its 250 databases in turn);
 *   c. the peak memory of the fleet apply, against a `pgv apply` of one database.
 * The fleet apply and the psql floor apply successive updates to the same databases (`--to`),
 * alternating which goes first.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { psqlArgs, psqlCommand, withBenchClusters, type BenchCluster } from './cluster.js';
import { measure, pair, rssMethod, type Command, type Sample } from './measure.js';
import type { Measurement } from './apply-bench.js';
import { ledgerTable, updateScript, writeConfig, writeSchemaDirectory } from './workload.js';
import { quoteIdent, quoteLiteral, quoteQualified } from '../lib/db/ident.js';
import { pgvVersion } from '../lib/version.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const cli = path.join(repoRoot, 'dist', 'lib', 'cli.js');

/** What the fleet bench needs to know. */
export interface FleetBenchOptions {
  /** Measured repetitions; one unrecorded warm-up round runs first. */
  readonly reps: number;
  readonly log: (line: string) => void;
  /** Servers (default 4) and databases per server (default 250). */
  readonly servers?: number;
  readonly perServer?: number;
  /** Databases the per-database loop runs over, spread over the servers (default 100). */
  readonly loopSample?: number;
  /** pgv's --concurrency for the fleet apply and the census (default 8). */
  readonly concurrency?: number;
}

/** Start the clusters, build the fleet, run the warm-up and `reps` rounds; returns measurements a–c. */
export async function runFleetBench(options: FleetBenchOptions): Promise<Measurement[]> {
  const servers = options.servers ?? 4;
  const perServer = options.perServer ?? 250;
  const loopSample = options.loopSample ?? 100;
  const concurrency = options.concurrency ?? 8;
  const total = servers * perServer;
  const rounds = options.reps + 1;
  // pgv observes every selected database before it plans: room for all of one server's at once.
  const settings = { max_connections: String(perServer + Math.ceil(loopSample / servers) + 20) };
  return withBenchClusters(servers, settings, async (clusters) => {
    const t0 = performance.now();
    const project = path.join(clusters[0]!.temp, 'fleet');
    mkdirSync(project, { recursive: true });
    // Version 1 for the template, then two updates per round (pgv's and the floor's).
    const schemaDir = writeSchemaDirectory(path.join(project, 'schema'), 1 + 2 * rounds);
    const names = Array.from({ length: perServer }, (_, i) => `tenant_${String(i + 1).padStart(4, '0')}`);
    const loopNames = Array.from({ length: Math.ceil(loopSample / servers) }, (_, i) => `loop_${String(i + 1).padStart(4, '0')}`);
    await Promise.all(clusters.map((c, i) => buildServer(c, i, project, schemaDir, [...names, ...loopNames])));
    options.log(`fleet: ${servers} clusters × ${perServer} databases (+${loopNames.length * servers} for the per-database loop) built in ${Math.round(performance.now() - t0)} ms`);

    const fleetConfig = writeFleetConfig(path.join(project, 'fleet.yaml'), clusters, schemaDir);
    const loopConfigs = clusters.flatMap((c, i) => loopNames.map((db) => writeConfig(path.join(project, `loop-${i + 1}-${db}.yaml`), c, db, schemaDir)));
    const apply = { pgv: [] as number[], floor: [] as number[] };
    const loop = { pgv: [] as number[], floor: [] as number[] };
    const census = { pgv: [] as number[], floor: [] as number[] };
    const rss = { pgv: [] as number[], floor: [] as number[] };
    let version = 1;
    for (let round = 0; round < rounds; round++) {
      // This round's two updates: pgv's and the floor's, in alternating order.
      const pgvFirst = round % 2 === 0;
      const pgvVersion_ = pgvFirst ? version + 1 : version + 2;
      const floorVersion = pgvFirst ? version + 2 : version + 1;
      const fleet = pgvCommand(['apply', '-q', '-c', fleetConfig, '--to', String(pgvVersion_), '--concurrency', String(concurrency)], project);
      const floor = floorCommand(clusters, names, floorVersion, path.join(project, `floor-${round}`));
      let fleetRun: Sample;
      let floorRun: Sample;
      if (pgvFirst) {
        fleetRun = await measure(fleet);
        floorRun = await measure(floor);
      } else {
        floorRun = await measure(floor);
        fleetRun = await measure(fleet);
      }
      version += 2;
      assertVersions(clusters, names, version);
      // The loop: the update of this round on the sample, one pgv apply after the other (the
      // first one measured apart, for its peak memory).
      const one = await measure(pgvCommand(['apply', '-q', '-c', loopConfigs[0]!, '--to', String(round + 2)], project));
      const rest = await measure(loopCommand(loopConfigs.slice(1), round + 2));
      const loopRun = { ms: one.ms + rest.ms };
      const [censusRun, readRun] = await pair(round, () => measure(pgvCommand(['info', '--fleet', '--json', '-c', fleetConfig, '--concurrency', String(Math.max(1, Math.round(concurrency / servers)))], project)), () => measure(readFloorCommand(clusters, names)));
      const groups = JSON.parse(censusRun.stdout).groups as { count: number }[];
      if (groups.length !== 1 || groups[0]!.count !== total) throw new Error(`the census found ${groups.map((g) => g.count).join(' + ')} databases in ${groups.length} groups, expected ${total} in 1`);
      const loopScaled = (loopRun.ms * total) / (loopNames.length * servers);
      const label = round === 0 ? 'warm-up' : `round ${round}/${options.reps}`;
      options.log(
        `${label}: fleet apply ${ms(fleetRun.ms)} vs psql ${ms(floorRun.ms)} vs pgv apply per database ${ms(loopRun.ms)} for ${loopNames.length * servers} (${ms(loopScaled)} scaled to ${total}); ` +
          `census ${ms(censusRun.ms)} vs a read per server ${ms(readRun.ms)}; peak RSS ${kb(fleetRun)} (fleet) vs ${kb(one)} (one database)`,
      );
      if (round === 0) continue;
      apply.pgv.push(fleetRun.ms);
      apply.floor.push(floorRun.ms);
      loop.pgv.push(fleetRun.ms);
      loop.floor.push(loopScaled);
      census.pgv.push(censusRun.ms);
      census.floor.push(readRun.ms);
      if (fleetRun.maxRssKb !== null && one.maxRssKb !== null) {
        rss.pgv.push(fleetRun.maxRssKb);
        rss.floor.push(one.maxRssKb);
      }
    }
    // No goals were given; these are the bench's own.
    const measurements: Measurement[] = [
      { name: `fleet apply, 1 update × ${total} databases`, unit: 'ms', goal: 2, ...apply, floorDescription: `psql, 2 sessions per server, \\connect to each database: BEGIN; script; ledger INSERT; COMMIT (pgv: --concurrency ${concurrency})` },
      { name: `fleet apply vs pgv apply per database`, unit: 'ms', goal: 0.25, ...loop, floorDescription: `a loop of pgv apply, one process per database, over ${loopNames.length * servers} databases, scaled to ${total}` },
      { name: `census of ${total} databases`, unit: 'ms', goal: 1.5, ...census, floorDescription: `check's catalog read of every database, one Node reader per server in turn (pgv: --concurrency ${Math.max(1, Math.round(concurrency / servers))} per server)` },
    ];
    if (rss.pgv.length) measurements.push({ name: `peak RSS, fleet apply of ${total}`, unit: 'KiB', goal: 3, ...rss, floorDescription: `max RSS of pgv apply of one update to one database, via ${rssMethod}` });
    else options.log('peak RSS: not measured (no GNU time and no self-report)');
    return measurements;
  });
}

/** One server: a template database at version 1 (by pgv), then its copies (CREATE DATABASE … TEMPLATE). */
async function buildServer(cluster: BenchCluster, index: number, project: string, schemaDir: string, dbnames: readonly string[]): Promise<void> {
  psqlCommand(cluster, 'postgres', 'CREATE DATABASE fleet_template');
  const config = writeConfig(path.join(project, `template-${index + 1}.yaml`), cluster, 'fleet_template', schemaDir);
  await measure(pgvCommand(['apply', '-q', '-c', config, '--to', '1'], project));
  const file = path.join(project, `create-${index + 1}.sql`);
  writeFileSync(file, dbnames.map((db) => `CREATE DATABASE ${quoteIdent(db)} TEMPLATE fleet_template;\n`).join(''));
  await measure({ file: cluster.psql, args: [...psqlArgs(cluster, 'postgres'), '-f', file] });
}

/** The fleet as one config: a server per cluster, one `for_each` part over the tenant databases each server has. */
function writeFleetConfig(file: string, clusters: readonly BenchCluster[], schemaDir: string): string {
  const lines = ['servers:'];
  clusters.forEach((c, i) => lines.push(`  s${i + 1}:`, `    host: ${JSON.stringify(c.socketDir)}`, `    port: ${c.port}`, '    user: postgres'));
  lines.push(
    'parts:',
    '  tenant:',
    '    recipe: schema',
    `    schema: ${JSON.stringify(schemaDir)}`,
    '    for_each:',
    `      servers: [${clusters.map((_, i) => `s${i + 1}`).join(', ')}]`,
    `      query: "select datname from pg_database where datname like 'tenant\\\\_%' order by 1"`,
  );
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** The psql floor for update `version` on every database: per server, two sessions over half the databases each, all at once. */
function floorCommand(clusters: readonly BenchCluster[], names: readonly string[], version: number, prefix: string): Command {
  const text = updateScript(version);
  const checksum = createHash('sha256').update(text).digest('hex');
  const values = [String(version), `update${version}.sql`, 'update', checksum].map(quoteLiteral).join(', ');
  const perDatabase =
    `BEGIN;\n${text}INSERT INTO ${quoteQualified(ledgerTable)} (version, script, kind, checksum, duration_ms, success, pgv_version, installed_by) ` +
    `VALUES (${values}, 0, true, ${quoteLiteral(pgvVersion)}, session_user);\nCOMMIT;\n`;
  const sessions: string[] = [];
  clusters.forEach((c, i) => {
    const half = Math.ceil(names.length / 2);
    for (const [j, chunk] of [names.slice(0, half), names.slice(half)].entries()) {
      const file = `${prefix}-${i + 1}-${j + 1}.sql`;
      writeFileSync(file, chunk.map((db) => `\\connect ${db}\n${perDatabase}`).join(''));
      sessions.push([c.psql, ...psqlArgs(c, chunk[0]!), '-f', file].map(shellQuote).join(' '));
    }
  });
  return parallel(sessions);
}

/** The census floor: per server, one Node process reading each database's catalog as check does. */
function readFloorCommand(clusters: readonly BenchCluster[], names: readonly string[]): Command {
  const reader = path.join(repoRoot, 'dist', 'bench', 'fleet-read-main.js');
  return parallel(clusters.map((c) => [process.execPath, reader, c.socketDir, String(c.port), ...names].map(shellQuote).join(' ')));
}

/** The per-database loop: `pgv apply --to VERSION` with each config, one after the other. */
function loopCommand(configs: readonly string[], version: number): Command {
  const one = (config: string) => [process.execPath, cli, 'apply', '-q', '-c', config, '--to', String(version)].map(shellQuote).join(' ');
  return { file: '/bin/sh', args: ['-c', configs.map((c) => `${one(c)} >/dev/null || exit 1`).join('\n')], env: { NO_COLOR: '1' } };
}

/** Commands run at once by one shell, which fails when any of them fails. */
function parallel(commands: readonly string[]): Command {
  const script = [...commands.map((c, i) => `${c} >/dev/null & p${i}=$!`), `s=0; ${commands.map((_, i) => `wait $p${i} || s=1;`).join(' ')} exit $s`].join('\n');
  return { file: '/bin/sh', args: ['-c', script] };
}

/** The real CLI (or, without GNU time, the wrapper that runs its main and reports peak RSS). */
function pgvCommand(args: readonly string[], cwd: string): Command {
  const entry = rssMethod === 'gnu-time' ? cli : path.join(repoRoot, 'dist', 'bench', 'rss-main.js');
  return { file: process.execPath, args: [entry, ...args], cwd, env: { NO_COLOR: '1' } };
}

/** The first and last database of each server have `version` ledger rows (the census after checks them all). */
function assertVersions(clusters: readonly BenchCluster[], names: readonly string[], version: number): void {
  for (const c of clusters) {
    for (const db of [names[0]!, names[names.length - 1]!]) {
      const rows = psqlCommand(c, db, `SELECT count(*) FROM ${quoteQualified(ledgerTable)}`);
      if (rows !== String(version)) throw new Error(`${db} on ${c.socketDir}: ${rows} ledger rows, expected ${version}`);
    }
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const ms = (v: number) => `${Math.round(v)} ms`;
const kb = (s: Sample) => (s.maxRssKb === null ? '?' : `${Math.round(s.maxRssKb / 1024)} MiB`);
