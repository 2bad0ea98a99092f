/** `pgv restore`: its options, help and adapter (see spec.ts). */
import { positiveInt, stringOpt, type CommandSpec } from './spec.js';

/** The spec of `pgv restore`. */
export const restoreSpec: CommandSpec = {
  name: 'restore',
  summary: 'restore a dump with pg_restore (or psql, for plain SQL)',
  usage: 'pgv restore PART | --db CONN -f FILE [--jobs N] [--create] [--clean] [--no-owner]\n' +
    '                   [--role ROLE]',
  options: {
    db: { type: 'string' },
    file: { type: 'string', short: 'f' },
    jobs: { type: 'string' },
    create: { type: 'boolean' },
    clean: { type: 'boolean' },
    'no-owner': { type: 'boolean' },
    role: { type: 'string' },
  },
  help: [
    '    --db CONN         the target database: a name (on the config\'s server, if there is a',
    '                      config), a URL or a keyword string; instead of PART',
    '-f, --file FILE       the dump: custom, directory, tar (pg_restore) or plain SQL (psql),',
    '                      recognized by its content',
    '    --jobs N          parallel pg_restore workers (custom and directory dumps)',
    '    --create          create the database (from template0) when it does not exist',
    '    --clean           allow a target with objects: drop the dump\'s objects first',
    '                      (pg_restore --clean --if-exists)',
    '    --no-owner        objects belong to the user restoring, not to the dump\'s owners (archives)',
    '    --role ROLE       restore as ROLE (pg_restore --role; SET ROLE for plain SQL)',
    '  A dump that creates schema public (pg_dump before 11, or -n public) skips that entry when the',
    '  target has the schema, and says so.',
    '  A target that already holds tables, views, sequences, functions, types or schemas is refused',
    '  (exit 3) unless --clean. Without --jobs and --clean the restore runs in one transaction.',
    '  --json: {"database","file","format","duration_ms","objects","created","warnings"}',
  ],
  examples: [{ args: 'restore --db app_copy --create -f app.dump', does: 'into a new database app_copy' }],
  exitCodes: { 0: 'restored', 2: 'bad usage, invalid config or unknown part', 3: 'refused (the target holds objects) or pg_restore failed' },
  load: () => import('./restore.js'),
  run: async (g, v, parts) =>
    (await import('./restore.js')).restoreCommand(g, {
      parts,
      ...stringOpt(v, 'db', 'db'),
      ...stringOpt(v, 'file', 'file'),
      ...(v.jobs !== undefined ? { jobs: positiveInt(v.jobs, '--jobs', 1) } : {}),
      create: v.create === true,
      clean: v.clean === true,
      noOwner: v['no-owner'] === true,
      ...stringOpt(v, 'role', 'role'),
    }),
};
