/** `pgv server`: its options, help and adapter (see spec.ts). */
import type { CommandSpec } from './spec.js';

/** The spec of `pgv server`. */
export const serverSpec: CommandSpec = {
  name: 'server',
  summary: 'the embedded PostgreSQL: start, stop, status, url',
  usage: 'pgv server start|stop|status|url [PART | DBNAME]',
  options: { remove: { type: 'boolean' } },
  help: [
    '  start    initialize (first time) and start the project\'s cluster under .pgv/',
    '  stop     stop it (fast shutdown); --remove also deletes the cluster and .pgv/',
    '  status   state, the binaries and where they came from, data directory, socket; exit 3 when',
    '           not running',
    '  url      a libpq URL for psql and applications: of PART\'s database, of DBNAME, or of postgres',
  ],
  examples: [
    { args: 'server url app', does: 'the URL of part app\'s database (psql "$(pgv server url app)")' },
  ],
  exitCodes: { 0: 'done (status: running)', 2: 'bad usage, or the config has no `server: embedded`', 3: 'status: not running; start or stop failed' },
  load: () => import('./server.js'),
  run: async (g, v, pos) => (await import('./server.js')).serverCommand(g, { ...(pos[0] ? { action: pos[0] } : {}), ...(pos[1] ? { dbname: pos[1] } : {}), remove: v.remove === true }),
};
