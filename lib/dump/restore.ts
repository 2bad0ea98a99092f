/**
 * `restoreDatabase`: a dump into a database, through pg_restore for archives (custom, directory,
 * tar) and psql for plain SQL files. Refuses a target that already holds user objects unless
 * `clean`; creates a missing target when `create` (and drops it again if the restore fails).
 * Without `jobs` or `clean` everything runs in one transaction: a failure leaves the target as
 * it was.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../db/client.js';
import { describeConnection, type ConnectionSpec } from '../db/connection.js';
import { quoteIdent } from '../db/ident.js';
import { PgvError, isPgvError, usageError } from '../errors.js';
import { detectFormat, parseToc, type DumpFormat, type TableOfContents } from './archive.js';
import { isDropStatement, restoredObject, restoreErrors } from './progress.js';
import { countRestoredData, describeRestoredData } from './restored-data.js';
import { runClient, toolFailure, type ClientRun } from './run-tool.js';
import { withMaintenance } from '../db/maintenance.js';
import { shielded } from '../db/cancel.js';
import { connectIfExists, createEmptyDatabase, dropCreatedDatabase, targetFacts, userObjects } from './target.js';
import { serverVersionOf } from '../db/databases.js';
import { prepareToRun } from '../tools/run.js';
import { findClientTool, findClientToolFor, type ClientTool } from './tools.js';

/** How to restore. */
export interface RestoreOptions {
  /** Parallel pg_restore workers (custom and directory formats). */
  readonly jobs?: number;
  /** Create the database (from template0) when it does not exist. */
  readonly create?: boolean;
  /** Drop the dump's objects before recreating them (pg_restore --clean --if-exists); allows a non-empty target. */
  readonly clean?: boolean;
  /** Do not give objects their owners from the dump: they belong to the user restoring (pg_restore --no-owner). */
  readonly noOwner?: boolean;
  /** Restore as this role (pg_restore --role; SET ROLE for plain SQL). */
  readonly role?: string;
  /** The environment pgv runs in: where the tools are found and what they inherit (minus libpq's connection variables). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Called once the format, the tool and (for archives) the number of objects are known. */
  readonly onStart?: (info: { format: DumpFormat; tool: ClientTool; total?: number; created: boolean }) => void;
  /** Objects restored so far (archives: of `total`; plain: statements run) and the latest one. */
  readonly onProgress?: (done: number, object: string) => void;
  /** Called with the tool's process id once it runs. */
  readonly onSpawn?: (pid: number, tool: ClientTool) => void;
  /** Aborting it stops the tool (a single-transaction restore then leaves nothing behind). */
  readonly signal?: AbortSignal;
}

/** What a restore did. */
export interface RestoreResult {
  readonly database: string;
  readonly file: string;
  readonly format: DumpFormat;
  readonly durationMs: number;
  /** Entries of the archive's table of contents (not known for plain files). */
  readonly objects?: number;
  /** Did this restore create the database? */
  readonly created: boolean;
  /** Errors of `clean`'s drop phase that pg_restore ignored (e.g. a partition's inherited key). */
  readonly warnings: readonly string[];
  readonly tool: ClientTool;
  /** The archive's header (archives only). */
  readonly toc?: TableOfContents;
}

