/** `pgv test-and-upgrade`: its options, help and adapter (see spec.ts). */
import { usageError } from '../errors.js';
import { comparisonHelp, comparisonOptions } from './check-spec.js';
import { listOf, positiveInt, type CommandSpec } from './spec.js';

/** The spec of `pgv test-and-upgrade`. */
export const testAndUpgradeSpec: CommandSpec = {
  name: 'test-and-upgrade',
  summary: 'rehearse an upgrade on a copy, compare with a fresh build, then upgrade',
  usage: 'pgv test-and-upgrade PART [--copy auto|template|dump] [--keep] [--lock-timeout SECONDS]\n' +
    '                            [--trace] [--ignore KIND,...] [--exclude-schema S,...]\n' +
    '                            [--exclude-column PATTERN]',
  options: { copy: { type: 'string' }, keep: { type: 'boolean' }, 'lock-timeout': { type: 'string' }, trace: { type: 'boolean' }, ...comparisonOptions },
  help: [
    '    --copy auto|template|dump  how production is copied: CREATE DATABASE … TEMPLATE (needs it',
    '                               idle) or pg_dump | pg_restore; auto (default) takes the template',
    '                               when nobody is connected',
    '    --keep                     keep the copy and the reference for inspection (names printed)',
    '    --lock-timeout S           seconds to wait for another pgv on production (default 60)',
    '    --trace                    run the scripts on the copy one statement at a time, and report',
    '                               locks, rewrites and lock hold times (as pgv trace); the part\'s',
    '                               lint.max_lock_ms fails the rehearsal (exit 1)',
    '  The comparison of the upgraded copy with the fresh build takes pgv check\'s options, over the',
    '  part\'s ignore, exclude_schemas and exclude_columns:',
    ...comparisonHelp,
  ],
  examples: [
    { args: 'test-and-upgrade app', does: 'rehearse part app on a copy, then upgrade it' },
    { args: 'test-and-upgrade app --ignore views --exclude-column usr_%', does: 'compare less' },
  ],
  exitCodes: {
    0: 'rehearsed and production upgraded (or nothing pending)',
    1: 'the upgraded copy differs from a fresh build, or --trace saw a lock held longer than the\n' +
      '       part\'s lint.max_lock_ms (production untouched either way)',
    2: 'bad usage, invalid config or unknown part',
    3: 'a script failed on the copy (production untouched), or another failure',
  },
  run: async (g, v, pos) => {
    if (pos.length !== 1) throw usageError('pgv test-and-upgrade takes exactly one part', 'Usage: pgv test-and-upgrade PART');
    const copy = typeof v.copy === 'string' ? v.copy : 'auto';
    if (copy !== 'auto' && copy !== 'template' && copy !== 'dump') throw usageError(`--copy must be auto, template or dump, not "${copy}"`);
    const lockTimeoutMs = positiveInt(v['lock-timeout'], '--lock-timeout', 60, true) * 1000;
    const comparison = {
      ignore: listOf(v, 'ignore'),
      include: listOf(v, 'include'),
      excludeSchemas: listOf(v, 'exclude-schema'),
      excludeColumns: listOf(v, 'exclude-column'),
      columnOrder: v['column-order'] === true,
      ignoreGeneratedNames: v['ignore-generated-names'] === true,
    };
    return (await import('./test-and-upgrade.js')).testAndUpgradeCommand(g, { part: pos[0]!, copy, keep: v.keep === true, lockTimeoutMs, comparison, trace: v.trace === true });
  },
};
