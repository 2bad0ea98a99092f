/** `pgv dump`: its options, help and adapter (see spec.ts). */
import { listOf, positiveInt, stringOpt, type CommandSpec } from './spec.js';

/** The spec of `pgv dump`. */
export const dumpSpec: CommandSpec = {
  name: 'dump',
  summary: 'dump a database with pg_dump',
  usage: 'pgv dump PART | --db CONN -f FILE [--format custom|directory|plain|tar] [--jobs N]\n' +
    '                [--schema-only] [--exclude-schema S]',
  options: {
    db: { type: 'string' },
    file: { type: 'string', short: 'f' },
    format: { type: 'string' },
    jobs: { type: 'string' },
    'schema-only': { type: 'boolean' },
    'exclude-schema': { type: 'string', multiple: true },
  },
  help: [
    '    --db CONN             the database: a name (on the config\'s server, if there is a config),',
    '                          a postgres:// URL or a libpq keyword string; instead of PART',
    '-f, --file FILE           the dump to write (a folder for --format directory); replaced only',
    '                          when pg_dump succeeds',
    '    --format F            custom (default), directory, plain or tar; a FILE ending in .sql',
    '                          means plain, .tar tar',
    '    --jobs N              parallel pg_dump workers (directory format only)',
    '    --schema-only         no table data',
    '    --exclude-schema S    leave out schemas matching S (a pg_dump pattern; repeatable, or S1,S2)',
    '  Runs the first pg_dump (PGV_PG_BINDIR, PATH, pg_config --bindir, /usr/lib/postgresql/*/bin …)',
    '  whose major version is the server\'s or newer; the password goes through the environment,',
    '  never the arguments. --json: {"database","file","format","duration_ms","bytes"}',
  ],
  examples: [{ args: 'dump app -f app.dump', does: 'part app\'s database, custom format' }],
  exitCodes: { 0: 'dumped', 2: 'bad usage, invalid config or unknown part', 3: 'pg_dump failed or is missing (the file is left as it was)' },
  load: () => import('./dump.js'),
  run: async (g, v, parts) =>
    (await import('./dump.js')).dumpCommand(g, {
      parts,
      ...stringOpt(v, 'db', 'db'),
      ...stringOpt(v, 'file', 'file'),
      ...stringOpt(v, 'format', 'format'),
      ...(v.jobs !== undefined ? { jobs: positiveInt(v.jobs, '--jobs', 1) } : {}),
      schemaOnly: v['schema-only'] === true,
      excludeSchemas: listOf(v, 'exclude-schema'),
    }),
};
