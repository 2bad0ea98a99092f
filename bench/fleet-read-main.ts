/**
 * `node dist/bench/fleet-read-main.js SOCKET_DIR PORT DBNAME…`: the census bench's floor on one
 * server. Reads the catalog of each named database in turn, the way `pgv check` reads one side
 * (check's inspection, its default kinds, one read-only snapshot per database), and exits.
 */
import { inspectDatabase } from '../lib/check/inspect.js';
import { selectKinds } from '../lib/check/options.js';

const [socketDir, port, ...dbnames] = process.argv.slice(2);
const kinds = selectKinds([], []);
let objects = 0;
for (const dbname of dbnames) {
  const catalog = await inspectDatabase({ host: socketDir!, port: Number(port), user: 'postgres', dbname, sslmode: 'disable', application_name: 'pgv-bench-floor' }, kinds);
  for (const list of catalog.values()) objects += list.length;
}
console.log(`${dbnames.length} databases, ${objects} objects`);
