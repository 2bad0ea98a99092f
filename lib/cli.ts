#!/usr/bin/env node
/**
 * The command line: argv → one command → report → exit code. The only module that prints or
 * exits. Commands are imported on demand so that `pgv --help` or `pgv validate` stays fast.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ExitCode, PgvError, isPgvError, usageError } from './errors.js';
import { renderError } from './report/error-text.js';
import { closest } from './util/suggest.js';
import type { CommandResult, Globals } from './commands/types.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

interface CommandSpec {
  readonly summary: string;
  readonly usage: string;
  readonly options: Options;
  readonly help: readonly string[];
  readonly run: (g: Globals, values: Values, positionals: string[]) => Promise<CommandResult>;
}

const globalOptions: Options = {
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  verbose: { type: 'boolean', short: 'v' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
};

const globalHelp = [
  '-c, --config FILE   the config file (default: pgv.config.yaml, .pgvrc*, pgv.config.json or "pgv" in',
  '                    package.json, searched from the current directory up to the project root)',
  '    --json          print one JSON document on stdout; progress goes to stderr',
  '-q, --quiet         no progress output',
  '-v, --verbose       plain progress lines instead of a live task list; more detail on errors',
  '    --no-color      no colors (also: NO_COLOR=1)',
  '-h, --help          help for pgv or for a command',
  '-V, --version       print the version',
];


const commands: Record<string, CommandSpec> = {
  validate: {
    summary: 'check the config; print the resolved parts',
    usage: 'pgv validate [-c FILE]',
    options: {},
    help: [],
    run: async (g) => (await import('./commands/validate.js')).validateCommand(g),
  },
  plan: {
    summary: 'show the steps apply would run; changes nothing',
    usage: 'pgv plan [PART...]',
    options: {},
    help: [],
    run: async (g, _v, parts) => (await import('./commands/plan.js')).planCommand(g, { parts }),
  },
  apply: {
    summary: 'bring the parts\' databases to the state their scripts describe',
    usage: 'pgv apply [PART...] [--dry-run] [--test-first] [--to VERSION] [--accept-changed SCRIPT] [--concurrency N] [--lock-timeout SECONDS] [--no-snapshot] [--allow-lint-errors]',
    options: { 'dry-run': { type: 'boolean' }, 'test-first': { type: 'boolean' }, to: { type: 'string' }, 'accept-changed': { type: 'string', multiple: true }, concurrency: { type: 'string' }, 'lock-timeout': { type: 'string' }, 'no-snapshot': { type: 'boolean' }, 'allow-lint-errors': { type: 'boolean' } },
    help: [
      '    --dry-run                print the plan instead of running it (same as pgv plan)',
      '    --test-first             rehearse each part on a copy first, as pgv test-and-upgrade does',
      '    --to VERSION             stop at VERSION (a generation, or a delta version such as 1.2.0)',
      '    --accept-changed SCRIPT  accept the new content of an applied script that changed (PART:SCRIPT',
      '                             for one part; repeatable); recorded in the ledger, nothing runs',
      '    --no-snapshot            skip the snapshot of parts with `snapshot: before-apply` for this run',
      '    --concurrency N          parts applied at once where `after` allows (default 4)',
      '    --lock-timeout S         seconds to wait for another pgv working on the same database (default 60)',
      '    --allow-lint-errors      run the scripts even when `pgv lint` finds errors in them (exit 1 otherwise)',
    ],
    run: async (g, v, parts) =>
      (await import('./commands/apply.js')).applyCommand(g, {
        allowLintErrors: v['allow-lint-errors'] === true,
        parts,
        dryRun: v['dry-run'] === true,
        acceptChanged: (v['accept-changed'] as string[] | undefined) ?? [],
        ...(typeof v.to === 'string' ? { to: v.to } : {}),
        concurrency: positiveInt(v.concurrency, '--concurrency', 4),
        lockTimeoutMs: positiveInt(v['lock-timeout'], '--lock-timeout', 60, true) * 1000,
        noSnapshot: v['no-snapshot'] === true,
        testFirst: v['test-first'] === true,
      }),
  },
  info: {
    summary: 'version, applied, pending and changed scripts',
    usage: 'pgv info [PART...]',
    options: {},
    help: ['  Reads each part\'s ledger and scripts; changes nothing. --json: {"parts":[{name, database, recipe, version, applied, pending, changed, problems}]}'],
    run: async (g, _v, parts) => (await import('./commands/info.js')).infoCommand(g, { parts }),
  },
  baseline: {
    summary: 'record a version as applied without running scripts',
    usage: 'pgv baseline PART --version V [--lock-timeout SECONDS]',
    options: { version: { type: 'string' }, 'lock-timeout': { type: 'string' } },
    help: [
      '    --version V         the version the database is at now (schema recipe: a generation number)',
      '    --lock-timeout S    seconds to wait for another pgv working on the same database (default 60)',
      '  For a database built before pgv (tables but no ledger), or to settle a script that ran outside a',
      '  transaction and was interrupted. Never moves a database back.',
    ],
    run: async (g, v, parts) =>
      (await import('./commands/baseline.js')).baselineCommand(g, {
        parts,
        version: typeof v.version === 'string' ? v.version : undefined,
        lockTimeoutMs: positiveInt(v['lock-timeout'], '--lock-timeout', 60, true) * 1000,
      }),
  },
  check: {
    summary: 'compare two databases by object kind',
    usage: 'pgv check PART | --db1 CONN --db2 CONN [--ignore KIND,...] [--include KIND,...] [--exclude-schema S,...] [--exclude-column PATTERN] [--column-order] [--ignore-generated-names]',
    options: {
      db1: { type: 'string' },
      db2: { type: 'string' },
      ignore: { type: 'string', multiple: true },
      include: { type: 'string', multiple: true },
      'exclude-schema': { type: 'string', multiple: true },
      'exclude-column': { type: 'string', multiple: true },
      'column-order': { type: 'boolean' },
      'ignore-generated-names': { type: 'boolean' },
    },
    help: [
      '  PART                        the part\'s database against a fresh build of its scripts (a throwaway',
      '                              database, dropped afterwards); the part\'s ignore, exclude_schemas and',
      '                              exclude_columns options apply',
      '    --db1 CONN, --db2 CONN    two databases: a postgres:// URL, a keyword string, or a database name',
      '                              (on the config\'s server when there is a config)',
      '    --ignore KIND,...         kinds not compared: schemas, tables, columns, constraints, views,',
      '                              materialized_views, sequences, indexes, triggers, functions, rules,',
      '                              types, extensions, policies',
      '    --include KIND,...        opt-in kinds also compared: privileges (owners, grants), comments',
      '    --exclude-schema S,...    schemas not compared',
      '    --exclude-column PATTERN  columns not compared: a LIKE pattern on table.column or',
      '                              schema.table.column (for example %.updated_at); repeatable',
      '    --column-order            a column\'s position in its table counts as a difference',
      '    --ignore-generated-names  match constraints and indexes by definition, not by name',
      '',
      'Exit codes: 0 identical, 1 different, 2 usage, 3 failure (for example a database that does not exist).',
    ],
    run: async (g, v, pos) => {
      if (pos.length > 1) throw usageError(`pgv check takes one PART, not ${pos.length}: ${pos.join(' ')}`, 'Check one part at a time.');
      const list = (key: string) => ((v as Record<string, unknown>)[key] as string[] | undefined) ?? [];
      return (await import('./commands/check.js')).checkCommand(g, {
        ...(pos[0] !== undefined ? { part: pos[0] } : {}),
        ...(typeof v.db1 === 'string' ? { db1: v.db1 } : {}),
        ...(typeof v.db2 === 'string' ? { db2: v.db2 } : {}),
        ignore: list('ignore'),
        include: list('include'),
        excludeSchemas: list('exclude-schema'),
        excludeColumns: list('exclude-column'),
        columnOrder: v['column-order'] === true,
        ignoreGeneratedNames: v['ignore-generated-names'] === true,
      });
    },
  },
  dump: {
    summary: 'dump a database with pg_dump',
    usage: 'pgv dump PART | --db CONN -f FILE [--format custom|directory|plain|tar] [--jobs N] [--schema-only] [--exclude-schema S]',
    options: { db: { type: 'string' }, file: { type: 'string', short: 'f' }, format: { type: 'string' }, jobs: { type: 'string' }, 'schema-only': { type: 'boolean' }, 'exclude-schema': { type: 'string', multiple: true } },
    help: [
      '    --db CONN             the database: a name (on the config\'s server, if there is a config), a postgres:// URL',
      '                          or a libpq keyword string; instead of PART',
      '-f, --file FILE           the dump to write (a folder for --format directory); replaced only when pg_dump succeeds',
      '    --format F            custom (default), directory, plain or tar; a FILE ending in .sql means plain, .tar tar',
      '    --jobs N              parallel pg_dump workers (directory format only)',
      '    --schema-only         no table data',
      '    --exclude-schema S    leave out schemas matching S (a pg_dump pattern; repeatable, or S1,S2)',
      '  Runs the first pg_dump (PGV_PG_BINDIR, PATH, pg_config --bindir, /usr/lib/postgresql/*/bin …) whose major',
      '  version is the server\'s or newer; the password goes through the environment, never the arguments.',
      '  --json: {"database","file","format","duration_ms","bytes"}',
    ],
    run: async (g, v, parts) =>
      (await import('./commands/dump.js')).dumpCommand(g, {
        parts,
        ...(typeof v.db === 'string' ? { db: v.db } : {}),
        ...(typeof v.file === 'string' ? { file: v.file } : {}),
        ...(typeof v.format === 'string' ? { format: v.format } : {}),
        ...(v.jobs !== undefined ? { jobs: positiveInt(v.jobs, '--jobs', 1) } : {}),
        schemaOnly: v['schema-only'] === true,
        excludeSchemas: (v['exclude-schema'] as string[] | undefined) ?? [],
      }),
  },
  restore: {
    summary: 'restore a dump with pg_restore (or psql, for plain SQL)',
    usage: 'pgv restore PART | --db CONN -f FILE [--jobs N] [--create] [--clean]',
    options: { db: { type: 'string' }, file: { type: 'string', short: 'f' }, jobs: { type: 'string' }, create: { type: 'boolean' }, clean: { type: 'boolean' } },
    help: [
      '    --db CONN         the target database: a name (on the config\'s server, if there is a config), a URL or a',
      '                      keyword string; instead of PART',
      '-f, --file FILE       the dump: custom, directory, tar (pg_restore) or plain SQL (psql), recognized by its content',
      '    --jobs N          parallel pg_restore workers (custom and directory dumps)',
      '    --create          create the database (from template0) when it does not exist',
      '    --clean           allow a target with objects: drop the dump\'s objects first (pg_restore --clean --if-exists)',
      '  A target that already holds tables, views, sequences, functions, types or schemas is refused (exit 3)',
      '  unless --clean. Without --jobs and --clean the restore runs in one transaction.',
      '  --json: {"database","file","format","duration_ms","objects","created","warnings"}',
    ],
    run: async (g, v, parts) =>
      (await import('./commands/restore.js')).restoreCommand(g, {
        parts,
        ...(typeof v.db === 'string' ? { db: v.db } : {}),
        ...(typeof v.file === 'string' ? { file: v.file } : {}),
        ...(v.jobs !== undefined ? { jobs: positiveInt(v.jobs, '--jobs', 1) } : {}),
        create: v.create === true,
        clean: v.clean === true,
      }),
  },
  'test-and-upgrade': {
    summary: 'rehearse an upgrade on a copy, compare with a fresh build, then upgrade',
    usage: 'pgv test-and-upgrade PART [--copy auto|template|dump] [--keep] [--lock-timeout SECONDS] [--trace]',
    options: { copy: { type: 'string' }, keep: { type: 'boolean' }, 'lock-timeout': { type: 'string' }, trace: { type: 'boolean' } },
    help: [
      '    --copy auto|template|dump  how production is copied: CREATE DATABASE … TEMPLATE (needs it idle) or',
      '                               pg_dump | pg_restore; auto (default) takes the template when nobody is connected',
      '    --keep                     keep the copy and the reference for inspection (their names are printed)',
      '    --lock-timeout S           seconds to wait for another pgv on production (default 60)',
      '    --trace                    run the scripts on the copy one statement at a time and report locks, rewrites',
      '                               and how long strong locks were held (as pgv trace); lint.max_lock_ms can fail it',
      '  Exit 0: rehearsed and production upgraded (or nothing pending); 1: the upgraded copy differs from a fresh',
      '  build (production untouched); 3: a script failed on the copy (production untouched) or another failure.',
    ],
    run: async (g, v, pos) => {
      if (pos.length !== 1) throw usageError('pgv test-and-upgrade takes exactly one part', 'Usage: pgv test-and-upgrade PART');
      const copy = typeof v.copy === 'string' ? v.copy : 'auto';
      if (copy !== 'auto' && copy !== 'template' && copy !== 'dump') throw usageError(`--copy must be auto, template or dump, not "${copy}"`);
      return (await import('./commands/test-and-upgrade.js')).testAndUpgradeCommand(g, { part: pos[0]!, copy, keep: v.keep === true, lockTimeoutMs: positiveInt(v['lock-timeout'], '--lock-timeout', 60, true) * 1000, trace: v.trace === true });
    },
  },
  trace: {
    summary: 'rehearse on a copy one statement at a time: locks, rewrites, lock hold times; production untouched',
    usage: 'pgv trace PART [--copy auto|template|dump] [--keep]',
    options: { copy: { type: 'string' }, keep: { type: 'boolean' } },
    help: [
      '    --copy auto|template|dump  how production is copied (as test-and-upgrade)',
      '    --keep                     keep the copy for inspection',
      '  For each statement of the pending scripts: its duration, the locks it took (mode and relation, with the',
      '  relation\'s size and row estimate), the relations it rewrote (a new relfilenode), and how long each ACCESS',
      '  EXCLUSIVE, EXCLUSIVE, SHARE ROW EXCLUSIVE or SHARE lock was held until commit. Blocking and slow first.',
      '',
      'Exit codes: 0 traced, 1 a lock held longer than the part\'s lint.max_lock_ms allows, 2 usage, 3 a script failed on the copy.',
    ],
    run: async (g, v, pos) => {
      if (pos.length !== 1) throw usageError('pgv trace takes exactly one part', 'Usage: pgv trace PART');
      const copy = typeof v.copy === 'string' ? v.copy : 'auto';
      if (copy !== 'auto' && copy !== 'template' && copy !== 'dump') throw usageError(`--copy must be auto, template or dump, not "${copy}"`);
      return (await import('./commands/trace.js')).traceCommand(g, { part: pos[0]!, copy, keep: v.keep === true });
    },
  },
  lint: {
    summary: 'lint the scripts apply would run: squawk\'s rules on the PostgreSQL parse tree',
    usage: 'pgv lint [PART...] [FILE...] [--all]',
    options: { all: { type: 'boolean' } },
    help: [
      '  PART                  the scripts the part would run next (its database is read, nothing is changed)',
      '  FILE                  script files (a part\'s script gets its variables and lint settings)',
      '    --all               every script of the parts, not only the pending ones (no database needed)',
      '  Each finding: file:line:col, the rule (squawk\'s ids, pgv-…, syntax-error), why it hurts, the safe rewrite.',
      '  Silence a statement with `-- squawk-ignore RULE[,RULE]` or `-- pgv:lint-ignore RULE` on the line before it;',
      '  choose rules and levels with the part option `lint:`.',
      '',
      'Exit codes: 0 no finding at error level, 1 a finding at error level, 2 usage, 3 a database could not be read.',
    ],
    run: async (g, v, targets) => (await import('./commands/lint.js')).lintCommand(g, { targets, all: v.all === true }),
  },
  snapshot: {
    summary: 'commit, revert, log, tag and purge whole-database snapshots',
    usage: 'pgv snapshot init|commit|info|log|revert|tag|purge [PART | --db NAME] [options]',
    options: {
      db: { type: 'string' }, message: { type: 'string', short: 'm' }, tag: { type: 'string' }, rev: { type: 'string' }, delete: { type: 'boolean' },
      all: { type: 'boolean' }, 'keep-tags': { type: 'boolean' }, 'older-than': { type: 'string' }, yes: { type: 'boolean' },
      force: { type: 'boolean' }, keep: { type: 'boolean' }, strategy: { type: 'string' }, 'lock-timeout': { type: 'string' },
    },
    help: [
      '  init                 start versioning the working database: "Now version 0"',
      '  commit [-m MSG]      freeze the current state as a snapshot; move to the next version',
      '  info                 database, version, parent and tip',
      '  log                  the revisions as a graph (--json: a list)',
      '  revert [REV]         replace the working database by a copy of REV (default: the parent)',
      '  tag NAME             name a snapshot (default: the parent); --rev N, --delete',
      '  purge                drop snapshots: --all, --keep-tags, --older-than 7d; lists them unless --yes',
      '',
      '    --db NAME           a database instead of a PART (a name, URL or keyword string)',
      '    --tag TAG           revert to the snapshot tagged TAG',
      '    --keep              revert: keep the replaced state as a snapshot of its version',
      '    --force             terminate other sessions on the databases copied or renamed',
      '    --strategy S        auto (default: file_copy from 64 MB, wal_log below), wal_log or file_copy',
      '    --lock-timeout S    seconds to wait for another pgv snapshot on the same database (default 60)',
    ],
    run: async (g, v, pos) => (await import('./commands/snapshot.js')).snapshotCommand(g, v, pos),
  },
  server: {
    summary: 'the embedded PostgreSQL: start, stop, status, url',
    usage: 'pgv server start|stop|status|url [DBNAME]',
    options: {},
    help: ['  start    initialize (first time) and start the project\'s cluster under .pgv/', '  stop     stop it (fast shutdown)', '  status   state, data directory, socket; exit 3 when not running', '  url      a libpq URL for psql and applications (optionally for DBNAME)'],
    run: async (g, _v, pos) => (await import('./commands/server.js')).serverCommand(g, { ...(pos[0] ? { action: pos[0] } : {}), ...(pos[1] ? { dbname: pos[1] } : {}) }),
  },
};

