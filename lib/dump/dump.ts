/**
 * `dumpDatabase`: pg_dump of one database into a file (or a folder, for the directory format),
 * with a pg_dump whose version can handle the server. The dump is written under a temporary
 * name beside the target and renamed when pg_dump succeeds: a failed dump never replaces a good
 * one.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { connect } from '../db/client.js';
import type { ConnectionSpec } from '../db/connection.js';
import { PgvError, isPgvError, usageError } from '../errors.js';
import { formatForName, type DumpFormat } from './archive.js';
import { dumpActivity } from './progress.js';
import { runClient, toolFailure } from './run-tool.js';
import { serverVersionOf } from '../db/databases.js';
import { prepareToRun } from '../tools/run.js';
import { findClientToolFor, type ClientTool } from './tools.js';

/** How to dump. */
export interface DumpOptions {
  /** Default: plain for `*.sql`, tar for `*.tar`, custom otherwise. */
  readonly format?: DumpFormat;
  /** Parallel pg_dump workers (directory format only). */
  readonly jobs?: number;
  readonly schemaOnly?: boolean;
  /** pg_dump schema patterns to leave out. */
  readonly excludeSchemas?: readonly string[];
  /** The environment pgv runs in: where pg_dump is found and what it inherits (minus libpq's connection variables). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** What pg_dump is doing now ("dumping contents of table public.t"), from its --verbose lines. */
  readonly onProgress?: (activity: string) => void;
  /** Called once pg_dump is chosen and before it starts. */
  readonly onStart?: (info: { tool: ClientTool; format: DumpFormat }) => void;
  /** Called with pg_dump's process id once it runs. */
  readonly onSpawn?: (pid: number, tool: ClientTool) => void;
  /** Aborting it stops pg_dump; the partial output is removed. */
  readonly signal?: AbortSignal;
}

/** What a dump produced. */
export interface DumpResult {
  readonly database: string;
  /** Absolute path of the file (or folder). */
  readonly file: string;
  readonly format: DumpFormat;
  readonly durationMs: number;
  /** Size on disk (all files, for the directory format). */
  readonly bytes: number;
  readonly tool: ClientTool;
  /** `server_version_num` of the dumped server. */
  readonly serverVersion: number;
}

/** Dump the database of `spec` into `file` (resolved against the current directory). */
export async function dumpDatabase(spec: ConnectionSpec, file: string, options: DumpOptions): Promise<DumpResult> {
  const t0 = performance.now();
  const target = path.resolve(file);
  const format = options.format ?? formatForName(target);
  checkDumpOptions(format, options);
  checkTarget(target, format);
  prepareToRun().catch(() => undefined); // loaded while connecting (a failure shows when a program runs)
  // The server's version, on a session that closes while pg_dump starts (awaited before returning).
  let closed: Promise<void> = Promise.resolve();
  const session = connect(spec).catch((e) => {
    throw isPgvError(e) && e.code === 'database_missing'
      ? new PgvError('database_missing', e.message, { hint: 'Check the database name (the part\'s dbname, or --db); `psql -l` lists the server\'s databases.', data: e.data })
      : e;
  });
  const version = session.then(async (db) => {
    try {
      return await serverVersionOf(db);
    } finally {
      closed = db.end();
    }
  });
  try {
    return await dumpWith(spec, target, format, options, t0, findClientToolFor('pg_dump', version, options.env));
  } finally {
    await closed.catch(() => undefined); // gone either way; the dump's outcome is what counts
  }
}

async function dumpWith(spec: ConnectionSpec, target: string, format: DumpFormat, options: DumpOptions, t0: number, found: Promise<{ tool: ClientTool; serverVersion: number }>): Promise<DumpResult> {
  const { tool, serverVersion } = await found;
  options.onStart?.({ tool, format });
  const partial = path.join(path.dirname(target), `.${path.basename(target)}.pgv-partial-${process.pid}`);
  const args = [
    `--format=${format}`,
    `--file=${partial}`,
    '--verbose',
    '--no-password',
    ...(options.jobs !== undefined ? [`--jobs=${options.jobs}`] : []),
    ...(options.schemaOnly ? ['--schema-only'] : []),
    ...(options.excludeSchemas ?? []).map((s) => `--exclude-schema=${s}`),
  ];
  const onProgress = options.onProgress;
  const run = {
    tool,
    args,
    spec,
    env: options.env,
    ...(onProgress ? { onStderrLine: (line: string) => { const a = dumpActivity(line); if (a) onProgress(a); } } : {}),
    ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  let ran = tool;
  try {
    const result = await runClient(run);
    ran = result.tool;
    if (result.exitCode !== 0 || result.canceled) {
      throw toolFailure(run, result, `could not dump database "${spec.dbname}"`, existsSync(target) ? `${target} was left as it was.` : `Nothing was written to ${target}.`);
    }
    if (format === 'directory' && existsSync(target)) rmSync(target, { recursive: true }); // an empty folder (checkTarget)
    renameSync(partial, target);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return { database: spec.dbname, file: target, format, durationMs: performance.now() - t0, bytes: sizeOf(target), tool: ran, serverVersion };
}

/** Usage errors in the options, before anything runs. */
function checkDumpOptions(format: DumpFormat, options: DumpOptions): void {
  if (options.jobs !== undefined && format !== 'directory') {
    throw usageError(`--jobs works only with --format directory (pg_dump writes the ${format} format with one process)`, 'Add --format directory, or leave out --jobs.');
  }
  if (options.jobs !== undefined && (!Number.isInteger(options.jobs) || options.jobs < 1)) throw usageError(`--jobs must be a positive integer, not ${options.jobs}`);
}

/** The target's folder must exist; a directory-format target must be new or an empty folder. */
function checkTarget(target: string, format: DumpFormat): void {
  const parent = path.dirname(target);
  if (!existsSync(parent)) {
    throw new PgvError('file_not_found', `cannot write ${target}: the folder ${parent} does not exist`, { hint: 'Create the folder first, or give another path with -f.', data: { file: target } });
  }
  if (!existsSync(target)) return;
  const stat = statSync(target);
  const isDir = stat.isDirectory();
  if (!isDir && !stat.isFile()) {
    // The dump is written beside the target and renamed over it: that would replace a device
    // (/dev/null, /dev/full), a pipe or a socket with a regular file.
    throw new PgvError('refused', `${target} is not a regular file (a device, pipe or socket); pgv writes a dump to a new or regular file`, {
      hint: 'Give a file path with -f (pgv writes beside it and renames when pg_dump succeeds).',
      data: { file: target },
    });
  }
  if (format === 'directory' && (!isDir || readdirSync(target).length > 0)) {
    throw new PgvError('refused', `${target} already exists${isDir ? ' and is not empty' : ' as a file'}; a directory-format dump needs a new or empty folder`, {
      hint: 'Give a new path with -f, or remove the old dump first.',
      data: { file: target },
    });
  }
  if (format !== 'directory' && isDir) {
    throw new PgvError('refused', `${target} is a folder; the ${format} format writes one file`, { hint: 'Give a file name with -f, or use --format directory.', data: { file: target } });
  }
}

/** Bytes on disk of a file, or of every file in a folder. */
function sizeOf(target: string): number {
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(target).reduce((sum, name) => sum + sizeOf(path.join(target, name)), 0);
}
