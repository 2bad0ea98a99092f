/**
 * Python hooks: gocept.rdbmanagement's `preconditionN.py` and pum 0.x's `.py` deltas. The one
 * module that runs python. Each hook is one child process (`lib/hooks/py/pgv_hook.py`, with pgv's
 * pum.core.deltapy first on its import path) that reaches the part's database through a temporary
 * pg_service entry (PGSERVICEFILE, removed afterwards) and PGPASSWORD in its environment: the
 * password is never in its arguments nor in the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionSpec } from '../db/connection.js';
import { clientEnvironment } from '../dump/env.js';
import { PgvError } from '../errors.js';
import { runProgram } from '../tools/run.js';
import { distPath } from '../util/paths.js';

/** The folder of pgv's Python side (the runner and the pum.core.deltapy stand-in), copied there by the build. */
const pyDir = distPath('lib', 'hooks', 'py');
const runner = path.join(pyDir, 'pgv_hook.py');

/** An interpreter that can import a PostgreSQL driver. */
export interface Python {
  readonly path: string;
  readonly driver: 'psycopg' | 'psycopg2';
}

/** What a hook needs besides its file. */
export interface HookContext {
  readonly python: Python;
  readonly spec: ConnectionSpec;
  /** The environment pgv runs in (PATH, HOME, locale); libpq's connection variables are replaced. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs: number;
}

/** A pum DeltaPy's constructor arguments. */
export interface DeltaPyArgs {
  readonly currentDbVersion: string | null;
  readonly deltaDir: string;
  readonly deltaDirs: readonly string[];
  readonly upgradesTable: string;
  readonly variables: Readonly<Record<string, string | number>>;
}

const found = new Map<string, Promise<Python | null>>();

/**
 * The interpreter for a part's hooks: the first of the `python` option, PGV_PYTHON, `python3` on
 * PATH and /usr/bin/python3 that can import psycopg (3) or psycopg2. PgvError naming `file` (the
 * first hook that needs it) and what to install when there is none.
 */
export async function findPython(configured: string | undefined, env: Readonly<Record<string, string | undefined>>, file: string): Promise<Python> {
  const candidates = [...new Set([configured, env.PGV_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c))];
  const tried: string[] = [];
  for (const candidate of candidates) {
    const key = `${candidate}\0${env.PATH ?? ''}`;
    if (!found.has(key)) found.set(key, probe(candidate, env));
    const python = await found.get(key)!;
    if (python) return python;
    tried.push(candidate);
  }
  throw new PgvError('tool_missing', `${file}: no Python with a PostgreSQL driver to run it (tried ${tried.join(', ')})`, {
    hint: 'Install psycopg2 for the system Python (Debian/Ubuntu: apt-get install python3-psycopg2; elsewhere: pip install psycopg), or name an interpreter that has it with the part\'s `python` option or PGV_PYTHON. Nothing has been run.',
    data: { file, tried },
  });
}

async function probe(candidate: string, env: Readonly<Record<string, string | undefined>>): Promise<Python | null> {
  const run = await runProgram(candidate, [runner], { env: { ...baseEnv(env), PYTHONPATH: pyDir }, extendEnv: false, input: JSON.stringify({ kind: 'probe' }), timeoutMs: 30_000 });
  if (run.startError || run.exitCode !== 0) return null;
  const outcome = lastJsonLine(run.stdout) as { driver?: string | null } | null;
  return outcome?.driver === 'psycopg' || outcome?.driver === 'psycopg2' ? { path: candidate, driver: outcome.driver } : null;
}

/** Run `precondition(connection)` of a preconditionN.py; resolves when it returns, PgvError (refused) when it raises. */
export async function runPythonPrecondition(file: string, version: string, ctx: HookContext): Promise<void> {
  const outcome = await runHook({ kind: 'precondition', file }, file, ctx);
  if (!outcome.ok) {
    throw new PgvError('refused', `${path.basename(file)} vetoed update ${version}: ${outcome.message}`, {
      hint: `The database is not ready for update${version}.sql; fix what ${path.basename(file)} checks, then run apply again.`,
      details: outcome.traceback ? tracebackTail(outcome.traceback) : [],
      data: { precondition: path.basename(file), version, exception: outcome.type },
    });
  }
}

/** Run every DeltaPy subclass of a pum .py delta; PgvError (script_failed) when it raises. */
export async function runDeltaPy(file: string, args: DeltaPyArgs, ctx: HookContext): Promise<void> {
  const request = {
    kind: 'deltapy',
    file,
    module: path.basename(file, '.py').replace(/\W/g, '_'),
    current_db_version: args.currentDbVersion,
    // pum gives the directory with a trailing separator (older DeltaPy subclasses rely on it).
    delta_dir: args.deltaDir + path.sep,
    delta_dirs: args.deltaDirs,
    upgrades_table: args.upgradesTable,
    variables: args.variables,
  };
  const outcome = await runHook(request, file, ctx);
  if (!outcome.ok) {
    throw new PgvError('script_failed', `${path.basename(file)} failed: ${outcome.type ? `${outcome.type}: ` : ''}${outcome.message}`, {
      hint: `Fix ${path.basename(file)}, then run apply again; it is not recorded. What it committed itself before failing stays: check the database.`,
      details: outcome.traceback ? tracebackTail(outcome.traceback) : [],
      data: { file, exception: outcome.type },
    });
  }
}

interface Outcome {
  readonly ok: boolean;
  readonly type?: string;
  readonly message?: string;
  readonly traceback?: string;
}

/** One hook run in a child: a fresh service file, the request on stdin, the outcome on stdout. */
async function runHook(request: Record<string, unknown>, file: string, ctx: HookContext): Promise<Outcome> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgv-hook-'));
  const service = 'pgv';
  try {
    const serviceFile = path.join(dir, 'pg_service.conf');
    writeFileSync(serviceFile, serviceEntry(service, ctx.spec), { mode: 0o600 });
    const env = { ...clientEnvironment(baseEnv(ctx.env), ctx.spec), PGSERVICEFILE: serviceFile, PYTHONPATH: [pyDir, ctx.env.PYTHONPATH].filter(Boolean).join(path.delimiter), PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' };
    const lines: string[] = [];
    const run = await runProgram(ctx.python.path, [runner], {
      env,
      extendEnv: false,
      cwd: path.dirname(file),
      input: JSON.stringify({ ...request, service }),
      timeoutMs: ctx.timeoutMs,
      // What the hook prints (write_message too) is kept for the error of a crash, not shown.
      onStderrLine: (line) => void lines.push(line),
    });
    const outcome = lastJsonLine(run.stdout) as (Outcome & { driver_missing?: boolean }) | null;
    if (outcome?.ok) return outcome;
    if (outcome?.driver_missing) throw new PgvError('tool_missing', `${file}: ${ctx.python.path} cannot import psycopg or psycopg2 any more`, { hint: 'apt-get install python3-psycopg2 (Debian/Ubuntu), or pip install psycopg; nothing after it has run.' });
    if (outcome) return outcome;
    if (run.timedOut) return { ok: false, type: 'Timeout', message: `did not finish within ${formatSeconds(ctx.timeoutMs)} (hook_timeout) and was stopped` };
    if (run.startError) throw new PgvError('tool_missing', `${file}: cannot start ${ctx.python.path}: ${run.startError}`, { hint: 'Set the part\'s `python` option or PGV_PYTHON to a working interpreter.' });
    // No outcome: Python itself died (a signal, a crash in a C extension).
    return { ok: false, type: 'Crash', message: `python exited with code ${run.exitCode} without an outcome${lines.length ? `: ${lines[lines.length - 1]}` : ''}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The pg_service.conf entry reaching `spec`, without the password (PGPASSWORD carries it). */
export function serviceEntry(name: string, spec: ConnectionSpec): string {
  const value = (v: string | number) => String(v).replace(/[\r\n]/g, '');
  return [
    `[${name}]`,
    `host=${value(spec.host)}`,
    `port=${value(spec.port)}`,
    `user=${value(spec.user)}`,
    `dbname=${value(spec.dbname)}`,
    `sslmode=${value(spec.sslmode === 'no-verify' ? 'require' : spec.sslmode)}`,
    `application_name=${value(spec.application_name)}`,
    '',
  ].join('\n');
}

/** The environment minus Python's own redirections: the hook runs with pgv's runner and import path. */
function baseEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...env };
  for (const k of ['PYTHONHOME', 'PYTHONSTARTUP', 'PYTHONINSPECT']) delete out[k];
  return out;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function lastJsonLine(stdout: string): unknown {
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last);
  } catch {
    return null;
  }
}

/** The end of a traceback: where the exception was raised, which names the user's file and line. */
function tracebackTail(traceback: string): string[] {
  const lines = traceback.trimEnd().split('\n');
  const at = lines.map((l, k) => (l.startsWith('  File ') && !l.includes('pgv_hook.py') ? k : -1)).filter((k) => k >= 0);
  return at.length ? lines.slice(at[0]) : lines.slice(-3);
}