/** Restore the dump at `file` into the database of `spec`. */
export async function restoreDatabase(spec: ConnectionSpec, file: string, options: RestoreOptions): Promise<RestoreResult> {
  const t0 = performance.now();
  const source = path.resolve(file);
  const format = detectFormat(source);
  checkRestoreOptions(format, options);
  prepareToRun().catch(() => undefined); // loaded while connecting (a failure shows when a program runs)
  const program = format === 'plain' ? 'psql' : 'pg_restore';
  // While connecting: find the first candidate tool and let it read the table of contents. When
  // the server turns out to need a newer one (rare), the newer one reads it again.
  const firstTool = findClientTool(program, undefined, options.env);
  const earlyToc = format === 'plain' ? undefined : firstTool.then((tool) => readToc(tool, source, spec, options));
  void firstTool.catch(() => undefined);
  void earlyToc?.catch(() => undefined);
  let created = false;
  let existing: Db | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= existing ? existing.end() : Promise.resolve());
  try {
    existing = await connectIfExists(spec);
    if (!existing && !options.create) {
      throw new PgvError('database_missing', `database "${spec.dbname}" does not exist (${describeConnection(spec)})`, {
        hint: 'Pass --create to create it, or restore into an existing empty database.',
        data: { database: spec.dbname },
      });
    }
    // One round trip (the session pipelines): the server's version, schema public, the objects.
    const facts = existing ? targetFacts(existing) : undefined;
    const inspection = existing && !options.clean ? refuseNonEmpty(existing, spec) : Promise.resolve();
    void facts?.catch(() => undefined);
    void inspection.catch(() => undefined);
    const serverVersion = facts ? facts.then((f) => f.serverVersion) : withMaintenance(spec, serverVersionOf);
    const { tool: chosen } = await findClientToolFor(program, serverVersion, options.env, firstTool);
    // The table of contents is read before the target is touched (a broken archive changes
    // nothing); a problem with the file is reported before one with the target.
    const early = await firstTool.catch(() => undefined);
    const [contents, inspected] = await Promise.allSettled([
      format === 'plain' ? Promise.resolve(undefined) : chosen === early ? earlyToc! : readToc(chosen, source, spec, options),
      inspection,
    ]);
    if (contents.status === 'rejected') throw contents.reason;
    if (inspected.status === 'rejected') throw inspected.reason;
    const toc = contents.value?.toc;
    let tool = contents.value?.tool ?? chosen;
    const targetHasPublic = facts ? (await facts).hasPublic : true;
    if (!existing) {
      await createEmptyDatabase(spec);
      created = true;
    }
    // pg_restore needs no company (the session closes while it starts), and a DROP DATABASE
    // after a failure none either (awaited before it).
    void close().catch(() => undefined);
    options.onStart?.({ format, tool, ...(toc ? { total: toc.entries } : {}), created });
    const list = listWithoutPublicSchema(toc, targetHasPublic);
    let warnings: string[];
    try {
      const ran = format === 'plain' ? await runPsql(tool, source, spec, options) : await runPgRestore(tool, source, format, spec, options, list, toc);
      warnings = ran.warnings;
      tool = ran.tool;
    } finally {
      if (list) rmSync(path.dirname(list), { recursive: true, force: true });
    }
    await close().catch(() => undefined); // the restore is done: a session that fails to close says nothing about it
    if (list) warnings = [`skipped CREATE SCHEMA public: "${spec.dbname}" has it already (dumps by pg_dump before 11${toc?.dumpedBy ? `, this one by ${toc.dumpedBy}` : ''}, or of -n public, create it)`, ...warnings];
    const { listing: _listing, ...contentsOnly } = toc ?? { listing: '' };
    return { database: spec.dbname, file: source, format, durationMs: performance.now() - t0, ...(toc ? { objects: toc.entries, toc: contentsOnly as TableOfContents } : {}), created, warnings, tool };
  } catch (e) {
    await close().catch(() => undefined); // the error to report is e
    await earlyToc?.catch(() => undefined); // no pg_restore --list left running behind the error
    // Shielded: also after an interrupt, which cancelled the restore's own sessions.
    if (created && (await shielded(() => dropCreatedDatabase(spec)).then(() => true, () => false)) && isPgvError(e)) {
      if (e.code === 'interrupted') throw new PgvError(e.code, `${e.message}; the database pgv created for the restore was dropped again`, { data: { ...e.data } });
      throw new PgvError(e.code, e.message, { ...(e.hint ? { hint: `${e.hint} The database pgv created for the restore was dropped again.` } : {}), details: [...e.detailLines], data: { ...e.data } });
    }
    throw e;
  }
}

function checkRestoreOptions(format: DumpFormat, options: RestoreOptions): void {
  if (options.jobs !== undefined && format !== 'custom' && format !== 'directory') {
    throw usageError(`--jobs works only with custom and directory dumps; this one is ${format}`, 'Leave out --jobs (pg_restore reads tar archives and psql plain files with one process).');
  }
  if (options.jobs !== undefined && (!Number.isInteger(options.jobs) || options.jobs < 1)) throw usageError(`--jobs must be a positive integer, not ${options.jobs}`);
  if (options.noOwner && format === 'plain') {
    throw usageError('--no-owner works only with archive dumps (custom, directory, tar); this one is plain SQL', 'A plain dump carries its ALTER … OWNER statements: dump again with pg_dump --no-owner, or use --role ROLE.');
  }
  if (options.clean && format === 'plain') {
    throw usageError('--clean works only with archive dumps (custom, directory, tar); this one is plain SQL', 'Restore into an empty database (--create makes one), or dump with pg_dump --clean for a plain file that drops its objects itself.');
  }
}

