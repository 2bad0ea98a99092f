/**
 * The fixed cost of an invocation (BENCH_ONLY=startup): what a user waits for on the short
 * commands, each against a floor measured in the same round (sides alternate which runs first):
 *   - `pgv --version` vs `node -e 0` (Node's own start);
 *   - `pgv info` and a no-op `pgv apply` of a 1-part config vs Node loading pg, connecting and
 *     running one query;
 *   - `pgv snapshot info` against the issue's target (120 ms), and vs the same node + pg floor;
 *   - `pgv dump` + `pgv restore` of an empty database against the target (300 ms for the pair),
 *     and vs pg_dump + pg_restore by hand;
 *   - what `npx pgv` adds per call to `node_modules/.bin/pgv`: the packed package installed
 *     into a temporary project outside the repository (npm's cache first, as `npm ci` left it).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Measurement } from './apply-bench.js';
import { createDatabase, pgvBin, psqlCommand, type BenchCluster } from './cluster.js';
import { expectOutput, measure, median, pair, type Command, type Sample } from './measure.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What the startup bench needs to know. */
export interface StartupBenchOptions {
  /** Measured rounds (BENCH_REPS, 9 by default); one unrecorded warm-up round runs first. */
  readonly reps: number;
  readonly log: (line: string) => void;
}

const db = 'bench_start';
const empty = 'bench_start_empty';
const emptyCopy = 'bench_start_empty_copy';

