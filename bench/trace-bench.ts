/**
 * The trace's overhead: `pgv test-and-upgrade PART --trace` against the same rehearsal untraced,
 * on a production of about 1 GB (one table, 2 million rows of ~500 bytes). The release adds a
 * column and builds an index; the reference deliberately lacks the index, so both runs copy,
 * run the scripts, build the reference, compare, drop the throwaways and stop with exit 1 before
 * production: the same phases, traced or not. Runs alternate which side goes first.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Measurement } from './apply-bench.js';
import { pgvBin, psqlCommand, type BenchCluster } from './cluster.js';
import { measure, type Command } from './measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

/** Build production, then `reps` measured pairs after one warm-up pair. */
export async function runTraceBench(cluster: BenchCluster, options: { reps: number; log: (line: string) => void }): Promise<Measurement[]> {
  const db = 'bench_trace';
  const dir = path.join(cluster.temp, 'trace-project');
  mkdirSync(path.join(dir, 'db'), { recursive: true });
  const init = 'CREATE TABLE big (id bigint PRIMARY KEY, k int NOT NULL, pad text NOT NULL);\n';
  writeFileSync(path.join(dir, 'db', 'init.sql'), init);
  writeFileSync(
    path.join(dir, 'pgv.config.yaml'),
    `connection:\n  host: ${JSON.stringify(cluster.socketDir)}\n  port: ${cluster.port}\n  user: postgres\nparts:\n  app:\n    recipe: schema\n    dbname: ${db}\n    schema: db\n    create: true\n`,
  );
  const cli = pgvBin;
  await measure({ file: process.execPath, args: [cli, 'apply', '-q'], cwd: dir });
  const t0 = performance.now();
  psqlCommand(cluster, db, "INSERT INTO big SELECT g, (g::bigint * 7919 % 1000003)::int, repeat('x', 500) FROM generate_series(1, 2000000) g; ANALYZE big; CHECKPOINT");
  const size = Number(psqlCommand(cluster, db, 'SELECT pg_database_size(current_database())'));
  options.log(`trace bench: production of ${(size / 2 ** 30).toFixed(2)} GiB built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  // The release; the reference (init.sql) lacks the index, so the rehearsal stops at the comparison.
  writeFileSync(path.join(dir, 'db', 'init.sql'), init.replace(');', ', note text);'));
  writeFileSync(path.join(dir, 'db', 'update1.sql'), 'ALTER TABLE big ADD COLUMN note text;\nCREATE INDEX big_k_idx ON big (k);\n');
  const run = (trace: boolean): Command => ({ file: process.execPath, args: [cli, 'test-and-upgrade', 'app', '-q', '--copy', 'template', ...(trace ? ['--trace'] : [])], cwd: dir, okCodes: [1] });
  const traced: number[] = [];
  const plain: number[] = [];
  for (let round = 0; round <= options.reps; round++) {
    const first = round % 2 === 0;
    const a = await measure(run(first));
    const b = await measure(run(!first));
    const [t, p] = first ? [a, b] : [b, a];
    if (round === 0) continue;
    traced.push(t.ms);
    plain.push(p.ms);
    options.log(`trace round ${round}: traced ${Math.round(t.ms)} ms vs untraced ${Math.round(p.ms)} ms (ratio ${(t.ms / p.ms).toFixed(2)})`);
  }
  psqlCommand(cluster, 'postgres', `DROP DATABASE ${db}`);
  return [{ name: `test-and-upgrade --trace on a ${(size / 2 ** 30).toFixed(1)} GiB copy`, unit: 'ms', goal: 1.1, pgv: traced, floor: plain, floorDescription: 'the same rehearsal untraced (copy, scripts, reference, compare, drop)' }];
}