/** Refuse a target with user objects (exit 3), naming what is there. */
async function refuseNonEmpty(db: Db, spec: ConnectionSpec): Promise<void> {
  const found = await userObjects(db);
  if (found.total === 0) return;
  const kinds = found.byKind.map((k) => `${k.count} ${plural(k.kind, k.count)}`);
  throw new PgvError('refused', `database "${spec.dbname}" is not empty: it has ${kinds.join(', ')}`, {
    hint: 'Restore into an empty database (a new name with --create), or pass --clean to drop and recreate the dump\'s objects (pg_restore --clean --if-exists).',
    details: [...found.examples.map((o) => `${o.kind} ${o.name}`), ...(found.total > found.examples.length ? [`… and ${found.total - found.examples.length} more`] : [])],
    data: { database: spec.dbname, objects: found.total },
  });
}

function plural(kind: string, n: number): string {
  return n === 1 ? kind : kind.endsWith('s') ? `${kind}es` : `${kind}s`;
}

/** `pg_restore -l`: the archive's table of contents, and the pg_restore that read it. */
async function readToc(tool: ClientTool, source: string, spec: ConnectionSpec, options: RestoreOptions): Promise<{ toc: TableOfContents & { listing: string }; tool: ClientTool }> {
  const run: ClientRun = { tool, args: ['--list', source], spec, env: options.env };
  const result = await runClient(run);
  if (result.exitCode !== 0) {
    throw toolFailure(run, result, `could not read the table of contents of ${source}`, `Nothing was changed. Is it a complete dump, written by a pg_dump not newer than ${result.tool.program} ${result.tool.version}?`);
  }
  return { toc: { ...parseToc(result.stdout), listing: result.stdout }, tool: result.tool };
}

/**
 * A list for `pg_restore --use-list` without the entry that creates schema public, when the
 * target has that schema (every database made from template0 does): the one error a dump from
 * PostgreSQL 9.6 gives there. Returns the list file (in a private folder) or undefined.
 */
function listWithoutPublicSchema(toc: (TableOfContents & { listing: string }) | undefined, targetHasPublic: boolean): string | undefined {
  if (!toc?.publicSchemaEntry || !targetHasPublic) return undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgv-restore-'));
  const file = path.join(dir, 'toc.list');
  writeFileSync(file, toc.listing.split('\n').map((l) => (l === toc.publicSchemaEntry ? `;${l}` : l)).join('\n'), { mode: 0o600 });
  return file;
}