function positiveInt(text: string | boolean | undefined, flag: string, dflt: number, allowZero = false): number {
  if (text === undefined || typeof text === 'boolean') return dflt;
  const n = Number(text);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw usageError(`${flag} must be a ${allowZero ? 'non-negative' : 'positive'} integer, not "${text}"`);
  return n;
}

function mainHelp(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    'pgv: declarative PostgreSQL schema management',
    '',
    'Usage: pgv [options] COMMAND [args]',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    ...globalHelp.map((l) => `  ${l}`),
    '',
    'Exit codes: 0 success (check: identical), 1 check found differences (lint: an error; trace: over the lock',
    '            policy), 2 bad usage or invalid config,',
    '            3 the operation failed, 70 internal error (a bug).',
    '',
    'Run `pgv COMMAND --help` for a command\'s options.',
  ].join('\n');
}

function commandHelp(name: string, c: CommandSpec): string {
  return [`Usage: ${c.usage}`, '', `${c.summary[0]!.toUpperCase()}${c.summary.slice(1)}.`, ...(c.help.length ? ['', ...c.help] : []), '', 'Global options:', ...globalHelp.map((l) => `  ${l}`)].join('\n');
}

/** Find the command word: the first argument that is neither an option nor an option's value. */
function splitCommand(argv: string[]): { name?: string; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-c' || a === '--config') {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    return { name: a, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { rest: argv };
}

