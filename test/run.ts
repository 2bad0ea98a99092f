/**
 * `npm test`: start one throwaway PostgreSQL cluster with pgv's own embedded-server code, run the
 * unit suites, then the integration suites in parallel worker processes against it (each test
 * makes its own database), stop the cluster, exit with the suites' status. Nothing skips for lack
 * of a database. PGV_TEST_WORKERS=N sets the number of workers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterLayout, startServer, stopServer } from '../lib/server/embedded.js';
import type { EmbeddedServerConfig } from '../lib/config/types.js';
import { environmentFor } from './pg-major.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

async function main(): Promise<number> {
  // PGV_TEST_PG=N: the cluster, and every pgv the tests start, use PostgreSQL N's server programs.
  if (process.env.PGV_TEST_PG) Object.assign(process.env, await environmentFor(Number(process.env.PGV_TEST_PG), process.env, root));
  const temp = mkdtempSync(path.join(os.tmpdir(), 'pgv-test-'));
  // When tests run as root the server runs as an unprivileged account, which must reach this folder.
  chmodSync(temp, 0o755);
  const server: EmbeddedServerConfig = { mode: 'embedded', dir: path.join(temp, 'cluster'), port: 5432, tcp: false, settings: { max_connections: '200' } };
  const stop = async () => {
    await stopServer(server, { env: process.env }).catch((e) => console.error(`could not stop the test cluster: ${e}`));
    rmSync(temp, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    for (const c of children) c.kill(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const t0 = Date.now();
    await startServer(server, { env: process.env, throwaway: true });
    const layout = clusterLayout(server);
    console.log(`test cluster ready in ${Date.now() - t0} ms (socket ${layout.socketDir})`);
    // `npm test -- apply` runs the suites whose path matches "apply".
    const filter = process.argv[2];
    const env = { ...process.env, PGV_TEST_SOCKET_DIR: layout.socketDir, PGV_TEST_PORT: String(layout.port), PGV_TEST_TEMP: temp };
    const files = (dir: string) => testFiles(path.join(root, 'dist', 'test', dir)).filter((f) => !filter || new RegExp(filter).test(path.relative(path.join(root, 'dist', 'test'), f)));
    // Unit tests first (fast, no server needed); then the integration files in parallel workers
    // against the one server, the slowest first (durations of the last run, else file size).
    const totals = { total: 0, passed: 0, skipped: 0, failedFiles: [] as string[] };
    await runFiles(files('unit'), os.availableParallelism(), env, totals);
    const durations = readDurations();
    const integration = files('integration').sort((a, b) => (durations[rel(b)] ?? statSync(b).size) - (durations[rel(a)] ?? statSync(a).size));
    const workers = Number(process.env.PGV_TEST_WORKERS) || Math.max(2, os.availableParallelism() * 2);
    const t1 = Date.now();
    await runFiles(integration, workers, env, totals, durations);
    writeDurations(durations);
    const failed = totals.total - totals.passed - totals.skipped;
    console.log(`integration: ${integration.length} files in ${workers} workers, ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    if (totals.failedFiles.length) console.log(`failed files: ${totals.failedFiles.map(rel).join(', ')}`);
    // The plain closing line CI systems read.
    console.log(`${totals.passed} passed, ${failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
    return failed > 0 || totals.failedFiles.length > 0 || totals.total === 0 ? 1 : 0;
  } finally {
    await stop();
  }
}

/** Test processes still running (stopped on SIGINT/SIGTERM). */
const children = new Set<ChildProcess>();

function rel(file: string): string {
  return path.relative(path.join(root, 'dist', 'test'), file);
}

/** Every *.test.js under `dir`, sorted. */
function testFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => path.join(dir, f))
    .sort();
}

const durationsFile = path.join(root, 'dist', 'test', '.durations.json');

function readDurations(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(durationsFile, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

function writeDurations(d: Record<string, number>): void {
  writeFileSync(durationsFile, JSON.stringify(d, null, 1));
}

/**
 * Run test files, `workers` at once, each in its own Node process (a uvu file runs itself); print
 * each file's output whole when it ends, so that parallel files do not interleave; add up uvu's totals.
 */
async function runFiles(
  list: readonly string[],
  workers: number,
  env: NodeJS.ProcessEnv,
  totals: { total: number; passed: number; skipped: number; failedFiles: string[] },
  durations?: Record<string, number>,
): Promise<void> {
  let next = 0;
  const one = (file: string) =>
    new Promise<void>((resolve) => {
      const t0 = Date.now();
      const c = spawn(process.execPath, [file], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(c);
      let out = '';
      c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      c.on('close', (code, signal) => {
        children.delete(c);
        if (durations) durations[rel(file)] = Date.now() - t0;
        const plain = out.replace(/\u001b\[[0-9;]*m/g, '');
        const n = (label: string) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? 0);
        totals.total += n('Total');
        totals.passed += n('Passed');
        totals.skipped += n('Skipped');
        // A file that crashed before uvu's totals, or exited non-zero, fails the run.
        if (code !== 0 || signal || n('Total') === 0) totals.failedFiles.push(file);
        process.stdout.write(`${rel(file)} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n${out}\n`);
        resolve();
      });
    });
  const worker = async () => {
    while (next < list.length) await one(list[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, list.length)) }, worker));
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
