/** Running the real `pgv` binary (the bundled CLI package.json's `bin` names) and writing throwaway projects. */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cluster } from './db.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root. */
export const repoRoot = path.resolve(here, '..', '..', '..');
/** The CLI users get: the file package.json's `bin` names (bin/pgv.js, which imports esbuild's bundle dist/bin/pgv.js). */
export const cliPath = path.join(repoRoot, (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { bin: { pgv: string } }).bin.pgv);
/** The fixtures folder. */
export const fixtures = path.join(repoRoot, 'fixtures');

/** What a pgv run left behind. */
export interface PgvRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options for one run. */
export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  readonly uid?: number;
  readonly gid?: number;
  readonly input?: string;
}

/** Run pgv with `args`; never throws for a non-zero exit. */
export function runPgv(args: readonly string[], options: RunOptions = {}): Promise<PgvRun> {
  return spawnPgv(args, options).done;
}

/** A pgv process still running: its child process (to kill) and its outcome. */
export interface RunningPgv {
  readonly child: ChildProcess;
  readonly done: Promise<PgvRun>;
  /** stderr so far. */
  stderr(): string;
}

/** Start pgv with `args` without waiting for it. */
export function spawnPgv(args: readonly string[], options: RunOptions = {}): RunningPgv {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...options.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: options.cwd ?? repoRoot,
    env,
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<PgvRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      // A Node warning (pg's deprecations, an unhandled rejection...) printed to a user is a defect, whatever the test checks.
      const warning = /\(node:\d+\) \w*Warning: .*/.exec(stderr);
      if (warning) reject(new Error(`pgv ${args.join(' ')} printed a Node warning: ${warning[0]}`));
      else resolve({ code: code ?? (signal ? -1 : 0), stdout, stderr });
    });
  });
  child.stdin.end(options.input ?? '');
  return { child, done, stderr: () => stderr };
}

/** Parse stdout as the one JSON document it must be. */
export function jsonOf(run: PgvRun): any {
  try {
    return JSON.parse(run.stdout);
  } catch {
    throw new Error(`stdout is not JSON (exit ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}

/** Make a temporary project directory (world-readable, so an unprivileged account can use it). */
export function makeProject(prefix = 'proj'): string {
  const base = process.env.PGV_TEST_TEMP ?? '/tmp';
  const dir = mkdtempSync(path.join(base, `${prefix}-`));
  chmodSync(dir, 0o755);
  return dir;
}

/** Write files (relative path → content) into a project. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

/** Copy a fixture directory into a project. */
export function copyFixture(fixture: string, dir: string, as: string): string {
  const target = path.join(dir, as);
  cpSync(path.join(fixtures, fixture), target, { recursive: true });
  return target;
}

/** YAML connection block that reaches the test cluster. */
export function testConnectionYaml(): string {
  return `connection:\n  host: ${JSON.stringify(cluster.socketDir)}\n  port: ${cluster.port}\n  user: postgres\n`;
}

/** A config with one schema part named `app`. */
export function schemaConfig(dbname: string, schemaDir: string, extra = ''): string {
  return `${testConnectionYaml()}parts:\n  app:\n    recipe: schema\n    dbname: ${JSON.stringify(dbname)}\n    schema: ${JSON.stringify(schemaDir)}\n${extra}`;
}