/** pg_restore into the target; returns the drop-phase errors that `clean` tolerated, and the pg_restore that ran. */
async function runPgRestore(tool: ClientTool, source: string, format: DumpFormat, spec: ConnectionSpec, options: RestoreOptions, list?: string, toc?: TableOfContents & { listing: string }): Promise<{ warnings: string[]; tool: ClientTool }> {
  const total = toc?.entries;
  // --clean cannot stop at the first error: its drop phase fails harmlessly on some objects
  // (a partition's inherited primary key), so pg_restore carries on and pgv sorts the errors.
  const atomic = options.jobs === undefined && !options.clean;
  const args = [
    `--format=${format}`,
    // pg_restore treats a -d value with "=" or a URI prefix as a connection string.
    `--dbname=${/[=]|^postgres(ql)?:/.test(spec.dbname) ? `dbname='${spec.dbname.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : spec.dbname}`,
    '--verbose',
    '--no-password',
    ...(atomic ? ['--single-transaction'] : []),
    ...(options.clean ? ['--clean', '--if-exists'] : ['--exit-on-error']),
    ...(options.noOwner ? ['--no-owner'] : []),
    ...(list ? [`--use-list=${list}`] : []),
    ...(options.role !== undefined ? [`--role=${options.role}`] : []),
    ...(options.jobs !== undefined ? [`--jobs=${options.jobs}`] : []),
    source,
  ];
  let done = 0;
  let tablesData = 0;
  const onProgress = options.onProgress;
  const run: ClientRun = {
    tool,
    args,
    spec,
    env: options.env,
    onStderrLine: (line: string) => {
      const o = restoredObject(line);
      if (!o) return;
      done++;
      if (o.startsWith('TABLE DATA ')) tablesData++;
      onProgress?.(done, o);
    },
    ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const result = await runClient(run);
  if (result.exitCode === 0 && !result.canceled) return { warnings: [], tool: result.tool };
  const errors = restoreErrors(result.stderr);
  const state = atomic
    ? 'Nothing was restored: the restore ran in one transaction.'
    : options.clean
      ? `pg_restore carried on past these errors (--clean cannot stop at the first one): of the archive's ${total ?? '?'} entries it restored ${Math.max(0, done - errors.length)}; the ${errors.length} above failed.`
      : 'The restore stopped part-way (--jobs does not run in one transaction).';
  const hint = failureHint(state, result.stderr);
  const brief = (e: { message: string; command: string }) => `${e.message.split('\n')[0]}${e.command ? ` (${e.command.split('\n')[0]})` : ''}`;
  if (options.clean && !result.canceled && errors.length > 0) {
    const real = errors.filter((e) => !isDropStatement(e.command));
    if (real.length === 0) return { warnings: errors.map((e) => `ignored while dropping: ${brief(e)}`), tool: result.tool };
    // pg_restore went on past every error: the first ones (a failed DROP among them) are the
    // cause, the rest follow from them.
    const lines = [...errors.slice(0, 12).map((e) => `pg_restore: error: ${brief(e)}`), ...(errors.length > 12 ? [`… and ${errors.length - 12} more`] : [])];
    // What the target holds of the archive's tables now: rows counted there, data entries that failed.
    const tables = toc ? await countRestoredData(spec, toc.listing, result.stderr) : undefined;
    // Without the target's counts, the verbose lines say how many tables' data pg_restore began.
    const data = tables ? describeRestoredData(tables) : `It processed the data of ${tablesData} table${tablesData === 1 ? '' : 's'} (some may have failed).`;
    const failure = toolFailure(run, result, `could not restore ${source} into "${spec.dbname}"`, failureHint(`${state} ${data}`, result.stderr), lines);
    if (!tables) throw failure;
    throw new PgvError(failure.code, failure.message, { ...(failure.hint ? { hint: failure.hint } : {}), details: [...failure.detailLines], data: { ...failure.data, tables } });
  }
  throw toolFailure(run, result, `could not restore ${source} into "${spec.dbname}"`, hint);
}

/** The hint after a failed restore: what state it left, and the usual cause when it is recognizable. */
function failureHint(state: string, stderr: string): string {
  const role = /role "([^"]+)" does not exist/.exec(stderr);
  if (role) return `${state} Create the role ${role[1]} on the target server first (objects in the dump belong to it), or restore with --no-owner (they then belong to the user restoring) or --role ROLE.`;
  if (/must be owner of|permission denied/.test(stderr)) return `${state} An ownership or permission failure: restore with --no-owner (objects belong to the user restoring), or --role ROLE with a role that may create them.`;
  return state;
}

/** A line of psql output that is a command tag (`CREATE TABLE`, `COPY 100`), not a query's result. */
const commandTag = /^[A-Z][A-Z ]*[A-Z](?: \d+)*$/;

/** psql -1 -f for plain SQL files: stops at the first error, in one transaction. */
async function runPsql(tool: ClientTool, source: string, spec: ConnectionSpec, options: RestoreOptions): Promise<{ warnings: string[]; tool: ClientTool }> {
  let done = 0;
  const onProgress = options.onProgress;
  const run: ClientRun = {
    tool,
    // -X: no ~/.psqlrc. Without -q psql prints one command tag per statement: the progress count.
    args: ['-X', '--no-password', '-v', 'ON_ERROR_STOP=1', '--single-transaction', ...(options.role !== undefined ? ['--command', `SET ROLE ${quoteIdent(options.role)}`] : []), '--file', source],
    spec,
    env: options.env,
    onStdoutLine: onProgress ? (line) => { if (commandTag.test(line)) onProgress(++done, line); } : () => undefined,
    ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const result = await runClient(run);
  if (result.exitCode === 0 && !result.canceled) return { warnings: [], tool: result.tool };
  const lines = result.stderr.split('\n').filter((l) => l.trim() !== '' && !/^psql:.*: (NOTICE|WARNING|INFO):/.test(l));
  throw toolFailure(run, result, `could not restore ${source} into "${spec.dbname}"`, failureHint('Nothing was restored: psql ran the file in one transaction and stopped at the first error.', result.stderr), lines.slice(-30));
}