/** Set up the project, the databases and the installed package; run the rounds; clean up. */
export async function runStartupBench(cluster: BenchCluster, options: StartupBenchOptions): Promise<Measurement[]> {
  const rounds = options.reps;
  const dir = path.join(cluster.temp, 'startup-bench');
  mkdirSync(path.join(dir, 'schema'), { recursive: true });
  for (let i = 1; i <= 3; i++) writeFileSync(path.join(dir, 'schema', `update${i}.sql`), `CREATE TABLE t${i} (id int PRIMARY KEY, note text);\n`);
  const connection = `connection:\n  host: ${JSON.stringify(cluster.socketDir)}\n  port: ${cluster.port}\n  user: postgres\n`;
  const part = (name: string, dbname: string) => `  ${name}:\n    recipe: schema\n    dbname: ${dbname}\n    schema: schema\n`;
  // The 1-part config users start with; the dump part only for the dump pair.
  writeFileSync(path.join(dir, 'pgv.config.yaml'), `${connection}parts:\n${part('app', db)}`);
  writeFileSync(path.join(dir, 'dump.config.yaml'), `${connection}parts:\n${part('empty', empty)}`);
  for (const name of [db, empty]) {
    psqlCommand(cluster, 'postgres', `DROP DATABASE IF EXISTS ${name}`);
    createDatabase(cluster, name);
  }
  const env = { NO_COLOR: '1' };
  const pgv = (...args: string[]): Command => ({ file: process.execPath, args: [pgvBin, ...args], cwd: dir, env });
  await measure(pgv('apply', '-q'));
  await measure(pgv('snapshot', 'init', '-q'));
  const nodeStart: Command = { file: process.execPath, args: ['-e', '0'], cwd: dir };
  const nodePg = nodePgCommand(cluster, db, dir);
  const conn = ['-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'postgres'];
  const emptyFile = path.join(dir, 'empty.dump');
  const pgvPair = async () =>
    (await measure(pgv('dump', 'empty', '-q', '-c', 'dump.config.yaml', '-f', emptyFile))).ms + (await measure(pgv('restore', '--db', emptyCopy, '-q', '-c', 'dump.config.yaml', '-f', emptyFile))).ms;
  const floorPair = async () =>
    (await measure({ file: cluster.pgDump, args: [...conn, '--format=custom', `--file=${emptyFile}`, empty] })).ms +
    (await measure({ file: cluster.pgRestore, args: [...conn, '--single-transaction', '--exit-on-error', `--dbname=${emptyCopy}`, emptyFile] })).ms;
  const recreateCopy = () => {
    psqlCommand(cluster, 'postgres', `DROP DATABASE IF EXISTS ${emptyCopy}`);
    createDatabase(cluster, emptyCopy);
  };

  const installed = installPackedPackage(options.log);
  const bin = path.join(installed, 'node_modules', '.bin', 'pgv');
  // npm's update check would make npx's cost depend on the network; users who have it pay more.
  const npxEnv = { npm_config_update_notifier: 'false', NO_COLOR: '1' };
  const viaBin: Command = { file: bin, args: ['--version'], cwd: installed, env: npxEnv };
  const viaNpx: Command = { file: 'npx', args: ['pgv', '--version'], cwd: installed, env: npxEnv };

  const s = {
    version: { pgv: [] as number[], floor: [] as number[] },
    info: { pgv: [] as number[], floor: [] as number[] },
    apply: { pgv: [] as number[], floor: [] as number[] },
    snapshot: { pgv: [] as number[], floor: [] as number[] },
    dump: { pgv: [] as number[], floor: [] as number[] },
    npx: { pgv: [] as number[], floor: [] as number[] },
  };
  try {
    for (let round = 0; round <= rounds; round++) {
      const [v, vf] = await pair(round, () => measure(pgv('--version')), () => measure(nodeStart));
      expectOutput(v, 'pgv ', 'pgv --version');
      const [i, f1] = await pair(round, () => measure(pgv('info')), () => measure(nodePg));
      expectOutput(i, 'version: 3', 'pgv info');
      const [a, f2] = await pair(round, () => measure(pgv('apply', '-q')), () => measure(nodePg));
      const [si, f3] = await pair(round, () => measure(pgv('snapshot', 'info')), () => measure(nodePg));
      expectOutput(si, 'version', 'pgv snapshot info');
      const [d, df] = await pair(
        round,
        async () => (recreateCopy(), pgvPair()),
        async () => (recreateCopy(), floorPair()),
      );
      const [n, nb] = await pair(round, () => measure(viaNpx), () => measure(viaBin));
      expectOutput(n, 'pgv ', 'npx pgv --version');
      options.log(
        `${round === 0 ? 'warm-up' : `round ${round}/${rounds}`}: --version ${ms(v)} vs node -e 0 ${ms(vf)}; info ${ms(i)} vs node+pg ${ms(f1)}; no-op apply ${ms(a)} vs ${ms(f2)}; ` +
          `snapshot info ${ms(si)} (node+pg ${ms(f3)}); dump+restore empty ${Math.round(d)} vs ${Math.round(df)} ms; npx ${ms(n)} vs .bin ${ms(nb)}`,
      );
      if (round === 0) continue;
      push(s.version, v.ms, vf.ms);
      push(s.info, i.ms, f1.ms);
      push(s.apply, a.ms, f2.ms);
      push(s.snapshot, si.ms, f3.ms);
      push(s.dump, d, df);
      push(s.npx, n.ms, nb.ms);
    }
  } finally {
    for (const name of [`${db}~0`, db, empty, emptyCopy]) psqlCommand(cluster, 'postgres', `DROP DATABASE IF EXISTS "${name}"`);
    rmSync(installed, { recursive: true, force: true });
  }
  const npxAdds = median(s.npx.pgv.map((v, k) => v - s.npx.floor[k]!));
  options.log(
    `startup bench: snapshot info median ${Math.round(median(s.snapshot.pgv))} ms (target 120 ms); dump + restore of an empty database ${Math.round(median(s.dump.pgv))} ms (target 300 ms; by hand ${Math.round(median(s.dump.floor))} ms); ` +
      `npx adds ${Math.round(npxAdds)} ms per call (median of the per-pair differences)`,
  );
  const target = (ms: number, n: number) => Array.from({ length: n }, () => ms);
  const nodePgText = 'node -e: require pg, connect, one query (SELECT 1), end';
  return [
    { name: 'pgv --version', unit: 'ms', goal: 1.3, ...s.version, floorDescription: 'node -e 0 (Node\'s own start)' },
    { name: 'pgv info (1 part)', unit: 'ms', goal: 1.5, ...s.info, floorDescription: nodePgText },
    { name: 'no-op pgv apply (1 part)', unit: 'ms', goal: 1.5, ...s.apply, floorDescription: nodePgText },
    { name: 'pgv snapshot info vs 120 ms', unit: 'ms', goal: 1, pgv: s.snapshot.pgv, floor: target(120, s.snapshot.pgv.length), floorDescription: 'the target, 120 ms (a constant, not a measurement)' },
    { name: 'pgv snapshot info vs node + pg', unit: 'ms', goal: 1.5, ...s.snapshot, floorDescription: nodePgText },
    { name: 'dump + restore, empty database, vs 300 ms', unit: 'ms', goal: 1, pgv: s.dump.pgv, floor: target(300, s.dump.pgv.length), floorDescription: 'the target, 300 ms for the pair (a constant, not a measurement)' },
    { name: 'dump + restore, empty database, vs by hand', unit: 'ms', goal: 2, ...s.dump, floorDescription: 'pg_dump --format=custom, then pg_restore --single-transaction --exit-on-error, the same binaries' },
    { name: 'npx pgv --version vs node_modules/.bin/pgv', unit: 'ms', goal: 10, ...s.npx, floorDescription: 'node_modules/.bin/pgv --version in the same installed project (what npx adds: see the log line)' },
  ];
}

/** `npm pack` the repository (dist is built) and install it into a new folder outside the repository. */
function installPackedPackage(log: (line: string) => void): string {
  const t0 = performance.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgv-bench-npx-'));
  const npm = (args: string[], cwd: string) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env: { ...process.env, npm_config_update_notifier: 'false' }, stdio: ['ignore', 'pipe', 'inherit'] });
  npm(['pack', '--ignore-scripts', '--pack-destination', dir], repoRoot);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'pgv-bench-consumer', private: true }));
  npm(['install', '--prefer-offline', '--ignore-scripts', `./${tarball}`], dir);
  log(`startup bench: installed the packed package into ${dir} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return dir;
}

/** Node loads pg from the repository, connects, runs one query, ends. */
function nodePgCommand(cluster: BenchCluster, dbname: string, cwd: string): Command {
  const script = `const pg = require(${JSON.stringify(path.join(repoRoot, 'node_modules', 'pg'))});
const c = new pg.Client();
c.connect().then(() => c.query('SELECT 1')).then(() => c.end()).catch((e) => { console.error(e.message); process.exit(1); });`;
  return { file: process.execPath, args: ['-e', script], cwd, env: { PGHOST: cluster.socketDir, PGPORT: String(cluster.port), PGUSER: 'postgres', PGDATABASE: dbname } };
}

function push(into: { pgv: number[]; floor: number[] }, pgv: number, floor: number): void {
  into.pgv.push(pgv);
  into.floor.push(floor);
}

const ms = (s: Sample) => `${Math.round(s.ms)} ms`;
