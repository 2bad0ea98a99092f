/** `pgv trace`: its options, help and adapter (see spec.ts). */
import { usageError } from '../errors.js';
import { reportFormat, type CommandSpec } from './spec.js';

/** The spec of `pgv trace`. */
export const traceSpec: CommandSpec = {
  name: 'trace',
  summary: 'rehearse on a copy one statement at a time: locks, rewrites, hold times',
  usage: 'pgv trace PART [--copy auto|template|dump] [--keep] [--format text|markdown]',
  options: { copy: { type: 'string' }, keep: { type: 'boolean' }, format: { type: 'string' } },
  help: [
    '    --copy auto|template|dump  how production is copied (as test-and-upgrade)',
    '    --keep                     keep the copy for inspection',
    '    --format F                 text (default) or markdown: a table of the statements',
    '  For each statement of the pending scripts, run on a copy of production: its duration, the',
    '  locks it took (mode and relation, with the relation\'s size and row estimate), the relations',
    '  it rewrote (a new relfilenode), and how long each ACCESS EXCLUSIVE, EXCLUSIVE, SHARE ROW',
    '  EXCLUSIVE or SHARE lock was held until commit. Blocking and slow statements first. Production',
    '  is never touched; the copy is dropped. `test-and-upgrade --trace` does the same and goes on.',
  ],
  examples: [{ args: 'trace app', does: 'what part app\'s pending scripts lock and rewrite' }],
  exitCodes: {
    0: 'traced (or nothing pending)',
    1: 'a lock was held longer than the part\'s lint.max_lock_ms allows',
    2: 'bad usage, invalid config or unknown part',
    3: 'a script failed on the copy, or another failure',
  },
  load: () => import('./trace.js'),
  run: async (g, v, pos) => {
    if (pos.length !== 1) throw usageError('pgv trace takes exactly one part', 'Usage: pgv trace PART');
    const copy = typeof v.copy === 'string' ? v.copy : 'auto';
    if (copy !== 'auto' && copy !== 'template' && copy !== 'dump') throw usageError(`--copy must be auto, template or dump, not "${copy}"`);
    return (await import('./trace.js')).traceCommand(g, { part: pos[0]!, copy, keep: v.keep === true, format: reportFormat(v) });
  },
};
