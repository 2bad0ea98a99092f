/** `pgv info`: its options, help and adapter (see spec.ts). */
import { usageError } from '../errors.js';
import { positiveInt, type CommandSpec } from './spec.js';

/** The spec of `pgv info`. */
export const infoSpec: CommandSpec = {
  name: 'info',
  summary: 'version, applied, pending and changed scripts',
  usage: 'pgv info [PART...] [--fleet [--concurrency N]]',
  options: { fleet: { type: 'boolean' }, concurrency: { type: 'string' } },
  help: [
    '    --fleet          census: the databases grouped by (version, schema fingerprint), with',
    '                     counts and names; a database whose schema drifted from the others at',
    '                     its version stands in its own group, with the objects that differ',
    '    --concurrency N  databases read at once on each server with --fleet (default 8)',
    '  Reads each part\'s ledger and scripts; changes nothing. The fingerprint is check\'s',
    '  normalized catalog (its default kinds, the part\'s ignore and exclusions, without pgv\'s',
    '  ledgers), hashed: equal schemas give equal fingerprints whatever their ledger rows.',
    '  --json: {"parts":[{name, database, recipe, version, applied, pending, changed, problems}]}',
    '  --fleet --json: {"groups":[{version, fingerprint, count, databases, parts, drift?}],',
    '                   "unreadable":[{database, part, error}]}',
  ],
  examples: [
    { args: 'info app', does: 'part app\'s version, applied and pending scripts' },
    { args: 'info --fleet', does: 'every part\'s database, grouped by version and schema' },
  ],
  exitCodes: {
    0: 'read (problems and drift are listed, not an error; so is a database that does not exist)',
    2: 'bad usage, invalid config or unknown part',
    3: 'a database could not be read (--fleet: the others are still reported)',
  },
  load: () => import('./info.js'),
  run: async (g, v, parts) => {
    if (v.concurrency !== undefined && v.fleet !== true) throw usageError('--concurrency goes with --fleet', 'Usage: pgv info --fleet --concurrency N');
    const concurrency = positiveInt(v.concurrency, '--concurrency', 8);
    return (await import('./info.js')).infoCommand(g, { parts, fleet: v.fleet === true, concurrency });
  },
};