/** Run the CLI on `argv`; returns the exit code. Exported for tests that run in-process. */
export async function main(argv: string[], io = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }): Promise<number> {
  const out = (text: string) => io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  const err = (lines: readonly string[]) => lines.length && io.stderr.write(lines.join('\n') + '\n');
  let json = argv.includes('--json');
  // Printed once, whatever the outcome: the config's warnings (see Config.warnings).
  const warnings: string[] = [];
  const warn = () => err(warnings.map((w) => `pgv: warning: ${w}`));
  try {
    const { name, rest } = splitCommand(argv);
    const spec = name === undefined || name === 'help' ? undefined : commands[name];
    if (name !== undefined && name !== 'help' && !spec) {
      const guess = closest(name, Object.keys(commands));
      throw usageError(`unknown command "${name}"`, `${guess ? `Did you mean \`pgv ${guess}\`? ` : ''}Commands: ${Object.keys(commands).join(', ')}.`);
    }
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: { ...globalOptions, ...(spec?.options ?? {}) }, allowPositionals: true, strict: true });
    } catch (e) {
      throw optionError(e, name, spec);
    }
    const values = parsed.values as Values;
    json = values.json === true;
    if (values.version === true) {
      const { pgvVersion } = await import('./version.js');
      out(json ? JSON.stringify({ version: pgvVersion }) : `pgv ${pgvVersion}`);
      return ExitCode.ok;
    }
    if (name === 'help') {
      const topic = parsed.positionals[0];
      const c = topic ? commands[topic] : undefined;
      out(c ? commandHelp(topic!, c) : mainHelp());
      return ExitCode.ok;
    }
    if (!spec || values.help) {
      out(spec && name ? commandHelp(name, spec) : mainHelp());
      return spec || values.help ? ExitCode.ok : ExitCode.usage;
    }
    const noColor = values['no-color'] === true || (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '');
    if (noColor) process.env.NO_COLOR = '1'; // read by listr2's color library when it loads
    const globals: Globals = {
      ...(typeof values.config === 'string' ? { config: values.config } : {}),
      json,
      quiet: values.quiet === true,
      verbose: values.verbose === true,
      color: !noColor,
      cwd: io.cwd,
      env: { ...io.env },
      interactive: Boolean((io.stderr as NodeJS.WriteStream).isTTY),
      progressStream: io.stderr as NodeJS.WriteStream,
      warnings,
    };
    const result = await spec.run(globals, values, parsed.positionals);
    if (json && result.json !== undefined) out(JSON.stringify(result.json, null, 2));
    else if (!json && result.text) out(result.text);
    err(result.errors ?? []);
    warn();
    return result.exitCode;
  } catch (e) {
    warn();
    if (json) out(JSON.stringify({ error: isPgvError(e) ? e.toJSON() : { code: 'internal', message: (e as Error)?.message ?? String(e) } }, null, 2));
    err(renderError(e, argv.includes('-v') || argv.includes('--verbose')));
    return isPgvError(e) ? e.exitCode : ExitCode.internal;
  }
}

function optionError(e: unknown, name: string | undefined, spec: CommandSpec | undefined): PgvError {
  const message = (e as Error).message;
  const m = /Unknown option '([^']+)'/.exec(message);
  const where = name && spec ? `pgv ${name}` : 'pgv';
  if (m) {
    const known = Object.keys({ ...globalOptions, ...(spec?.options ?? {}) }).map((o) => `--${o}`);
    const guess = closest(m[1]!, known);
    return usageError(`unknown option ${m[1]} for ${where}`, `${guess ? `Did you mean ${guess}? ` : ''}See \`${where} --help\`.`);
  }
  return usageError(message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, ''), `See \`${where} --help\`.`);
}

// Run when executed as the bin (not when imported by tests).
const invokedAs = process.argv[1] ?? '';
if (/[\\/](cli\.js|pgv)$/.test(invokedAs)) {
  main(process.argv.slice(2)).then(
    // Exit once stdout is flushed: to a pipe, a large report (lint of 1000 scripts, plan --json)
    // is written asynchronously and process.exit() would cut it at 64 KiB.
    (code) => process.stdout.write('', () => process.exit(code)),
    (e) => {
      process.stderr.write(renderError(e).join('\n') + '\n');
      process.exit(ExitCode.internal);
    },
  );
}
