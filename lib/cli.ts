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

const notYet = (name: string) => async (): Promise<CommandResult> => {
  throw new PgvError('not_implemented', `pgv ${name} is not implemented yet`, {
    hint: 'It is part of the documented command set and arrives in a later release; see `pgv --help`.',
  });
};

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
    usage: 'pgv apply [PART...] [--dry-run] [--to VERSION] [--accept-changed SCRIPT] [--concurrency N] [--lock-timeout SECONDS]',
    options: { 'dry-run': { type: 'boolean' }, to: { type: 'string' }, 'accept-changed': { type: 'string', multiple: true }, concurrency: { type: 'string' }, 'lock-timeout': { type: 'string' } },
    help: [
      '    --dry-run                print the plan instead of running it (same as pgv plan)',
      '    --to VERSION             stop at VERSION (a generation, or a delta version such as 1.2.0)',
      '    --accept-changed SCRIPT  accept the new content of an applied script that changed (PART:SCRIPT',
      '                             for one part; repeatable); recorded in the ledger, nothing runs',
      '    --concurrency N          parts applied at once where `after` allows (default 4)',
      '    --lock-timeout S         seconds to wait for another pgv working on the same database (default 60)',
    ],
    run: async (g, v, parts) =>
      (await import('./commands/apply.js')).applyCommand(g, {
        parts,
        dryRun: v['dry-run'] === true,
        acceptChanged: (v['accept-changed'] as string[] | undefined) ?? [],
        ...(typeof v.to === 'string' ? { to: v.to } : {}),
        concurrency: positiveInt(v.concurrency, '--concurrency', 4),
        lockTimeoutMs: positiveInt(v['lock-timeout'], '--lock-timeout', 60, true) * 1000,
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
    usage: 'pgv check PART | --db1 CONN --db2 CONN [--ignore KIND,...] [--exclude-schema S,...]',
    options: { db1: { type: 'string' }, db2: { type: 'string' }, ignore: { type: 'string' }, 'exclude-schema': { type: 'string' } },
    help: [],
    run: notYet('check'),
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
  'test-and-upgrade': { summary: 'rehearse an upgrade on a copy, compare with a fresh build, then upgrade', usage: 'pgv test-and-upgrade PART', options: {}, help: [], run: notYet('test-and-upgrade') },
  snapshot: { summary: 'commit, revert, log, tag and purge whole-database snapshots', usage: 'pgv snapshot init|commit|info|log|revert|tag|purge PART | --db NAME', options: { db: { type: 'string' } }, help: [], run: notYet('snapshot') },
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
    'Exit codes: 0 success (check: identical), 1 check found differences, 2 bad usage or invalid config,',
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
    };
    const result = await spec.run(globals, values, parsed.positionals);
    if (json && result.json !== undefined) out(JSON.stringify(result.json, null, 2));
    else if (!json && result.text) out(result.text);
    err(result.errors ?? []);
    return result.exitCode;
  } catch (e) {
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
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(renderError(e).join('\n') + '\n');
      process.exit(ExitCode.internal);
    },
  );
}
